package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API path against the plain-Java path of {@link FloatMath}, on shapes with and without vector
 * remainders: the same products and cells up to float32 rounding. (The parity tests run the Vector API
 * path against PyTorch, since the tests run with its module.)
 */
class VectorKernelsTest {
  private final FloatMath vector = new FloatMath(true);
  private final FloatMath plain = new FloatMath(false);
  private final Random random = new Random(3);

  @Test
  void theTestsRunTheVectorPath() {
    assertTrue(FloatMath.VECTOR_API_PRESENT, "surefire's argLine adds jdk.incubator.vector");
    assertEquals("Vector API (jdk.incubator.vector)", vector.path());
    assertEquals("JIT-vectorized loops", plain.path());
  }

  @Test
  void productsAgree() {
    for (int[] mkn : new int[][] {{7, 13, 45}, {64, 32, 128}, {3, 70, 33}, {1, 5, 16}}) {
      int m = mkn[0];
      int k = mkn[1];
      int n = mkn[2];
      float[] a = randoms(m * k);
      float[][] b = plain.pack(randoms(n * k), n, k, true);
      float[] c0 = randoms(m * n);
      float[] c1 = c0.clone();
      vector.gemm(m, n, k, a, 0, k, b, true, c0, 0, n);
      plain.gemm(m, n, k, a, 0, k, b, true, c1, 0, n);
      assertClose(c1, c0, "gemm " + m + "x" + k + "x" + n);
      float[][] g0 = plain.allocateRows(k, n);
      float[][] g1 = plain.allocateRows(k, n);
      float[] x = randoms(m * n);
      vector.addTransposedProduct(m, k, n, a, 0, k, x, 0, n, g0);
      plain.addTransposedProduct(m, k, n, a, 0, k, x, 0, n, g1);
      assertClose(plain.flatten(g1, n), plain.flatten(g0, n), "addTransposedProduct " + m + "x" + k + "x" + n);
    }
  }

  @Test
  void cellsAgree() {
    for (int hidden : new int[] {5, 16, 40}) {
      int rows = 3;
      float[] xp = randoms(rows * 4 * hidden);
      float[] gates = randoms(rows * 4 * hidden);
      float[] c = randoms(rows * hidden);
      float[] xp1 = xp.clone();
      float[] c1 = c.clone();
      float[] h0 = new float[rows * hidden];
      float[] h1 = new float[rows * hidden];
      vector.lstmCell(rows, hidden, xp, 0, gates, c, h0);
      plain.lstmCell(rows, hidden, xp1, 0, gates, c1, h1);
      assertClose(h1, h0, "lstm h, hidden " + hidden);
      assertClose(c1, c, "lstm c, hidden " + hidden);
      assertClose(xp1, xp, "lstm activations, hidden " + hidden);
      float[] gx = randoms(rows * 3 * hidden);
      float[] gg = randoms(rows * 3 * hidden);
      float[] gh = randoms(rows * hidden);
      float[] gx1 = gx.clone();
      float[] gh1 = gh.clone();
      vector.gruCell(rows, hidden, gx, 0, gg, gh);
      plain.gruCell(rows, hidden, gx1, 0, gg, gh1);
      assertClose(gh1, gh, "gru h, hidden " + hidden);
      assertClose(gx1, gx, "gru activations, hidden " + hidden);
    }
  }

  private float[] randoms(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      float e = expected[i];
      assertTrue(Math.abs(actual[i] - e) <= 1e-5f + 1e-5f * Math.abs(e),
          what + " element " + i + ": vector " + actual[i] + ", plain " + e);
    }
  }
}
