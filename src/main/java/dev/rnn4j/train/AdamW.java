package dev.rnn4j.train;

import dev.rnn4j.nn.Parameter;
import java.util.List;

/**
 * Adam with decoupled weight decay: {@code torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=1e-2, amsgrad=False)}, single-tensor implementation. Per parameter with a
 * grad, at step t, first
 *
 * <pre>
 * param = param * (1 - lr * weight_decay)
 * </pre>
 *
 * <p>then {@link Adam}'s update with {@code weight_decay} 0: the decay shrinks the parameter
 * instead of entering the moments. State and exactness as {@link Adam}.
 *
 * <p>Create with {@code OptimizerConfig.adamw(lr)...create(model.parameters())}.
 */
public final class AdamW extends AbstractOptimizer {
  AdamW(OptimizerConfig config, List<Parameter> parameters) {
    super(config, OptimizerConfig.ADAMW, Adam.kinds(config), parameters);
  }

  @Override
  void update(Parameter p, ParamState s) {
    Adam.update(config(), lr(), true, p, s);
  }
}
