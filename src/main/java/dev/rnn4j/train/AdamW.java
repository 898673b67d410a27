package dev.rnn4j.train;

/**
 * Adam with decoupled weight decay: {@code torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=1e-2, amsgrad=False)}, single-tensor implementation. Per parameter with a grad,
 * at step t, first
 *
 * <pre>
 * param = param * (1 - lr * weight_decay)
 * </pre>
 *
 * <p>then {@link Adam}'s update with {@code weight_decay} 0: the decay shrinks the parameter instead of
 * entering the moments. State and exactness as {@link Adam}.
 *
 * <p>Create with {@code OptimizerConfig.adamw(lr)...create()}.
 */
public final class AdamW extends AbstractOptimizer {
  AdamW(OptimizerConfig config) {
    super(config, OptimizerConfig.ADAMW, Adam.kinds(config));
  }

  @Override
  void update(float[] p, float[] g, ParamState s) {
    Adam.update(config(), true, p, g, s);
  }

  @Override
  void update(double[] p, double[] g, ParamState s) {
    Adam.update(config(), true, p, g, s);
  }
}
