package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Gradient clipping: {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClipping {
  private GradClipping() {}

  /**
   * {@code total_norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0)}: the
   * 2-norm of the gradients of every parameter that has one, as if concatenated into one vector,
   * and, when {@code clip_coef = max_norm / (total_norm + 1e-6)} is below 1, every gradient
   * multiplied by it in place (in the gradient's dtype, as {@code g.mul_(clip_coef)}). Non-finite
   * norms are not errors ({@code error_if_nonfinite=False}): the gradients then become NaN (or 0
   * where finite, for an infinite norm), as in PyTorch.
   *
   * <p>It runs where the gradients are, as one reduction; the norm stays there too, in the returned
   * 0-dim tensor (the caller owns it), and is copied to the host only if the caller reads it. On
   * the CPU the norm is accumulated in double, so it is not bit for bit PyTorch's: within atol
   * 1e-6, rtol 1e-5 of it for float32 and 1e-12 for float64.
   *
   * @param parameters the parameters, all on one device; those without a gradient are skipped, and
   *     none with one gives a total norm of 0 (float32 for an empty list, as {@code
   *     torch.tensor(0.)})
   * @param maxNorm the largest total norm to allow, finite and {@code >= 0}
   * @return the total norm before clipping, a 0-dim tensor on the parameters' device, in their
   *     dtype
   * @throws IllegalArgumentException if {@code maxNorm} is negative or not finite, or the
   *     parameters are on several devices
   */
  public static Tensor clipGradNorm(List<Parameter> parameters, double maxNorm) {
    Objects.requireNonNull(parameters, "parameters");
    if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "max_norm must be a finite number >= 0, got " + OptimizerConfig.repr(maxNorm));
    }
    if (parameters.isEmpty()) {
      return Tensor.wrap(new float[] {0f}); // torch.tensor(0.)
    }
    Backend backend = parameters.get(0).backend();
    List<Storage> grads = new ArrayList<>();
    for (Parameter p : parameters) {
      if (p.backend() != backend) {
        throw new IllegalArgumentException(
            String.format(
                "clip_grad_norm_ needs parameters on one device, got %s on %s and %s on %s",
                parameters.get(0).name(), parameters.get(0).device(), p.name(), p.device()));
      }
      if (p.hasGrad()) {
        grads.add(p.gradStorage());
      }
    }
    if (grads.isEmpty()) {
      return Tensor.zeros(parameters.get(0).dtype(), parameters.get(0).device());
    }
    return Tensor.of(backend.clipGradNorm(grads, maxNorm));
  }
}
