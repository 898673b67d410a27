package dev.rnn4j.train;

import dev.rnn4j.backend.SgdScalars;
import dev.rnn4j.nn.Parameter;
import java.util.List;

/**
 * Stochastic gradient descent, optionally with momentum: {@code torch.optim.SGD(params, lr,
 * momentum=0, dampening=0, weight_decay=0, nesterov=False)}, single-tensor implementation. Per
 * parameter with a grad, at step t:
 *
 * <pre>
 * g  = grad + weight_decay * param                          (if weight_decay != 0)
 * b  = g                              at the first step     (if momentum != 0)
 * b  = momentum * b + (1 - dampening) * g    afterwards
 * g  = g + momentum * b   (nesterov)   or   g = b
 * param = param - lr * g
 * </pre>
 *
 * <p>State: {@code momentum_buffer} ({@code b}) when momentum is not 0. Each line is computed as
 * PyTorch 1.13's CPU kernels compute it: {@code x.add(y, alpha=a)} as one fused multiply-add {@code
 * fma(y, a, x)} in the parameter's dtype, with {@code a} rounded to that dtype first. Note that
 * PyTorch's momentum differs from Sutskever et al.'s: {@code lr} multiplies the buffer, not the
 * gradient.
 *
 * <p>Create with {@code OptimizerConfig.sgd(lr)...create(model.parameters())}.
 */
public final class Sgd extends AbstractOptimizer {
  Sgd(OptimizerConfig config, List<Parameter> parameters) {
    super(
        config,
        OptimizerConfig.SGD,
        config.momentum() != 0 ? List.of("momentum_buffer") : List.of(),
        parameters);
  }

  @Override
  void update(Parameter p, ParamState s) {
    OptimizerConfig c = config();
    SgdScalars scalars =
        SgdScalars.of(lr(), c.momentum(), c.dampening(), c.weightDecay(), c.nesterov(), s.step);
    p.backend()
        .sgdStep(p.dataStorage(), p.gradStorage(), c.momentum() != 0 ? s.buffer(0) : null, scalars);
  }
}
