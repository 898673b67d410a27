package dev.rnn4j.train;

import dev.rnn4j.internal.ExactMath;
import java.util.List;

/**
 * Adam: {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
 * amsgrad=False)}, single-tensor implementation. Per parameter with a grad, at step t (counting this
 * parameter's updates from 1):
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
 * <p>State: {@code exp_avg}, {@code exp_avg_sq} and, with AMSGrad, {@code max_exp_avg_sq}, zeros before
 * the first step. The scalars ({@code 1 - beta^t}, the step size, {@code sqrt(1 - beta2^t)}) are computed
 * in float64 as Python computes them and then rounded to the parameter's dtype, as PyTorch passes them
 * to its kernels; the element-wise lines use its CPU kernels' operations, fused multiply-adds included.
 * {@code beta^t} is correctly rounded here, where glibc's {@code pow} is off in its last bit for a few
 * steps in ten thousand: at such a step a float64 update may differ from PyTorch's in its last bits
 * (float32 updates almost never do).
 *
 * <p>Create with {@code OptimizerConfig.adam(lr)...create()}. See {@link AdamW} for decoupled weight
 * decay.
 */
public final class Adam extends AbstractOptimizer {
  Adam(OptimizerConfig config) {
    super(config, OptimizerConfig.ADAM, kinds(config));
  }

  static List<String> kinds(OptimizerConfig config) {
    return config.amsgrad()
        ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        : List.of("exp_avg", "exp_avg_sq");
  }

  @Override
  void update(float[] p, float[] g, ParamState s) {
    update(config(), false, p, g, s);
  }

  @Override
  void update(double[] p, double[] g, ParamState s) {
    update(config(), false, p, g, s);
  }

  /**
   * One Adam ({@code decoupled} false) or AdamW ({@code decoupled} true) update in float32, following
   * {@code _single_tensor_adam} / {@code _single_tensor_adamw} of torch 1.13 line by line.
   */
  static void update(OptimizerConfig c, boolean decoupled, float[] p, float[] g, ParamState s) {
    double biasCorrection1 = 1 - ExactMath.powInt(c.beta1(), s.step);
    double biasCorrection2 = 1 - ExactMath.powInt(c.beta2(), s.step);
    float negStepSize = (float) -(c.lr() / biasCorrection1);
    float biasCorrection2Sqrt = (float) Math.sqrt(biasCorrection2);
    float eps = (float) c.eps();
    float beta1 = (float) c.beta1();
    float oneMinusBeta1 = (float) (1 - c.beta1());
    float beta2 = (float) c.beta2();
    float oneMinusBeta2 = (float) (1 - c.beta2());
    boolean l2 = !decoupled && c.weightDecay() != 0;
    float weightDecay = (float) c.weightDecay();
    float decay = (float) (1 - c.lr() * c.weightDecay());
    float[] m = s.floats[0];
    float[] v = s.floats[1];
    float[] vmax = c.amsgrad() ? s.floats[2] : null;
    for (int i = 0; i < p.length; i++) {
      float gi = g[i];
      if (decoupled) {
        p[i] *= decay; // AdamW multiplies even when weight_decay is 0 (by exactly 1)
      } else if (l2) {
        gi = Math.fma(p[i], weightDecay, gi);
      }
      m[i] = Math.fma(gi, oneMinusBeta1, m[i] * beta1);
      v[i] = Math.fma(oneMinusBeta2 * gi, gi, v[i] * beta2); // addcmul_: self + (value * t1) * t2
      float second = v[i];
      if (vmax != null) {
        vmax[i] = Math.max(vmax[i], v[i]);
        second = vmax[i];
      }
      float denom = (float) Math.sqrt(second) / biasCorrection2Sqrt + eps;
      p[i] += negStepSize * m[i] / denom; // addcdiv_: self + (value * t1) / t2, nothing fused
    }
  }

  /** The float64 twin of {@link #update(OptimizerConfig, boolean, float[], float[], ParamState)}. */
  static void update(OptimizerConfig c, boolean decoupled, double[] p, double[] g, ParamState s) {
    double biasCorrection1 = 1 - ExactMath.powInt(c.beta1(), s.step);
    double biasCorrection2 = 1 - ExactMath.powInt(c.beta2(), s.step);
    double negStepSize = -(c.lr() / biasCorrection1);
    double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    double eps = c.eps();
    double beta1 = c.beta1();
    double oneMinusBeta1 = 1 - c.beta1();
    double beta2 = c.beta2();
    double oneMinusBeta2 = 1 - c.beta2();
    boolean l2 = !decoupled && c.weightDecay() != 0;
    double weightDecay = c.weightDecay();
    double decay = 1 - c.lr() * c.weightDecay();
    double[] m = s.doubles[0];
    double[] v = s.doubles[1];
    double[] vmax = c.amsgrad() ? s.doubles[2] : null;
    for (int i = 0; i < p.length; i++) {
      double gi = g[i];
      if (decoupled) {
        p[i] *= decay;
      } else if (l2) {
        gi = Math.fma(p[i], weightDecay, gi);
      }
      m[i] = Math.fma(gi, oneMinusBeta1, m[i] * beta1);
      v[i] = Math.fma(oneMinusBeta2 * gi, gi, v[i] * beta2);
      double second = v[i];
      if (vmax != null) {
        vmax[i] = Math.max(vmax[i], v[i]);
        second = vmax[i];
      }
      double denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
      p[i] += negStepSize * m[i] / denom;
    }
  }
}
