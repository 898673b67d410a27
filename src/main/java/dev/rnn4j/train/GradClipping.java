package dev.rnn4j.train;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Gradient clipping: {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClipping {
  private GradClipping() {}

  /**
   * The result of {@link #clipGradNorm}.
   *
   * @param totalNorm the 2-norm of all gradients together, before clipping (rounded to float32 when
   *     every gradient is float32, as PyTorch returns it)
   * @param grads the clipped gradients: the same names, order, shapes and dtypes
   */
  public record Clipped(double totalNorm, StateDict grads) {
    public Clipped {
      Objects.requireNonNull(grads, "grads");
    }
  }

  /**
   * {@code total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2.0)}: the 2-norm of
   * all gradients as if concatenated into one vector, and, when {@code clip_coef = max_norm /
   * (total_norm + 1e-6)} is below 1, every gradient multiplied by it (in the gradient's dtype, as
   * {@code g.mul_(clip_coef)}); otherwise the gradients are returned as given. Non-finite norms are not
   * errors ({@code error_if_nonfinite=False}): the gradients then become NaN (or 0 where finite, for an
   * infinite norm), as in PyTorch.
   *
   * <p>The norm is accumulated in double, so results are not bit for bit PyTorch's: within atol 1e-6, rtol
   * 1e-5 of it for float32 and 1e-12 for float64.
   *
   * @param grads the gradients, float32 or float64; none at all gives a total norm of 0
   * @param maxNorm the largest total norm to allow, finite and {@code >= 0}
   * @throws IllegalArgumentException if {@code maxNorm} is negative or not finite
   */
  public static Clipped clipGradNorm(StateDict grads, double maxNorm) {
    Objects.requireNonNull(grads, "grads");
    if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "max_norm must be a finite number >= 0, got " + OptimizerConfig.repr(maxNorm));
    }
    double sumOfSquares = 0;
    boolean allFloat32 = true;
    for (Tensor g : grads.asMap().values()) {
      for (double v : g.toDoubleArray()) {
        sumOfSquares += v * v;
      }
      allFloat32 &= g.dtype() == DType.FLOAT32;
    }
    double totalNorm = Math.sqrt(sumOfSquares);
    double coef = maxNorm / (totalNorm + 1e-6);
    if (coef >= 1) {
      return new Clipped(allFloat32 ? (float) totalNorm : totalNorm, grads);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    grads.asMap().forEach((name, g) -> out.put(name, scale(g, coef)));
    return new Clipped(allFloat32 ? (float) totalNorm : totalNorm, StateDict.of(out));
  }

  private static Tensor scale(Tensor g, double coef) {
    if (g.dtype() == DType.FLOAT32) {
      float[] values = g.toFloatArray();
      for (int i = 0; i < values.length; i++) {
        values[i] *= (float) coef; // float32 arithmetic, as PyTorch's mul_ on a float32 grad
      }
      return Tensor.wrap(values, g.shape());
    }
    double[] values = g.toDoubleArray();
    for (int i = 0; i < values.length; i++) {
      values[i] *= coef;
    }
    return Tensor.wrap(values, g.shape());
  }
}
