package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The Vector API path against the plain-Java path of {@link FloatMath}, on shapes with and without
 * vector remainders: the same products and cells bit for bit, since both fix the same arithmetic
 * (fused multiply-adds in k order, rnn4j's own exp and tanh); and those functions' error against
 * the exact ones. (The parity tests run the Vector API path against PyTorch, since the tests run
 * with its module.)
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
    // Every register tile of this machine's vector width (12, 8, 6, 4 and 1 rows where vectors
    // are 512 bits, 21 = 12 + 8 + 1, 17 = 8 + 8 + 1 and 64 = 4 x 12 + 8 + 8 among them; 6, 4 and 1
    // otherwise; 4 panels and 1 in a row), k in blocks of panel rows (600 = 256 + 256 + 88 at
    // 512 bits), row blocks, a partial last panel and the weight gradient's tails (21 x 30 x 57:
    // gradient tiles of 12, 12 and 6 rows, one panel, then a vector and 9 single columns at 512
    // bits); the plain path's chunks of k (64, 64 and 3 rows of B at n = 1024) and its weight
    // gradients by columns (n short and below p: 3 x 70 x 33, 70 x 256 x 64); a B of one or two
    // panels, whose rows of A go eight at a time in place at 512 bits, with rows and columns left
    // over (200 x 17 x 40, 17 x 20 x 40, 21 x 30 x 57, 70 x 256 x 64, 30 x 600 x 70); k = 0 (C
    // becomes zeros, or stays).
    int[][] shapes = {
      {7, 13, 45},
      {64, 32, 128},
      {3, 70, 33},
      {1, 5, 16},
      {8, 9, 300},
      {200, 17, 40},
      {1, 40, 130},
      {5, 131, 1024},
      {70, 256, 64},
      {21, 30, 57},
      {17, 20, 40},
      {30, 600, 70},
      {13, 0, 40}
    };
    for (int[] mkn : shapes) {
      int m = mkn[0];
      int k = mkn[1];
      int n = mkn[2];
      float[] a = randoms(m * k);
      float[] weights = randoms(n * k);
      float[] c0 = randoms(m * n);
      float[] c1 = c0.clone();
      vector.gemm(m, n, k, a, 0, k, vector.pack(weights, n, k, true), true, c0, 0, n);
      plain.gemm(m, n, k, a, 0, k, plain.pack(weights, n, k, true), true, c1, 0, n);
      assertArrayEquals(c1, c0, "gemm " + m + "x" + k + "x" + n + ", bit for bit");
      float[][] untransposed = vector.pack(weights, k, n, false);
      vector.gemm(m, n, k, a, 0, k, untransposed, false, c0, 0, n);
      plain.gemm(m, n, k, a, 0, k, plain.pack(weights, k, n, false), false, c1, 0, n);
      assertClose(c1, c0, "gemm " + m + "x" + k + "x" + n);
      float[][] g0 = plain.allocateRows(k, n);
      float[][] g1 = plain.allocateRows(k, n);
      float[] x = randoms(m * n);
      vector.addTransposedProduct(m, k, n, a, 0, k, x, 0, n, g0);
      plain.addTransposedProduct(m, k, n, a, 0, k, x, 0, n, g1);
      assertClose(
          plain.flatten(g1, n),
          plain.flatten(g0, n),
          "addTransposedProduct " + m + "x" + k + "x" + n);
    }
  }

  @Test
  void cellsAgree() {
    // Vector remainders (5, 40), whole vectors (16), and rows beyond the plain cells' chunks (40
    // rows of LSTM gates at hidden 40 are two chunks of 25; 9 rows at 130, 9 chunks of one) and
    // beyond the vector cells' row groups, with a remainder (70 rows at hidden 40, 32 columns in
    // vectors: LSTM groups of 25, GRU 42, the Elman cell and the LSTM backward 64).
    int[][] shapes = {{3, 5}, {3, 16}, {3, 40}, {40, 40}, {9, 130}, {70, 40}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int hidden = shape[1];
      String at = rows + " rows, hidden " + hidden;
      float[] xp = randoms(rows * 4 * hidden);
      float[] gates = randoms(rows * 4 * hidden);
      float[] c = randoms(rows * hidden);
      float[] xp1 = xp.clone();
      float[] c1 = c.clone();
      float[] h0 = new float[rows * hidden];
      float[] h1 = new float[rows * hidden];
      vector.lstmCell(rows, hidden, xp, 0, gates, c, h0);
      plain.lstmCell(rows, hidden, xp1, 0, gates, c1, h1);
      assertClose(h1, h0, "lstm h, " + at);
      assertClose(c1, c, "lstm c, " + at);
      assertClose(xp1, xp, "lstm activations, " + at);
      float[] cPrev = randoms(rows * hidden);
      float[] dOut = randoms(rows * hidden);
      float[] dc = randoms(rows * hidden);
      float[] dc1 = dc.clone();
      float[] dA = new float[rows * 4 * hidden];
      float[] dA1 = new float[rows * 4 * hidden];
      vector.lstmCellBackward(rows, hidden, xp, 0, c, 0, cPrev, dOut, dc, dA, 0);
      plain.lstmCellBackward(rows, hidden, xp1, 0, c1, 0, cPrev, dOut, dc1, dA1, 0);
      assertClose(dA1, dA, "lstm gate gradients, " + at);
      assertClose(dc1, dc, "lstm dc, " + at);
      float[] gx = randoms(rows * 3 * hidden);
      float[] gg = randoms(rows * 3 * hidden);
      float[] gh = randoms(rows * hidden);
      float[] gx1 = gx.clone();
      float[] gh1 = gh.clone();
      vector.gruCell(rows, hidden, gx, 0, gg, gh);
      plain.gruCell(rows, hidden, gx1, 0, gg, gh1);
      assertClose(gh1, gh, "gru h, " + at);
      assertClose(gx1, gx, "gru activations, " + at);
      for (boolean relu : new boolean[] {false, true}) {
        float[] rx = randoms(rows * hidden);
        float[] rg = randoms(rows * hidden);
        float[] rh = new float[rows * hidden];
        float[] rh1 = new float[rows * hidden];
        vector.rnnCell(relu, rows, hidden, rx, 0, rg, rh);
        plain.rnnCell(relu, rows, hidden, rx, 0, rg, rh1);
        assertClose(rh1, rh, (relu ? "relu" : "tanh") + " h, " + at);
      }
    }
  }

  @Test
  void thePlainPassesHaveTheScalarFunctionsBits() {
    float[] special = {
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      0f,
      -0f,
      Float.MIN_VALUE,
      -Float.MIN_VALUE,
      Float.MIN_NORMAL,
      FloatMath.TANH_SMALL,
      -FloatMath.TANH_SMALL,
      Math.nextDown(FloatMath.TANH_SMALL),
      Math.nextUp(FloatMath.TANH_SMALL),
      1e-30f,
      -3e38f,
      3e38f
    };
    int n = special.length;
    for (float x = -90f; x <= 90f; x = Math.nextUp(x + 4099 * Math.ulp(x))) {
      n++;
    }
    float[] xs = new float[n];
    System.arraycopy(special, 0, xs, 0, special.length);
    int i = special.length;
    for (float x = -90f; x <= 90f; x = Math.nextUp(x + 4099 * Math.ulp(x))) {
      xs[i++] = x;
    }
    float[] e = xs.clone();
    PlainKernels.expInPlace(e, new float[n], n);
    float[] t = xs.clone();
    PlainKernels.tanhs(t, new float[n], new float[n], n);
    for (int j = 0; j < n; j++) {
      assertEquals(Float.floatToIntBits(FloatMath.exp(xs[j])), Float.floatToIntBits(e[j]), "exp");
      assertEquals(
          Float.floatToIntBits(FloatMath.tanh(xs[j])),
          Float.floatToIntBits(t[j]),
          "tanh(" + xs[j] + ")");
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
      assertEquals(
          Float.floatToIntBits(expected[i]),
          Float.floatToIntBits(actual[i]),
          what + " element " + i + ": vector " + actual[i] + ", plain " + expected[i]);
    }
  }

  @Test
  void theFunctionsAreTheSameInEveryLaneAndCloseToExact() {
    int lanes = FloatVector.SPECIES_PREFERRED.length();
    float[] xs = new float[lanes];
    float[] out = new float[lanes];
    double worstExp = 0;
    float worstExpAt = 0;
    double worstTanh = 0;
    double worstSigmoid = 0;
    int i = 0;
    // Every 4099th float in [-90, 90], and the special values.
    for (float x = -90f; x <= 90f; x = Math.nextUp(x + 4099 * Math.ulp(x))) {
      xs[i++] = x;
      if (i == lanes) {
        for (String f : new String[] {"exp", "tanh"}) {
          if (f.equals("exp")) {
            System.arraycopy(xs, 0, out, 0, lanes);
            VectorKernels.expInPlace(out, 0, lanes);
          } else {
            vectorTanh(xs, out);
          }
          for (int l = 0; l < lanes; l++) {
            float scalar = f.equals("exp") ? FloatMath.exp(xs[l]) : FloatMath.tanh(xs[l]);
            assertEquals(
                Float.floatToIntBits(scalar), Float.floatToIntBits(out[l]), f + "(" + xs[l] + ")");
          }
        }
        for (int l = 0; l < lanes; l++) {
          boolean inRange = xs[l] >= FloatMath.EXP_MIN && xs[l] <= FloatMath.EXP_MAX;
          double e = inRange ? ulps(FloatMath.exp(xs[l]), Math.exp(xs[l])) : 0;
          if (e > worstExp) {
            worstExp = e;
            worstExpAt = xs[l];
          }
          worstTanh = Math.max(worstTanh, ulps(FloatMath.tanh(xs[l]), Math.tanh(xs[l])));
          worstSigmoid =
              Math.max(worstSigmoid, ulps(FloatMath.sigmoid(xs[l]), 1 / (1 + Math.exp(-xs[l]))));
        }
        i = 0;
      }
    }
    // The functions are deterministic, so the bars are the maxima measured on every 97th float (exp
    // 2.67 ulps on its range, tanh 27.76 just above |x| = 0.0625 where 1 - 2 / (e^2x + 1) cancels,
    // sigmoid 3.49) rounded up, as FloatMath's comments state them; this coarser grid stays under.
    assertTrue(worstExp <= 2.7, "exp: " + worstExp + " ulps at " + worstExpAt);
    assertTrue(worstTanh <= 28, "tanh: " + worstTanh + " ulps");
    assertTrue(worstSigmoid <= 3.5, "sigmoid: " + worstSigmoid + " ulps");
    float[] special = new float[lanes];
    special[0] = Float.NaN;
    special[1 % lanes] = Float.POSITIVE_INFINITY;
    special[2 % lanes] = Float.NEGATIVE_INFINITY;
    special[3 % lanes] = -0f;
    System.arraycopy(special, 0, out, 0, lanes);
    VectorKernels.expInPlace(out, 0, lanes);
    for (int l = 0; l < lanes; l++) {
      assertEquals(
          Float.floatToIntBits(FloatMath.exp(special[l])),
          Float.floatToIntBits(out[l]),
          "exp(" + special[l] + ")");
    }
    vectorTanh(special, out);
    for (int l = 0; l < lanes; l++) {
      assertEquals(
          Float.floatToIntBits(FloatMath.tanh(special[l])),
          Float.floatToIntBits(out[l]),
          "tanh(" + special[l] + ")");
    }
  }

  /** |approx - exact| in float32 ulps of the exact value (0 where the exact value underflows). */
  private static double ulps(float approx, double exact) {
    if (Math.abs(exact) < Float.MIN_NORMAL || Double.isInfinite(exact) || exact > Float.MAX_VALUE) {
      return 0;
    }
    return Math.abs(approx - exact) / Math.ulp((float) exact);
  }

  /** The cells' vector tanh of {@code xs} (one vector): exp of 2|x|, then the finishing pass. */
  private static void vectorTanh(float[] xs, float[] out) {
    float[] e = new float[xs.length];
    for (int l = 0; l < xs.length; l++) {
      e[l] = Math.abs(xs[l]) * 2f;
    }
    VectorKernels.expInPlace(e, 0, e.length);
    VectorKernels.tanhs(xs, 0, e, 0, out, 0, xs.length);
  }
}
