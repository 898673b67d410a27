package dev.rnn4j.train;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.nn.Parameter;
import java.util.List;

/**
 * Adam: {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * amsgrad=False)}, single-tensor implementation. Per parameter with a grad, at step t (counting
 * this parameter's updates from 1):
 *
 * <pre>
 * g     = grad + weight_decay * param                      (if weight_decay != 0)
 * m     = beta1 * m + (1 - beta1) * g                      exp_avg
 * v     = beta2 * v + (1 - beta2) * g * g                  exp_avg_sq
 * vmax  = max(vmax, v)                                     max_exp_avg_sq (amsgrad only)
 * denom = sqrt(amsgrad ? vmax : v) / sqrt(1 - beta2^t) + eps
 * param = param - (lr / (1 - beta1^t)) * m / denom
 * </pre>
 *
 * <p>State: {@code exp_avg}, {@code exp_avg_sq} and, with AMSGrad, {@code max_exp_avg_sq}, zeros
 * before the first step. The scalars ({@code 1 - beta^t}, the step size, {@code sqrt(1 - beta2^t)})
 * are computed in float64 as Python computes them and then rounded to the parameter's dtype, as
 * PyTorch passes them to its kernels; the element-wise lines use its CPU kernels' operations, fused
 * multiply-adds included. {@code beta^t} is correctly rounded here ({@link AdamScalars}), where
 * glibc's {@code pow} is off in its last bit for a few steps in ten thousand: at such a step a
 * float64 update may differ from PyTorch's in its last bits (float32 updates almost never do).
 *
 * <p>Create with {@code OptimizerConfig.adam(lr)...create(model.parameters())}. See {@link AdamW}
 * for decoupled weight decay.
 */
public final class Adam extends AbstractOptimizer {
  Adam(OptimizerConfig config, List<Parameter> parameters) {
    super(config, OptimizerConfig.ADAM, kinds(config), parameters);
  }

  static List<String> kinds(OptimizerConfig config) {
    return config.amsgrad()
        ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        : List.of("exp_avg", "exp_avg_sq");
  }

  @Override
  void update(Parameter p, ParamState s) {
    update(config(), lr(), false, p, s);
  }

  /**
   * One Adam ({@code decoupled} false) or AdamW update of {@code p} on its backend at learning rate
   * {@code lr}.
   */
  static void update(OptimizerConfig c, double lr, boolean decoupled, Parameter p, ParamState s) {
    AdamScalars scalars =
        AdamScalars.of(lr, c.beta1(), c.beta2(), c.eps(), c.weightDecay(), decoupled, s.step);
    p.backend()
        .adamStep(
            p.dataStorage(),
            p.gradStorage(),
            s.buffer(0),
            s.buffer(1),
            c.amsgrad() ? s.buffer(2) : null,
            scalars);
  }
}
