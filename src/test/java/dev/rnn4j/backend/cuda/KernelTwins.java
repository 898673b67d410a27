package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.LaunchGeometry.BLOCK;
import static dev.rnn4j.backend.cuda.LaunchGeometry.gridSize;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.SgdScalars;
import java.util.Arrays;

/**
 * The CPU twins of rnn4j's CUDA kernels ({@code kernels/layout.cu}, {@code kernels/training.cu}):
 * one method per kernel and dtype, doing the same arithmetic in the same order, so a GPU result can
 * be compared with its twin element by element. The element-wise kernels' twins (scaling, the
 * optimizers' updates) are the CPU backend's operations themselves, which define what the kernels
 * compute. Data movement and the optimizers' updates agree bit for bit; so do the reductions,
 * because the twins replay the kernels' block structure (per-thread grid-stride sums in float64,
 * then the 256-thread tree, then the one-block pass over the partials) for the grid {@link
 * LaunchGeometry#gridSize} gives, which is the grid {@link CudaKernels} launches.
 *
 * <p>Layouts are row-major, with PyTorch's symbols: T steps, N batch, C features per row, H_out the
 * hidden size per direction, R = T·N rows. Lengths are per batch element, as the kernels' int32
 * arrays. Pure Java: nothing here touches JCuda.
 */
final class KernelTwins {
  // The element-wise kernels' definitions are the CPU backend's own operations: their twins call
  // them.
  private static final Backend CPU = Backends.cpu();

  /** PyTorch's default {@code ignore_index}, as the cross-entropy kernel knows it. */
  static final int IGNORE_INDEX = -100;

  private KernelTwins() {}

  // ---- layout.cu ----

  /** {@code in [A, B, C] -> out [B, A, C]}. */
  static void transpose01(float[] in, float[] out, int a, int b, int c) {
    for (int ia = 0; ia < a; ia++) {
      for (int ib = 0; ib < b; ib++) {
        System.arraycopy(in, (ia * b + ib) * c, out, (ib * a + ia) * c, c);
      }
    }
  }

  /** {@code in [A, B, C] -> out [B, A, C]}. */
  static void transpose01(double[] in, double[] out, int a, int b, int c) {
    for (int ia = 0; ia < a; ia++) {
      for (int ib = 0; ib < b; ib++) {
        System.arraycopy(in, (ia * b + ib) * c, out, (ib * a + ia) * c, c);
      }
    }
  }

  /** {@code y [R, 2*H_out] -> out0, out1 [R, H_out]}; a null output is skipped. */
  static void splitDirections(float[] y, float[] out0, float[] out1, int rows, int h) {
    for (int r = 0; r < rows; r++) {
      if (out0 != null) {
        System.arraycopy(y, r * 2 * h, out0, r * h, h);
      }
      if (out1 != null) {
        System.arraycopy(y, r * 2 * h + h, out1, r * h, h);
      }
    }
  }

  /** {@code y [R, 2*H_out] -> out0, out1 [R, H_out]}; a null output is skipped. */
  static void splitDirections(double[] y, double[] out0, double[] out1, int rows, int h) {
    for (int r = 0; r < rows; r++) {
      if (out0 != null) {
        System.arraycopy(y, r * 2 * h, out0, r * h, h);
      }
      if (out1 != null) {
        System.arraycopy(y, r * 2 * h + h, out1, r * h, h);
      }
    }
  }

  /** Zeroes {@code y[t, b, :]} of {@code y [T, N, C]} for {@code t >= lengths[b]}. */
  static void maskPadding(float[] y, int[] lengths, int t, int n, int c) {
    for (int step = 0; step < t; step++) {
      for (int b = 0; b < n; b++) {
        if (step >= lengths[b]) {
          Arrays.fill(y, (step * n + b) * c, (step * n + b + 1) * c, 0f);
        }
      }
    }
  }

  /** Zeroes {@code y[t, b, :]} of {@code y [T, N, C]} for {@code t >= lengths[b]}. */
  static void maskPadding(double[] y, int[] lengths, int t, int n, int c) {
    for (int step = 0; step < t; step++) {
      for (int b = 0; b < n; b++) {
        if (step >= lengths[b]) {
          Arrays.fill(y, (step * n + b) * c, (step * n + b + 1) * c, 0d);
        }
      }
    }
  }

  /** {@code out[r] = source[rows[r]]} for rows of {@code width} elements. */
  static void gatherRows(double[] source, int[] rows, double[] out, int width) {
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(source, rows[r] * width, out, r * width, width);
    }
  }

  /**
   * {@code into[rows[r]] = source[r]} for rows of {@code width} elements; other rows keep theirs.
   */
  static void scatterRows(double[] source, int[] rows, double[] into, int width) {
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(source, r * width, into, rows[r] * width, width);
    }
  }

  /** {@code x = value}, the value rounded to float32 once. */
  static void fill(float[] x, double value) {
    Arrays.fill(x, (float) value);
  }

  /** {@code x = value}. */
  static void fill(double[] x, double value) {
    Arrays.fill(x, value);
  }

  /** {@code into += x}. */
  static void add(float[] into, float[] x) {
    for (int i = 0; i < into.length; i++) {
      into[i] = into[i] + x[i];
    }
  }

  /** {@code into += x}. */
  static void add(double[] into, double[] x) {
    for (int i = 0; i < into.length; i++) {
      into[i] = into[i] + x[i];
    }
  }

  // ---- training.cu ----

  /** {@code y [M, K] += b [K]} on each row. */
  static void addRowBias(float[] y, float[] b, int m, int k) {
    for (int i = 0; i < m * k; i++) {
      y[i] = y[i] + b[i % k];
    }
  }

  /** {@code y [M, K] += b [K]} on each row. */
  static void addRowBias(double[] y, double[] b, int m, int k) {
    for (int i = 0; i < m * k; i++) {
      y[i] = y[i] + b[i % k];
    }
  }

  /**
   * Column sums of {@code x [M, K]} added to {@code out [K]}: one block's float64 sum per column.
   */
  static void sumRows(float[] x, float[] out, int m, int k) {
    for (int col = 0; col < k; col++) {
      double[] shared = new double[BLOCK];
      for (int tid = 0; tid < BLOCK; tid++) {
        double s = 0;
        for (long r = tid; r < m; r += BLOCK) {
          s += (double) x[(int) (r * k + col)];
        }
        shared[tid] = s;
      }
      out[col] = out[col] + (float) tree(shared);
    }
  }

  /**
   * Column sums of {@code x [M, K]} added to {@code out [K]}: one block's float64 sum per column.
   */
  static void sumRows(double[] x, double[] out, int m, int k) {
    for (int col = 0; col < k; col++) {
      double[] shared = new double[BLOCK];
      for (int tid = 0; tid < BLOCK; tid++) {
        double s = 0;
        for (long r = tid; r < m; r += BLOCK) {
          s += x[(int) (r * k + col)];
        }
        shared[tid] = s;
      }
      out[col] = out[col] + tree(shared);
    }
  }

  /**
   * The first pass of the MSE loss over {@code p, t [n]}: writes {@code dp = 2 (p - t) / n}
   * (computed in float64, rounded once, as {@code MseLoss}) and returns the per-block partial sums
   * of {@code (p - t)^2}, {@code gridSize(n)} of them.
   */
  static double[] mse(float[] p, float[] t, float[] dp) {
    int n = p.length;
    double dn = n;
    return blockPartials(
        n,
        i -> {
          double d = (double) p[i] - (double) t[i];
          dp[i] = (float) (2 * d / dn);
          return d * d;
        });
  }

  /** The float64 twin of {@link #mse(float[], float[], float[])}. */
  static double[] mse(double[] p, double[] t, double[] dp) {
    int n = p.length;
    double dn = n;
    return blockPartials(
        n,
        i -> {
          double d = p[i] - t[i];
          dp[i] = 2 * d / dn;
          return d * d;
        });
  }

  /**
   * The second pass: {@code sum(partials) / n} in float64, NaN for n = 0. The float32 kernel stores
   * it rounded to float32, as {@code MseLoss} returns a float32 loss.
   */
  static double mseFinish(double[] partials, long n) {
    return sumPartials(partials) / (double) n;
  }

  /**
   * The first pass of the cross-entropy loss over {@code logits [N, C]} (as float64 values; the
   * float32 kernel widens float32 logits exactly) and {@code target [N]}: writes {@code grad =
   * (softmax - onehot) / count} in float64 (the float32 kernel rounds each element once) and
   * returns each row's {@code log_softmax} at its target, 0 on ignored rows. One row at a time, in
   * the kernel's order.
   */
  static double[] crossEntropy(
      double[] logits, int[] target, double[] grad, int n, int c, int count) {
    double[] terms = new double[n];
    for (int row = 0; row < n; row++) {
      int offset = row * c;
      int t = target[row];
      if (t == IGNORE_INDEX) {
        Arrays.fill(grad, offset, offset + c, 0);
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, logits[offset + j]);
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += Math.exp(logits[offset + j] - max);
      }
      double logSum = Math.log(sum);
      for (int j = 0; j < c; j++) {
        double softmax = Math.exp((logits[offset + j] - max) - logSum);
        grad[offset + j] = (softmax - (j == t ? 1 : 0)) / count;
      }
      terms[row] = (logits[offset + t] - max) - logSum;
    }
    return terms;
  }

  /** The second pass: {@code -sum(terms) / count}, the terms summed as one block sums them. */
  static double crossEntropyFinish(double[] terms, int count) {
    return -sumPartials(terms) / count;
  }

  /** Per-block partial sums of {@code x^2} in float64, {@code gridSize(x.length)} of them. */
  static double[] sumSquares(float[] x) {
    return blockPartials(
        x.length,
        i -> {
          double v = x[i];
          return v * v;
        });
  }

  /** Per-block partial sums of {@code x^2} in float64, {@code gridSize(x.length)} of them. */
  static double[] sumSquares(double[] x) {
    return blockPartials(x.length, i -> x[i] * x[i]);
  }

  /**
   * {@code {total_norm, coef}} from the partials of all gradients: {@code total_norm =
   * sqrt(sum(partials))}, {@code coef = max_norm / (total_norm + 1e-6)} capped at 1 (NaN stays
   * NaN), as {@code GradClipping}. The float32 kernel stores {@code total_norm} rounded to float32.
   */
  static double[] clipCoefficient(double[] partials, double maxNorm) {
    double norm = Math.sqrt(sumPartials(partials));
    double coef = maxNorm / (norm + 1e-6);
    return new double[] {norm, coef >= 1 ? 1.0 : coef};
  }

  /**
   * {@code x *= coef}: the CPU backend's {@code scaleInPlace}, which the {@code scale} kernel
   * mirrors.
   */
  static void scale(float[] x, double coef) {
    CPU.scaleInPlace(HostStorage.of(x), coef);
  }

  static void scale(double[] x, double coef) {
    CPU.scaleInPlace(HostStorage.of(x), coef);
  }

  /** One SGD update: the CPU backend's {@code sgdStep}, the definition the kernel mirrors. */
  static void sgdStep(float[] p, float[] g, float[] buf, SgdScalars s) {
    CPU.sgdStep(HostStorage.of(p), HostStorage.of(g), buf == null ? null : HostStorage.of(buf), s);
  }

  static void sgdStep(double[] p, double[] g, double[] buf, SgdScalars s) {
    CPU.sgdStep(HostStorage.of(p), HostStorage.of(g), buf == null ? null : HostStorage.of(buf), s);
  }

  /**
   * One Adam or AdamW update: the CPU backend's {@code adamStep}, the definition the kernel
   * mirrors.
   */
  static void adamStep(float[] p, float[] g, float[] m, float[] v, float[] vmax, AdamScalars s) {
    CPU.adamStep(
        HostStorage.of(p),
        HostStorage.of(g),
        HostStorage.of(m),
        HostStorage.of(v),
        vmax == null ? null : HostStorage.of(vmax),
        s);
  }

  static void adamStep(
      double[] p, double[] g, double[] m, double[] v, double[] vmax, AdamScalars s) {
    CPU.adamStep(
        HostStorage.of(p),
        HostStorage.of(g),
        HostStorage.of(m),
        HostStorage.of(v),
        vmax == null ? null : HostStorage.of(vmax),
        s);
  }

  // ---- the reductions' fixed order ----

  /** One element's contribution to a sum (and any element-wise output written on the way). */
  private interface Term {
    double at(int i);
  }

  /**
   * The kernels' first pass: block b's threads sum elements b*256 + tid + k*grid*256, then the
   * tree.
   */
  private static double[] blockPartials(int n, Term term) {
    int grid = gridSize(n);
    long stride = (long) grid * BLOCK;
    double[] partials = new double[grid];
    double[] shared = new double[BLOCK];
    for (int block = 0; block < grid; block++) {
      for (int tid = 0; tid < BLOCK; tid++) {
        double s = 0;
        for (long i = (long) block * BLOCK + tid; i < n; i += stride) {
          s += term.at((int) i);
        }
        shared[tid] = s;
      }
      partials[block] = tree(shared);
    }
    return partials;
  }

  /** The one-block final pass: thread tid sums partials tid, tid + 256, ..., then the tree. */
  private static double sumPartials(double[] partials) {
    double[] shared = new double[BLOCK];
    for (int tid = 0; tid < BLOCK; tid++) {
      double s = 0;
      for (int i = tid; i < partials.length; i += BLOCK) {
        s += partials[i];
      }
      shared[tid] = s;
    }
    return tree(shared);
  }

  /** The shared-memory tree of training.cu's block_sum; overwrites {@code shared}. */
  private static double tree(double[] shared) {
    for (int width = BLOCK / 2; width > 0; width >>= 1) {
      for (int tid = 0; tid < width; tid++) {
        shared[tid] += shared[tid + width];
      }
    }
    return shared[0];
  }
}
