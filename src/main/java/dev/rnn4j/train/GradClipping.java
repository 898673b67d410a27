package dev.rnn4j.train;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Gradient clipping: {@code torch.nn.utils.clip_grad_norm_}.
 *
 * <p>The arithmetic follows PyTorch 1.13's CPU build (AVX2) step by step, so that the total norm and the
 * clipped gradients are bit-identical to it: see {@link #clipGradNorm}. (One exception: a float64
 * gradient of more than 32768 elements matches single-threaded PyTorch; with several threads PyTorch
 * splits that norm's sum among them.)
 */
public final class GradClipping {
  private GradClipping() {}

  /**
   * The result of {@link #clipGradNorm}.
   *
   * @param totalNorm the 2-norm of all gradients together, before clipping (in the gradients' dtype,
   *     widened to double)
   * @param grads the clipped gradients: the same names, order, shapes and dtypes
   */
  public record Clipped(double totalNorm, StateDict grads) {
    public Clipped {
      Objects.requireNonNull(grads, "grads");
    }
  }

  /**
   * {@code total_norm = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=2.0)}: the 2-norm of
   * all gradients as if concatenated into one vector, and the gradients scaled by
   * {@code min(1, max_norm / (total_norm + 1e-6))}. PyTorch scales even when the factor is 1, and so does
   * this (multiplying by 1 changes nothing). Non-finite norms are not errors
   * ({@code error_if_nonfinite=False}): the gradients then become NaN, as in PyTorch.
   *
   * <p>Computed as PyTorch computes it: the norm of each gradient, then the norm of those norms
   * ({@code torch.norm(torch.stack(norms))}), then {@code max_norm * (1 / (total_norm + 1e-6))} and the
   * clamp, all in the gradients' dtype (float64 if they are mixed). A float32 norm is accumulated as
   * PyTorch's AVX2 kernel does, in eight interleaved fused lanes; a float64 norm sequentially.
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
    if (grads.size() == 0) {
      return new Clipped(0.0, grads);
    }
    boolean anyDouble = grads.asMap().values().stream().anyMatch(t -> t.dtype() == DType.FLOAT64);
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (!anyDouble) {
      float[] norms = new float[grads.size()];
      int k = 0;
      for (Tensor g : grads.asMap().values()) {
        norms[k++] = norm(g.toFloatArray());
      }
      float total = norm(norms);
      float coef = Math.min((1f / (total + 1e-6f)) * (float) maxNorm, 1f); // __rdiv__: reciprocal, mul
      grads.asMap().forEach((name, g) -> out.put(name, scale(g, coef)));
      return new Clipped(total, StateDict.of(out));
    }
    // Mixed or float64: per-tensor norms in each tensor's dtype, stacked (promoted) to float64.
    double[] norms = new double[grads.size()];
    int k = 0;
    for (Tensor g : grads.asMap().values()) {
      norms[k++] = g.dtype() == DType.FLOAT32 ? norm(g.toFloatArray()) : norm(g.toDoubleArray());
    }
    double total = norm(norms);
    double coef = Math.min((1 / (total + 1e-6)) * maxNorm, 1);
    grads.asMap().forEach((name, g) -> out.put(name, g.dtype() == DType.FLOAT32
        ? scale(g, (float) coef) // g.mul_(coef) keeps g's dtype: coef is rounded to float32
        : scale(g, coef)));
    return new Clipped(total, StateDict.of(out));
  }

  private static Tensor scale(Tensor g, float coef) {
    float[] values = g.toFloatArray();
    for (int i = 0; i < values.length; i++) {
      values[i] *= coef;
    }
    return Tensor.wrap(values, g.shape());
  }

  private static Tensor scale(Tensor g, double coef) {
    double[] values = g.toDoubleArray();
    for (int i = 0; i < values.length; i++) {
      values[i] *= coef;
    }
    return Tensor.wrap(values, g.shape());
  }

  /**
   * {@code torch.linalg.vector_norm(x)} for float32 as PyTorch's AVX2 build computes it: squares summed
   * into eight lanes with fused multiply-adds, the lanes added in order, then the remainder. GCC
   * vectorizes the remainder loop four at a time, squaring those four separately from the sum; the
   * last up to three are fused again. The square root is correctly rounded, as {@code std::sqrt}.
   */
  static float norm(float[] x) {
    float[] lanes = new float[8];
    int body = x.length - x.length % 8;
    for (int d = 0; d < body; d += 8) {
      for (int j = 0; j < 8; j++) {
        lanes[j] = Math.fma(x[d + j], x[d + j], lanes[j]);
      }
    }
    float sum = lanes[0];
    for (int j = 1; j < 8; j++) {
      sum += lanes[j];
    }
    int d = body;
    if (x.length - d >= 4) {
      for (int end = d + 4; d < end; d++) {
        sum += x[d] * x[d];
      }
    }
    for (; d < x.length; d++) {
      sum = Math.fma(x[d], x[d], sum);
    }
    return (float) Math.sqrt(sum);
  }

  /** {@code torch.linalg.vector_norm(x)} for float64: one fused multiply-add per element, in order. */
  static double norm(double[] x) {
    double sum = 0;
    for (double v : x) {
      sum = Math.fma(v, v, sum);
    }
    return Math.sqrt(sum);
  }
}
