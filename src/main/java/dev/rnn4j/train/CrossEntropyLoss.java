package dev.rnn4j.train;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * Cross-entropy on logits and class indices: {@code torch.nn.CrossEntropyLoss(reduction='mean')}, which
 * is {@code nll_loss(log_softmax(logits, dim=1), target)}.
 *
 * <pre>
 * log_p[n, c] = logits[n, c] - max_c' logits[n, c'] - log(sum_c' exp(logits[n, c'] - max))
 * loss        = -(1 / N') * sum over n with target[n] != -100 of log_p[n, target[n]]
 * d loss / d logits[n, c] = (softmax[n, c] - [c == target[n]]) / N'     (0 for ignored rows)
 * </pre>
 *
 * <p>where N' counts the rows whose target is not {@code ignore_index} (-100, PyTorch's default); if
 * there is none the loss is NaN, as in PyTorch. Shapes: logits (N, C), target N indices in
 * {@code [0, C)}.
 *
 * <p>Computed in the logits' dtype with PyTorch 1.13's CPU order of operations (its lane-wise sums in
 * {@code log_softmax}, the cascade in {@code nll_loss}, the fused multiply-add in the backward) and with
 * its {@code exp}, SLEEF's {@code expf_u10} / {@code exp_u10} (reimplemented here; they are not always
 * correctly rounded, so {@code Math.exp} would differ in about one result in ten). {@code log}, taken
 * once per row, is {@link StrictMath#log}: SLEEF's differs from it in the last bit for about 0.2% of
 * float32 and 3% of float64 arguments, and then that row's values and gradients differ from PyTorch's
 * by a few units in the last place. Otherwise results are bit-identical to PyTorch's.
 */
public final class CrossEntropyLoss {
  /** PyTorch's default {@code ignore_index}: rows with this target count for nothing. */
  public static final long IGNORE_INDEX = -100;

  private CrossEntropyLoss() {}

  /**
   * The loss and its gradient with respect to {@code logits}.
   *
   * @param logits unnormalized scores, float32 or float64, of shape (N, C)
   * @param target N class indices in {@code [0, C)}, or {@link #IGNORE_INDEX}
   * @throws IllegalArgumentException if logits are not 2-D, the target's length is not N, or a target
   *     is out of bounds ({@code "Target 3 is out of bounds."}, PyTorch's message)
   */
  public static LossResult compute(Tensor logits, long[] target) {
    Objects.requireNonNull(logits, "logits");
    Objects.requireNonNull(target, "target");
    if (logits.dim() != 2) {
      throw new IllegalArgumentException(String.format(
          "Expected logits of shape (N, C), got %s", Shape.list(logits.shape())));
    }
    int n = logits.size(0);
    int c = logits.size(1);
    if (target.length != n) {
      throw new IllegalArgumentException(String.format(
          "Expected input batch_size (%d) to match target batch_size (%d).", n, target.length));
    }
    for (long t : target) {
      if (t != IGNORE_INDEX && (t < 0 || t >= c)) {
        throw new IllegalArgumentException("Target " + t + " is out of bounds.");
      }
    }
    return logits.dtype() == DType.FLOAT32
        ? compute32(logits.toFloatArray(), target, n, c)
        : compute64(logits.toDoubleArray(), target, n, c);
  }

  private static LossResult compute32(float[] x, long[] target, int n, int c) {
    float[] logP = new float[x.length];
    for (int r = 0; r < n; r++) {
      logSoftmaxRow(x, logP, r * c, c);
    }
    int ignored = 0;
    float[] partial = new float[8];
    int levelPower = cascadeLevelPower(n);
    for (int b = 0; b < n; b++) {
      if (target[b] == IGNORE_INDEX) {
        ignored++;
        continue;
      }
      partial[0] -= logP[b * c + (int) target[b]];
      for (int j = 0; j + 1 < 8 && (b & (((1L << levelPower) - 1) << (j * levelPower))) == 0; j++) {
        partial[j + 1] += partial[j];
        partial[j] = 0;
      }
    }
    float totalWeight = n - ignored;
    float loss = 0;
    for (float p : partial) {
      loss += p;
    }
    loss /= totalWeight;

    float g = -(1f / totalWeight); // grad_output (1.0) / total_weight
    float[] grad = new float[x.length];
    for (int b = 0; b < n; b++) {
      // log_softmax_backward: grad - exp(log_p) * sum(grad), with one nonzero grad per row.
      float rowSum = target[b] == IGNORE_INDEX ? 0f : g;
      for (int j = 0; j < c; j++) {
        float upstream = j == target[b] ? g : 0f;
        grad[b * c + j] = Math.fma(-exp(logP[b * c + j]), rowSum, upstream);
      }
    }
    return new LossResult(loss, Tensor.wrap(grad, n, c));
  }

  /**
   * One row of {@code log_softmax} as PyTorch's vectorized CPU kernel computes it: exp(x - max) summed in
   * 8 lanes (a row shorter than 8 in order), the lanes combined pairwise (0+4, 2+6, 1+5, 3+7, as
   * AVX2's horizontal reduction does), then {@code (x - max) - log(sum)}.
   */
  private static void logSoftmaxRow(float[] x, float[] out, int offset, int c) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) {
      float v = x[offset + j];
      max = Float.isNaN(v) || v > max ? v : max; // vec::maximum propagates NaN
      if (Float.isNaN(max)) {
        break;
      }
    }
    float sum;
    if (c < 8) {
      sum = 0;
      for (int j = 0; j < c; j++) {
        float e = exp(x[offset + j] - max);
        sum = j == 0 ? e : sum + e;
      }
    } else {
      float[] lanes = new float[8];
      for (int j = 0; j < c; j++) {
        float e = exp(x[offset + j] - max);
        lanes[j % 8] = j < 8 ? e : lanes[j % 8] + e;
      }
      sum = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    }
    float logSum = (float) StrictMath.log(sum);
    for (int j = 0; j < c; j++) {
      out[offset + j] = (x[offset + j] - max) - logSum;
    }
  }

  private static LossResult compute64(double[] x, long[] target, int n, int c) {
    double[] logP = new double[x.length];
    for (int r = 0; r < n; r++) {
      logSoftmaxRow(x, logP, r * c, c);
    }
    int ignored = 0;
    double[] partial = new double[8];
    int levelPower = cascadeLevelPower(n);
    for (int b = 0; b < n; b++) {
      if (target[b] == IGNORE_INDEX) {
        ignored++;
        continue;
      }
      partial[0] -= logP[b * c + (int) target[b]];
      for (int j = 0; j + 1 < 8 && (b & (((1L << levelPower) - 1) << (j * levelPower))) == 0; j++) {
        partial[j + 1] += partial[j];
        partial[j] = 0;
      }
    }
    double totalWeight = n - ignored;
    double loss = 0;
    for (double p : partial) {
      loss += p;
    }
    loss /= totalWeight;

    double g = -(1 / totalWeight);
    double[] grad = new double[x.length];
    for (int b = 0; b < n; b++) {
      double rowSum = target[b] == IGNORE_INDEX ? 0 : g;
      for (int j = 0; j < c; j++) {
        double upstream = j == target[b] ? g : 0;
        grad[b * c + j] = Math.fma(-exp(logP[b * c + j]), rowSum, upstream);
      }
    }
    return new LossResult(loss, Tensor.wrap(grad, n, c));
  }

  /** The float64 row: AVX2 vectors hold 4 doubles, and their lanes are combined in order. */
  private static void logSoftmaxRow(double[] x, double[] out, int offset, int c) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) {
      double v = x[offset + j];
      max = Double.isNaN(v) || v > max ? v : max;
      if (Double.isNaN(max)) {
        break;
      }
    }
    double sum;
    if (c < 4) {
      sum = 0;
      for (int j = 0; j < c; j++) {
        double e = exp(x[offset + j] - max);
        sum = j == 0 ? e : sum + e;
      }
    } else {
      double[] lanes = new double[4];
      for (int j = 0; j < c; j++) {
        double e = exp(x[offset + j] - max);
        lanes[j % 4] = j < 4 ? e : lanes[j % 4] + e;
      }
      sum = ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3];
    }
    double logSum = StrictMath.log(sum);
    for (int j = 0; j < c; j++) {
      out[offset + j] = (x[offset + j] - max) - logSum;
    }
  }

  /**
   * {@code exp} as SLEEF 3.5's {@code Sleef_expf8_u10} computes it with FMA (PyTorch's
   * {@code Vectorized<float>::exp}): x = q ln2 + s with q = rint(x / ln2) and ln2 split in two, a degree-6
   * polynomial in s by Horner's rule with fused multiply-adds, then scaling by 2^q in two halves so that
   * no intermediate overflows. Below -104 the result is 0, above 100 infinity. SLEEF is distributed
   * under the Boost Software License 1.0.
   */
  static float exp(float d) {
    int q = (int) Math.rint(d * 1.442695040888963407359924681001892137426645954152985934135449406931f);
    float s = Math.fma(q, -0.693145751953125f, d);
    s = Math.fma(q, -1.428606765330187045e-06f, s);
    float u = 0.000198527617612853646278381f;
    u = Math.fma(u, s, 0.00139304355252534151077271f);
    u = Math.fma(u, s, 0.00833336077630519866943359f);
    u = Math.fma(u, s, 0.0416664853692054748535156f);
    u = Math.fma(u, s, 0.166666671633720397949219f);
    u = Math.fma(u, s, 0.5f);
    u = 1.0f + Math.fma(s * s, u, s);
    u = u * pow2(q >> 1) * pow2(q - (q >> 1));
    if (d < -104) {
      return 0f;
    }
    return d > 100 ? Float.POSITIVE_INFINITY : u;
  }

  /**
   * {@code exp} as SLEEF 3.5's {@code Sleef_expd4_u10} computes it with FMA (PyTorch's
   * {@code Vectorized<double>::exp}): the same reduction as {@link #exp(float)} and a degree-12
   * polynomial, its upper terms evaluated by Estrin's scheme. Below -1000 the result is 0, above
   * 709.78... infinity.
   */
  static double exp(double d) {
    double qd = Math.rint(d * 1.442695040888963407359924681001892137426645954152985934135449406931);
    int q = (int) qd;
    double s = Math.fma(qd, -.69314718055966295651160180568695068359375, d);
    s = Math.fma(qd, -.28235290563031577122588448175013436025525412068e-12, s);
    double s2 = s * s;
    double s4 = s2 * s2;
    double s8 = s4 * s4;
    double high = Math.fma(s, +0.2081276378237164457e-8, +0.2511210703042288022e-7);
    double mid = Math.fma(s2,
        Math.fma(s, +0.2755762628169491192e-6, +0.2755723402025388239e-5),
        Math.fma(s, +0.2480158687479686264e-4, +0.1984126989855865850e-3));
    double low = Math.fma(s2,
        Math.fma(s, +0.1388888888914497797e-2, +0.8333333333314938210e-2),
        Math.fma(s, +0.4166666666666602598e-1, +0.1666666666666669072e+0));
    double u = Math.fma(s8, high, Math.fma(s4, mid, low));
    u = Math.fma(u, s, 0.5);
    u = Math.fma(u, s, 1.0);
    u = Math.fma(u, s, 1.0);
    u = u * pow2d(q >> 1) * pow2d(q - (q >> 1));
    if (d < -1000) {
      return 0.0;
    }
    return d > 709.78271114955742909217217426 ? Double.POSITIVE_INFINITY : u;
  }

  /** 2^e for e in the normal exponent range, from its bits. */
  private static float pow2(int e) {
    return Float.intBitsToFloat((e + 0x7f) << 23);
  }

  private static double pow2d(int e) {
    return Double.longBitsToDouble((long) (e + 0x3ff) << 52);
  }

  /** nll_loss's cascade: partial sums move up a level every 2^levelPower rows (16 for any real N). */
  private static int cascadeLevelPower(int n) {
    int ceilLog2 = n <= 2 ? 1 : 32 - Integer.numberOfLeadingZeros(n - 1);
    return Math.max(4, ceilLog2 / 8);
  }
}
