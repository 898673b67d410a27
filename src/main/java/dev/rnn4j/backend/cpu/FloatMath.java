package dev.rnn4j.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/** {@link CpuMath} for float32: sgemm, with the transcendental functions evaluated in double and rounded. */
final class FloatMath implements CpuMath<float[]> {
  private final BLAS blas;

  FloatMath(BLAS blas) {
    this.blas = blas;
  }

  @Override
  public float[] allocate(int n) {
    return new float[n];
  }

  @Override
  public float[] copyOf(Tensor t) {
    return t.toFloatArray();
  }

  @Override
  public Tensor wrap(float[] data, int... shape) {
    return Tensor.wrap(data, shape);
  }

  @Override
  public String blasName() {
    return blas.getClass().getName();
  }

  @Override
  public void gemmNt(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc) {
    // Row-major C = A B^T is column-major C^T = B A^T: B's buffer read transposed, A's as is.
    blas.sgemm("T", "N", n, m, k, 1f, b, bOff, ldb, a, aOff, lda, accumulate ? 1f : 0f, c, cOff, ldc);
  }

  @Override
  public void broadcastRows(float[] row, int width, float[] dst, int rows) {
    if (row == null) {
      Arrays.fill(dst, 0, rows * width, 0f);
      return;
    }
    for (int r = 0; r < rows; r++) {
      System.arraycopy(row, 0, dst, r * width, width);
    }
  }

  @Override
  public void rnnCell(boolean relu, int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int n = rows * hidden;
    for (int i = 0; i < n; i++) {
      float v = xp[xpOff + i] + gates[i];
      h[i] = relu ? (v > 0f ? v : 0f) : (float) Math.tanh(v);
    }
  }

  @Override
  public void lstmCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = 0; j < hidden; j++) {
        float i = sigmoid(xp[x + j] + gates[g + j]);
        float f = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        float cand = (float) Math.tanh(xp[x + 2 * hidden + j] + gates[g + 2 * hidden + j]);
        float o = sigmoid(xp[x + 3 * hidden + j] + gates[g + 3 * hidden + j]);
        float cy = f * c[r * hidden + j] + i * cand;
        c[r * hidden + j] = cy;
        hOut[r * hidden + j] = o * (float) Math.tanh(cy);
      }
    }
  }

  @Override
  public void gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int gh = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = 0; j < hidden; j++) {
        float reset = sigmoid(xp[x + j] + gates[g + j]);
        float update = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        float n = (float) Math.tanh(xp[x + 2 * hidden + j] + reset * gates[g + 2 * hidden + j]);
        int k = r * hidden + j;
        h[k] = n + update * (h[k] - n);
      }
    }
  }

  @Override
  public void dropout(float[] data, int n, double p, SplittableRandom random) {
    float scale = p < 1 ? (float) (1 / (1 - p)) : 0f;
    for (int i = 0; i < n; i++) {
      data[i] = random.nextDouble() < p ? 0f : data[i] * scale;
    }
  }

  private static float sigmoid(float x) {
    return (float) (1 / (1 + Math.exp(-x)));
  }
}
