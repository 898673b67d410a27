package dev.rnn4j.backend.cpu;

/**
 * The plain path's RNN, LSTM and GRU cells: {@link VectorKernels}' operations, value for value, in
 * loops C2 vectorizes by itself, so both paths compute the same bits.
 *
 * <p>Called per element, the scalar functions keep C2 from vectorizing anything: exp reads and
 * writes float bits, which C2 (JDK 17) does not vectorize, and tanh has branches. So exp is cut in
 * two passes, its polynomial (vectorized) and the scaling by 2^n from the bits (scalar, a few
 * operations), and tanh chooses its series and its sign with factors of exactly 0, 1 or ±1. C2's
 * vector loops also need long trip counts (a short loop runs mostly in its scalar pre- and
 * post-loops), so the cells work on chunks of rows with each gate's values contiguous over the
 * chunk, not row by row.
 */
final class PlainKernels {
  // Each thread's work buffers: the gates' exp arguments and values, gate by gate over a chunk of
  // rows; exp's rounding sums, which carry 2^n between its two passes; tanh's arguments.
  private static final ThreadLocal<float[]> GATES = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> ROUNDED = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> VALUES = ThreadLocal.withInitial(() -> new float[0]);
  private static final float TWO_126 = 0x1p126f;

  private PlainKernels() {}

  /** {@link FloatMath#lstmCell} on whole rows. */
  static void lstmCell(
      int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    int gh = 4 * hidden;
    int chunk = chunkRows(gh);
    float[] t = buffer(GATES, chunk * gh);
    float[] k = buffer(ROUNDED, chunk * gh);
    float[] u = buffer(VALUES, chunk * hidden);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      // Gate q of row r at t[q * nh + r * hidden]: -v for the sigmoid gates (i, f, o), 2|v| for
      // the tanh gate (g), whose v goes to u.
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int g = (r0 + r) * gh;
        int at = r * hidden;
        for (int j = 0; j < hidden; j++) {
          t[at + j] = -(xp[x + j] + gates[g + j]);
        }
        for (int j = 0; j < hidden; j++) {
          t[nh + at + j] = -(xp[x + hidden + j] + gates[g + hidden + j]);
        }
        for (int j = 0; j < hidden; j++) {
          float v = xp[x + 2 * hidden + j] + gates[g + 2 * hidden + j];
          u[at + j] = v;
          t[2 * nh + at + j] = Math.abs(v) * 2f;
        }
        for (int j = 0; j < hidden; j++) {
          t[3 * nh + at + j] = -(xp[x + 3 * hidden + j] + gates[g + 3 * hidden + j]);
        }
      }
      expInPlace(t, k, 0, 4 * nh);
      sigmoids(t, 0, 2 * nh);
      tanhs(u, 0, t, 2 * nh, t, 2 * nh, nh);
      sigmoids(t, 3 * nh, 4 * nh);
      // c = f * c + i * g, then h = o * tanh(c): c and h are contiguous over the chunk's rows.
      int s0 = r0 * hidden;
      for (int q = 0; q < nh; q++) {
        float cy = t[nh + q] * c[s0 + q] + t[q] * t[2 * nh + q];
        c[s0 + q] = cy;
        u[q] = Math.abs(cy) * 2f;
      }
      expInPlace(u, k, 0, nh);
      tanhs(c, s0, u, 0, hOut, s0, nh);
      for (int q = 0; q < nh; q++) {
        hOut[s0 + q] = t[3 * nh + q] * hOut[s0 + q];
      }
      // The activations back into xp, where the backward pass reads them.
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        for (int q = 0; q < 4; q++) {
          System.arraycopy(t, q * nh + r * hidden, xp, x + q * hidden, hidden);
        }
      }
    }
  }

  /** {@link FloatMath#rnnCell} on whole rows. */
  static void rnnCell(
      boolean relu, int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int size = rows * hidden;
    if (relu) {
      for (int q = 0; q < size; q++) {
        float v = xp[xpOff + q] + gates[q];
        h[q] = v > 0f ? v : 0f;
      }
      return;
    }
    // xp's and the gates' rows are contiguous: v = xp + gates to u, exp's argument 2|v| to t.
    int chunk = chunkRows(hidden) * hidden;
    float[] t = buffer(GATES, chunk);
    float[] k = buffer(ROUNDED, chunk);
    float[] u = buffer(VALUES, chunk);
    for (int q0 = 0; q0 < size; q0 += chunk) {
      int n = Math.min(chunk, size - q0);
      for (int q = 0; q < n; q++) {
        float v = xp[xpOff + q0 + q] + gates[q0 + q];
        u[q] = v;
        t[q] = Math.abs(v) * 2f;
      }
      expInPlace(t, k, 0, n);
      tanhs(u, 0, t, 0, h, q0, n);
    }
  }

  /** {@link FloatMath#gruCell} on whole rows. */
  static void gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int gh = 3 * hidden;
    int chunk = chunkRows(gh);
    float[] t = buffer(GATES, chunk * gh);
    float[] k = buffer(ROUNDED, chunk * gh);
    float[] u = buffer(VALUES, chunk * hidden);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      // Gate q of row r at t[q * nh + r * hidden]: -v for r and z.
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int g = (r0 + r) * gh;
        int at = r * hidden;
        for (int j = 0; j < hidden; j++) {
          t[at + j] = -(xp[x + j] + gates[g + j]);
        }
        for (int j = 0; j < hidden; j++) {
          t[nh + at + j] = -(xp[x + hidden + j] + gates[g + hidden + j]);
        }
      }
      expInPlace(t, k, 0, 2 * nh);
      sigmoids(t, 0, 2 * nh);
      // n = tanh(xp_n + r * (W_hn h + b_hn)): v to u, 2|v| to t.
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh + 2 * hidden;
        int g = (r0 + r) * gh + 2 * hidden;
        int at = r * hidden;
        for (int j = 0; j < hidden; j++) {
          float v = xp[x + j] + t[at + j] * gates[g + j];
          u[at + j] = v;
          t[2 * nh + at + j] = Math.abs(v) * 2f;
        }
      }
      expInPlace(t, k, 2 * nh, 3 * nh);
      tanhs(u, 0, t, 2 * nh, t, 2 * nh, nh);
      // h = n + z * (h - n), h contiguous over the chunk's rows.
      int s0 = r0 * hidden;
      for (int q = 0; q < nh; q++) {
        float nq = t[2 * nh + q];
        h[s0 + q] = nq + t[nh + q] * (h[s0 + q] - nq);
      }
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        for (int q = 0; q < 3; q++) {
          System.arraycopy(t, q * nh + r * hidden, xp, x + q * hidden, hidden);
        }
      }
    }
  }

  /** {@link FloatMath#lstmCellBackward} on whole rows. */
  static void lstmCellBackward(
      int rows,
      int hidden,
      float[] act,
      int actOff,
      float[] c,
      int cOff,
      float[] cPrev,
      float[] dOut,
      float[] dc,
      float[] dA,
      int dAOff) {
    int gh = 4 * hidden;
    int chunk = chunkRows(hidden);
    float[] t = buffer(GATES, chunk * hidden);
    float[] k = buffer(ROUNDED, chunk * hidden);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      int s0 = r0 * hidden;
      // tanh(c) over the chunk's rows, which are contiguous in c.
      for (int q = 0; q < nh; q++) {
        t[q] = Math.abs(c[cOff + s0 + q]) * 2f;
      }
      expInPlace(t, k, 0, nh);
      tanhs(c, cOff + s0, t, 0, t, 0, nh);
      for (int r = 0; r < n; r++) {
        int s = s0 + r * hidden;
        int x = actOff + (r0 + r) * gh;
        int d = dAOff + (r0 + r) * gh;
        for (int j = 0; j < hidden; j++) {
          float i = act[x + j];
          float f = act[x + hidden + j];
          float g = act[x + 2 * hidden + j];
          float o = act[x + 3 * hidden + j];
          float tc = t[r * hidden + j];
          float out = dOut[s + j];
          float total = dc[s + j] + out * o * (1f - tc * tc);
          dA[d + j] = total * g * i * (1f - i);
          dA[d + hidden + j] = total * cPrev[s + j] * f * (1f - f);
          dA[d + 2 * hidden + j] = total * i * (1f - g * g);
          dA[d + 3 * hidden + j] = out * tc * o * (1f - o);
          dc[s + j] = total * f;
        }
      }
    }
  }

  /**
   * Rows per chunk of a cell: as many as keep the chunk's work rows ({@code width} floats each) in
   * 16 KiB, so that short rows still make long loops.
   */
  private static int chunkRows(int width) {
    return Math.max(1, 4096 / width);
  }

  /**
   * {@link FloatMath#exp} of {@code a[from, to)} in place, {@code k} holding the rounding sums
   * between its two passes.
   */
  static void expInPlace(float[] a, float[] k, int from, int to) {
    for (int j = from; j < to; j++) {
      float c = Math.min(Math.max(a[j], FloatMath.EXP_MIN), FloatMath.EXP_MAX);
      float kn = Math.fma(c, FloatMath.LOG2E, FloatMath.ROUND);
      float minusN = -(kn - FloatMath.ROUND);
      float r = Math.fma(minusN, FloatMath.LN2_LO, Math.fma(minusN, FloatMath.LN2_HI, c));
      float p = Math.fma(r, FloatMath.C6, FloatMath.C5);
      p = Math.fma(r, p, FloatMath.C4);
      p = Math.fma(r, p, FloatMath.C3);
      p = Math.fma(r, p, 0.5f);
      p = Math.fma(r, p, 1f);
      a[j] = Math.fma(r, p, 1f);
      k[j] = kn;
    }
    for (int j = from; j < to; j++) {
      a[j] *=
          Float.intBitsToFloat(
              (Float.floatToRawIntBits(k[j]) + (127 - FloatMath.ROUND_BITS)) << 23);
    }
  }

  /** {@code e = 1 / (1 + e)} in place over {@code [from, to)}: {@link FloatMath#sigmoid}. */
  private static void sigmoids(float[] e, int from, int to) {
    for (int j = from; j < to; j++) {
      e[j] = 1f / (1f + e[j]);
    }
  }

  /**
   * {@link FloatMath#tanh} of {@code n} values of {@code v} from {@code e = exp(2|v|)}, without
   * branches: the series (on |v| clamped to 1/16, so that it stays finite) and the form through exp
   * blended by a weight of exactly 0 or 1, the sign applied as a factor of exactly ±1, and zero
   * added, which turns -0 into 0 as the Vector API path's blend does; so each value has that path's
   * bits. {@code out} may be {@code v} or {@code e}.
   */
  static void tanhs(float[] v, int vOff, float[] e, int eOff, float[] out, int o, int n) {
    for (int j = 0; j < n; j++) {
      float x = v[vOff + j];
      float ax = Math.abs(x);
      float viaExp = 1f - 2f / (e[eOff + j] + 1f);
      float small = Math.min(ax, FloatMath.TANH_SMALL);
      float x2 = small * small;
      float series =
          small
              * Math.fma(
                  x2, Math.fma(x2, Math.fma(x2, FloatMath.T7, FloatMath.T5), FloatMath.T3), 1f);
      // 1 below 1/16 (the gap is at least 2^-28, times 2^126), else 0; the sign of x as ±1 (a
      // subnormal x times 2^252 still passes 1).
      float w = Math.max(Math.min((FloatMath.TANH_SMALL - ax) * TWO_126, 1f), 0f);
      float t = w * series + (1f - w) * viaExp;
      float sign = Math.max(Math.min(x * TWO_126 * TWO_126, 1f), -1f);
      out[o + j] = t * sign + 0f;
    }
  }

  /** This thread's buffer of {@code local}, at least n floats. */
  private static float[] buffer(ThreadLocal<float[]> local, int n) {
    float[] buffer = local.get();
    if (buffer.length < n) {
      buffer = new float[n];
      local.set(buffer);
    }
    return buffer;
  }
}
