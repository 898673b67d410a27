package dev.rnn4j.train;

import java.util.List;

/**
 * Stochastic gradient descent, optionally with momentum: {@code torch.optim.SGD(params, lr, momentum=0,
 * dampening=0, weight_decay=0, nesterov=False)}, single-tensor implementation. Per parameter with a
 * grad, at step t:
 *
 * <pre>
 * g  = grad + weight_decay * param                          (if weight_decay != 0)
 * b  = g                              at the first step     (if momentum != 0)
 * b  = momentum * b + (1 - dampening) * g    afterwards
 * g  = g + momentum * b   (nesterov)   or   g = b
 * param = param - lr * g
 * </pre>
 *
 * <p>State: {@code momentum_buffer} ({@code b}) when momentum is not 0. Each line is computed as PyTorch
 * 1.13's CPU kernels compute it: {@code x.add(y, alpha=a)} as one fused multiply-add {@code fma(y, a, x)}
 * in the parameter's dtype, with {@code a} rounded to that dtype first. Note that PyTorch's momentum
 * differs from Sutskever et al.'s: {@code lr} multiplies the buffer, not the gradient.
 *
 * <p>Create with {@code OptimizerConfig.sgd(lr)...create()}.
 */
public final class Sgd extends AbstractOptimizer {
  Sgd(OptimizerConfig config) {
    super(config, OptimizerConfig.SGD,
        config.momentum() != 0 ? List.of("momentum_buffer") : List.of());
  }

  @Override
  void update(float[] p, float[] g, ParamState s) {
    OptimizerConfig c = config();
    boolean decay = c.weightDecay() != 0;
    float weightDecay = (float) c.weightDecay();
    float momentum = (float) c.momentum();
    float keep = (float) (1 - c.dampening()); // PyTorch computes 1 - dampening in double, then rounds
    float negLr = (float) -c.lr();
    float[] buf = c.momentum() != 0 ? s.floats[0] : null;
    boolean first = s.step == 1;
    for (int i = 0; i < p.length; i++) {
      float d = g[i];
      if (decay) {
        d = Math.fma(p[i], weightDecay, d);
      }
      if (buf != null) {
        buf[i] = first ? d : Math.fma(d, keep, buf[i] * momentum);
        d = c.nesterov() ? Math.fma(buf[i], momentum, d) : buf[i];
      }
      p[i] = Math.fma(d, negLr, p[i]);
    }
  }

  @Override
  void update(double[] p, double[] g, ParamState s) {
    OptimizerConfig c = config();
    boolean decay = c.weightDecay() != 0;
    double weightDecay = c.weightDecay();
    double momentum = c.momentum();
    double keep = 1 - c.dampening();
    double negLr = -c.lr();
    double[] buf = c.momentum() != 0 ? s.doubles[0] : null;
    boolean first = s.step == 1;
    for (int i = 0; i < p.length; i++) {
      double d = g[i];
      if (decay) {
        d = Math.fma(p[i], weightDecay, d);
      }
      if (buf != null) {
        buf[i] = first ? d : Math.fma(d, keep, buf[i] * momentum);
        d = c.nesterov() ? Math.fma(buf[i], momentum, d) : buf[i];
      }
      p[i] = Math.fma(d, negLr, p[i]);
    }
  }
}
