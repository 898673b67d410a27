package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.HostStorage;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link CpuMath} for float64: double arithmetic throughout. {@link FloatMath} is its float32 twin,
 * line for line: change both together.
 */
final class DoubleMath implements CpuMath<double[]> {
  private final ThreadLocal<double[]> scratch = ThreadLocal.withInitial(() -> new double[0]);
  private final ThreadLocal<double[][]> blockRows =
      ThreadLocal.withInitial(() -> new double[SUM_BLOCK][0]);
  private final ArrayPool<double[]> pool =
      new ArrayPool<>(double[]::new, a -> a.length, a -> Arrays.fill(a, 0.0), Double.BYTES);

  @Override
  public double[] allocate(int n) {
    return new double[n];
  }

  @Override
  public ArrayPool<double[]> pool() {
    return pool;
  }

  @Override
  public double[] copyOf(HostStorage s) {
    return s.doubles().clone();
  }

  @Override
  public double[] array(HostStorage s) {
    return s.doubles();
  }

  @Override
  public HostStorage wrap(double[] data) {
    return HostStorage.of(data);
  }

  @Override
  public double[][] allocateRows(int rows, int cols) {
    return new double[rows][cols];
  }

  @Override
  public double[][] pack(double[] src, int rows, int cols, boolean transpose) {
    double[][] out = new double[transpose ? cols : rows][transpose ? rows : cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        if (transpose) {
          out[c][r] = src[r * cols + c];
        } else {
          out[r][c] = src[r * cols + c];
        }
      }
    }
    return out;
  }

  @Override
  public double[] flatten(double[][] rows, int cols) {
    double[] out = new double[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * cols, cols);
    }
    return out;
  }

  @Override
  public void gemm(
      int m,
      int n,
      int k,
      double[] a,
      int aOff,
      int lda,
      double[][] b,
      boolean accumulate,
      double[] c,
      int cOff,
      int ldc) {
    double[] y = scratch(n);
    for (int r = 0; r < m; r++) {
      int row = cOff + r * ldc;
      if (accumulate) {
        System.arraycopy(c, row, y, 0, n);
      } else {
        Arrays.fill(y, 0, n, 0.0);
      }
      int ar = aOff + r * lda;
      for (int p = 0; p < k; p++) {
        double s = a[ar + p];
        double[] x = b[p];
        for (int j = 0; j < n; j++) {
          y[j] += s * x[j];
        }
      }
      System.arraycopy(y, 0, c, row, n);
    }
  }

  @Override
  public void addTransposedProduct(
      int m,
      int p,
      int n,
      double[] a,
      int aOff,
      int lda,
      double[] b,
      int bOff,
      int ldb,
      double[][] c) {
    // The block's rows of B, each its own array indexed from 0, and the sum: the form the JIT
    // vectorizes.
    double[][] rows = blockRows(n);
    double[] sum = scratch(n);
    for (int r0 = 0; r0 < m; r0 += SUM_BLOCK) {
      int count = Math.min(SUM_BLOCK, m - r0);
      for (int i = 0; i < count; i++) {
        System.arraycopy(b, bOff + (r0 + i) * ldb, rows[i], 0, n);
      }
      for (int q = 0; q < p; q++) {
        Arrays.fill(sum, 0, n, 0.0);
        for (int i = 0; i < count; i++) {
          double s = a[aOff + (r0 + i) * lda + q];
          double[] x = rows[i];
          for (int j = 0; j < n; j++) {
            sum[j] += s * x[j];
          }
        }
        double[] y = c[q];
        for (int j = 0; j < n; j++) {
          y[j] += sum[j];
        }
      }
    }
  }

  /** {@link #SUM_BLOCK} rows of at least n elements for this thread. */
  private double[][] blockRows(int n) {
    double[][] r = blockRows.get();
    if (r[0].length < n) {
      r = new double[SUM_BLOCK][n];
      blockRows.set(r);
    }
    return r;
  }

  /** A row of at least n doubles for this thread: the one place the inner loops write to. */
  private double[] scratch(int n) {
    double[] s = scratch.get();
    if (s.length < n) {
      s = new double[n];
      scratch.set(s);
    }
    return s;
  }

  @Override
  public void broadcastRows(double[] row, int width, double[] dst, int rows) {
    if (row == null) {
      Arrays.fill(dst, 0, rows * width, 0.0);
      return;
    }
    for (int r = 0; r < rows; r++) {
      System.arraycopy(row, 0, dst, r * width, width);
    }
  }

  @Override
  public void addRows(
      int rows,
      int cols,
      double[] src,
      int srcOff,
      int srcStride,
      double[] dst,
      int dstOff,
      int dstStride) {
    for (int r = 0; r < rows; r++) {
      int s = srcOff + r * srcStride;
      int d = dstOff + r * dstStride;
      for (int j = 0; j < cols; j++) {
        dst[d + j] += src[s + j];
      }
    }
  }

  @Override
  public void addColumnSums(int rows, int cols, double[] src, int srcOff, double[] dst) {
    double[] sum = scratch(cols);
    for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
      Arrays.fill(sum, 0, cols, 0.0);
      for (int r = r0; r < Math.min(rows, r0 + SUM_BLOCK); r++) {
        int s = srcOff + r * cols;
        for (int j = 0; j < cols; j++) {
          sum[j] += src[s + j];
        }
      }
      for (int j = 0; j < cols; j++) {
        dst[j] += sum[j];
      }
    }
  }

  @Override
  public void rnnCell(
      boolean relu, int rows, int hidden, double[] xp, int xpOff, double[] gates, double[] h) {
    int n = rows * hidden;
    for (int i = 0; i < n; i++) {
      double v = xp[xpOff + i] + gates[i];
      h[i] = relu ? (v > 0.0 ? v : 0.0) : Math.tanh(v);
    }
  }

  @Override
  public void lstmCell(
      int rows, int hidden, double[] xp, int xpOff, double[] gates, double[] c, double[] hOut) {
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = 0; j < hidden; j++) {
        double i = sigmoid(xp[x + j] + gates[g + j]);
        double f = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        double cand = Math.tanh(xp[x + 2 * hidden + j] + gates[g + 2 * hidden + j]);
        double o = sigmoid(xp[x + 3 * hidden + j] + gates[g + 3 * hidden + j]);
        double cy = f * c[r * hidden + j] + i * cand;
        c[r * hidden + j] = cy;
        hOut[r * hidden + j] = o * Math.tanh(cy);
        xp[x + j] = i;
        xp[x + hidden + j] = f;
        xp[x + 2 * hidden + j] = cand;
        xp[x + 3 * hidden + j] = o;
      }
    }
  }

  @Override
  public void gruCell(int rows, int hidden, double[] xp, int xpOff, double[] gates, double[] h) {
    int gh = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = 0; j < hidden; j++) {
        double reset = sigmoid(xp[x + j] + gates[g + j]);
        double update = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        double n = Math.tanh(xp[x + 2 * hidden + j] + reset * gates[g + 2 * hidden + j]);
        int k = r * hidden + j;
        h[k] = n + update * (h[k] - n);
        xp[x + j] = reset;
        xp[x + hidden + j] = update;
        xp[x + 2 * hidden + j] = n;
      }
    }
  }

  @Override
  public void rnnCellBackward(
      boolean relu, int rows, int hidden, double[] h, double[] dh, double[] dA, int dAOff) {
    int n = rows * hidden;
    for (int i = 0; i < n; i++) {
      double v = h[i];
      dA[dAOff + i] = dh[i] * (relu ? (v > 0.0 ? 1.0 : 0.0) : 1.0 - v * v);
    }
  }

  @Override
  public void lstmCellOutput(
      int rows, int hidden, double[] act, int actOff, double[] c, int cOff, double[] out) {
    for (int r = 0; r < rows; r++) {
      int x = actOff + r * 4 * hidden;
      for (int j = 0; j < hidden; j++) {
        out[r * hidden + j] = act[x + 3 * hidden + j] * Math.tanh(c[cOff + r * hidden + j]);
      }
    }
  }

  @Override
  public void lstmCellBackward(
      int rows,
      int hidden,
      double[] act,
      int actOff,
      double[] c,
      int cOff,
      double[] cPrev,
      double[] dOut,
      double[] dc,
      double[] dA,
      int dAOff) {
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = actOff + r * gh;
      int d = dAOff + r * gh;
      for (int j = 0; j < hidden; j++) {
        int k = r * hidden + j;
        double i = act[x + j];
        double f = act[x + hidden + j];
        double g = act[x + 2 * hidden + j];
        double o = act[x + 3 * hidden + j];
        double tc = Math.tanh(c[cOff + k]);
        double dcTotal = dc[k] + dOut[k] * o * (1.0 - tc * tc);
        dA[d + j] = dcTotal * g * i * (1.0 - i);
        dA[d + hidden + j] = dcTotal * cPrev[k] * f * (1.0 - f);
        dA[d + 2 * hidden + j] = dcTotal * i * (1.0 - g * g);
        dA[d + 3 * hidden + j] = dOut[k] * tc * o * (1.0 - o);
        dc[k] = dcTotal * f;
      }
    }
  }

  @Override
  public void gruCellBackward(
      int rows,
      int hidden,
      double[] act,
      int actOff,
      double[] ghn,
      int ghnOff,
      double[] hPrev,
      double[] dh,
      double[] dXp,
      int dXpOff,
      double[] dGh) {
    int gh = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = actOff + r * gh;
      int d = dXpOff + r * gh;
      for (int j = 0; j < hidden; j++) {
        int k = r * hidden + j;
        double reset = act[x + j];
        double update = act[x + hidden + j];
        double n = act[x + 2 * hidden + j];
        double grad = dh[k];
        double dn = grad * (1.0 - update) * (1.0 - n * n);
        double dr = dn * ghn[ghnOff + k] * reset * (1.0 - reset);
        double dz = grad * (hPrev[k] - n) * update * (1.0 - update);
        dXp[d + j] = dr;
        dXp[d + hidden + j] = dz;
        dXp[d + 2 * hidden + j] = dn;
        dGh[r * gh + j] = dr;
        dGh[r * gh + hidden + j] = dz;
        dGh[r * gh + 2 * hidden + j] = dn * reset;
        dh[k] = grad * update;
      }
    }
  }

  @Override
  public void dropoutMask(double[] mask, int off, int n, double p, SplittableRandom random) {
    double scale = p < 1 ? (1 / (1 - p)) : 0.0;
    for (int i = 0; i < n; i++) {
      mask[off + i] = random.nextDouble() < p ? 0.0 : scale;
    }
  }

  @Override
  public void multiply(int n, double[] a, double[] b, double[] out) {
    for (int i = 0; i < n; i++) {
      out[i] = a[i] * b[i];
    }
  }

  private static double sigmoid(double x) {
    return (1 / (1 + Math.exp(-x)));
  }
}
