package dev.rnn4j.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** {@link CpuMath} for float64: dgemm and double arithmetic throughout. */
final class DoubleMath implements CpuMath<double[]> {
  private final BLAS blas;

  DoubleMath(BLAS blas) {
    this.blas = blas;
  }

  @Override
  public double[] allocate(int n) {
    return new double[n];
  }

  @Override
  public double[] copyOf(Tensor t) {
    return t.toDoubleArray();
  }

  @Override
  public Tensor wrap(double[] data, int... shape) {
    return Tensor.wrap(data, shape);
  }

  @Override
  public String blasName() {
    return blas.getClass().getName();
  }

  @Override
  public void gemmNt(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
      boolean accumulate, double[] c, int cOff, int ldc) {
    // Row-major C = A B^T is column-major C^T = B A^T: B's buffer read transposed, A's as is.
    blas.dgemm("T", "N", n, m, k, 1.0, b, bOff, ldb, a, aOff, lda, accumulate ? 1.0 : 0.0, c, cOff, ldc);
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
  public void rnnCell(boolean relu, int rows, int hidden, double[] xp, int xpOff, double[] gates, double[] h) {
    int n = rows * hidden;
    for (int i = 0; i < n; i++) {
      double v = xp[xpOff + i] + gates[i];
      h[i] = relu ? (v > 0 ? v : 0) : Math.tanh(v);
    }
  }

  @Override
  public void lstmCell(int rows, int hidden, double[] xp, int xpOff, double[] gates, double[] c, double[] hOut) {
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
      }
    }
  }

  @Override
  public void dropout(double[] data, int n, double p, SplittableRandom random) {
    double scale = p < 1 ? (1 / (1 - p)) : 0;
    for (int i = 0; i < n; i++) {
      data[i] = random.nextDouble() < p ? 0 : data[i] * scale;
    }
  }

  private static double sigmoid(double x) {
    return (1 / (1 + Math.exp(-x)));
  }
}
