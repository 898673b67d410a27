package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sums over rows behind weight and bias gradients ({@link CpuMath#addTransposedProduct}, {@link
 * CpuMath#addColumnSums}) are two-level: blocks of {@link CpuMath#SUM_BLOCK} rows, each summed from
 * zero, then added in order. Checked bit for bit on the plain-Java paths against that definition
 * written out, and for what it is for: a long float32 sum stays close to the exact one where a
 * running sum drifts.
 */
class BlockedSumsTest {
  private final FloatMath plain = new FloatMath(false);
  private final FloatMath vector = new FloatMath(true);
  private final DoubleMath doubles = new DoubleMath();
  private final Random random = new Random(11);

  @Test
  void columnSumsAreBlockSumsAddedInOrder() {
    int rows = 3 * CpuMath.SUM_BLOCK + 5;
    int cols = 7;
    float[] src = randoms(rows * cols);
    float[] dst = randoms(cols);
    float[] want = dst.clone();
    for (int r0 = 0; r0 < rows; r0 += CpuMath.SUM_BLOCK) {
      for (int j = 0; j < cols; j++) {
        float block = 0f;
        for (int r = r0; r < Math.min(rows, r0 + CpuMath.SUM_BLOCK); r++) {
          block += src[r * cols + j];
        }
        want[j] += block;
      }
    }
    plain.addColumnSums(rows, cols, src, 0, dst);
    assertArrayEquals(want, dst);
  }

  @Test
  void transposedProductsAreBlockSumsAddedInOrder() {
    int m = 2 * CpuMath.SUM_BLOCK + 9;
    int p = 5;
    int n = 6;
    float[] a = randoms(m * p);
    float[] b = randoms(m * n);
    float[][] c = plain.allocateRows(p, n);
    float[][] want = plain.allocateRows(p, n);
    for (int r0 = 0; r0 < m; r0 += CpuMath.SUM_BLOCK) {
      for (int q = 0; q < p; q++) {
        for (int i = 0; i < n; i++) {
          float block = 0f;
          for (int r = r0; r < Math.min(m, r0 + CpuMath.SUM_BLOCK); r++) {
            block = Math.fma(a[r * p + q], b[r * n + i], block); // fused, as the Vector API path
          }
          want[q][i] += block;
        }
      }
    }
    plain.addTransposedProduct(m, p, n, a, 0, p, b, 0, n, c);
    for (int q = 0; q < p; q++) {
      assertArrayEquals(want[q], c[q], "row " + q);
    }
  }

  @Test
  void aLongFloat32SumStaysNearTheExactOne() {
    // A bias gradient over N·L = 6400 rows of values near 0.1: the sum grows to 640, where one
    // float32 step is 6e-5, and a running sum rounds by up to half of that at each of its
    // additions.
    int rows = 6400;
    float[] src = new float[rows];
    double exact = 0;
    for (int r = 0; r < rows; r++) {
      src[r] = 0.1f + 0.01f * (float) random.nextGaussian();
      exact += src[r];
    }
    float running = 0f;
    for (float v : src) {
      running += v;
    }
    float[] blocked = new float[1];
    plain.addColumnSums(rows, 1, src, 0, blocked);
    double runningError = Math.abs(running - exact);
    double blockedError = Math.abs(blocked[0] - exact);
    assertTrue(
        blockedError < runningError / 4,
        String.format("blocked sum off by %.3g, running sum by %.3g", blockedError, runningError));

    // The same through the weight-gradient kernels (a 1 x 1 gradient of all-ones against src), both
    // paths.
    float[] ones = new float[rows];
    Arrays.fill(ones, 1f);
    for (FloatMath math : new FloatMath[] {plain, vector}) {
      float[][] g = math.allocateRows(1, 1);
      math.addTransposedProduct(rows, 1, 1, ones, 0, 1, src, 0, 1, g);
      assertTrue(
          Math.abs(g[0][0] - exact) < runningError / 4,
          math.path() + ": off by " + Math.abs(g[0][0] - exact));
    }
  }

  @Test
  void float64FollowsTheSameBlocks() {
    int rows = 2 * CpuMath.SUM_BLOCK + 1;
    double[] src = new double[rows];
    for (int r = 0; r < rows; r++) {
      src[r] = random.nextGaussian();
    }
    double want = 0;
    for (int r0 = 0; r0 < rows; r0 += CpuMath.SUM_BLOCK) {
      double block = 0;
      for (int r = r0; r < Math.min(rows, r0 + CpuMath.SUM_BLOCK); r++) {
        block += src[r];
      }
      want += block;
    }
    double[] dst = new double[1];
    doubles.addColumnSums(rows, 1, src, 0, dst);
    assertArrayEquals(new double[] {want}, dst);
  }

  private float[] randoms(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }
}
