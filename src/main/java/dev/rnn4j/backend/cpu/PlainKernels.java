package dev.rnn4j.backend.cpu;

/**
 * {@link FloatMath}'s RNN, LSTM and GRU cells as passes over arrays, in loops C2 vectorizes by
 * itself: the plain path's cells, and the Vector API path's for the columns past its last whole
 * vector. Each pass does {@link VectorKernels}' operations for the columns {@code [from, hidden)}
 * of a row, so both paths compute the same bits.
 *
 * <p>One function a value, called per element, keeps C2 from vectorizing anything: exp reads and
 * writes float bits, which C2 (JDK 17) does not vectorize, and tanh has a branch. So exp is cut in
 * two passes, its polynomial over the whole row (vectorized) and the scaling by 2^n from the bits
 * (scalar, a few operations); tanh's branches and sign are a scalar pass after the vectorized
 * division. That made the plain LSTM cell 3 to 4 times faster.
 */
final class PlainKernels {
  // Each thread's work rows: exp's arguments and results, and the rounding sums that carry 2^n.
  private static final ThreadLocal<float[]> CELL = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> ROUNDED = ThreadLocal.withInitial(() -> new float[0]);
  private static final float TWO_126 = 0x1p126f;

  private PlainKernels() {}

  /** {@link FloatMath#lstmCell} for the columns {@code [from, hidden)} of every row. */
  static void lstmCell(
      int rows,
      int hidden,
      int from,
      float[] xp,
      int xpOff,
      float[] gates,
      float[] c,
      float[] hOut) {
    int gh = 4 * hidden;
    int chunk = chunkRows(gh);
    float[] t = buffer(CELL, chunk * gh);
    float[] k = buffer(ROUNDED, chunk * gh);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int g = (r0 + r) * gh;
        int at = r * gh;
        // As VectorKernels: -v for the sigmoid gates (i, f, o), 2|v| for the tanh gate, whose v
        // stays in xp.
        negatedSums(xp, x, gates, g, t, at, from, hidden);
        negatedSums(xp, x + hidden, gates, g + hidden, t, at + hidden, from, hidden);
        tanhArguments(xp, x + 2 * hidden, gates, g + 2 * hidden, t, at + 2 * hidden, from, hidden);
        negatedSums(xp, x + 3 * hidden, gates, g + 3 * hidden, t, at + 3 * hidden, from, hidden);
      }
      expRows(t, k, n * 4, hidden, from);
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int at = r * gh;
        sigmoids(t, at, xp, x, from, hidden);
        sigmoids(t, at + hidden, xp, x + hidden, from, hidden);
        tanhs(xp, x + 2 * hidden, t, at + 2 * hidden, xp, x + 2 * hidden, from, hidden);
        sigmoids(t, at + 3 * hidden, xp, x + 3 * hidden, from, hidden);
        // c = f * c + i * g, and tanh(c)'s exp argument.
        int s = (r0 + r) * hidden;
        for (int j = from; j < hidden; j++) {
          float cy = xp[x + hidden + j] * c[s + j] + xp[x + j] * xp[x + 2 * hidden + j];
          c[s + j] = cy;
          t[r * hidden + j] = Math.abs(cy) * 2f;
        }
      }
      // h = o * tanh(c): c and h are contiguous over the chunk's rows.
      int s0 = r0 * hidden;
      expRows(t, k, n, hidden, from);
      tanhRows(c, s0, t, hOut, s0, n, hidden, from);
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh + 3 * hidden;
        int s = (r0 + r) * hidden;
        for (int j = from; j < hidden; j++) {
          hOut[s + j] = xp[x + j] * hOut[s + j];
        }
      }
    }
  }

  /** {@link FloatMath#rnnCell} for the columns {@code [from, hidden)} of every row. */
  static void rnnCell(
      boolean relu,
      int rows,
      int hidden,
      int from,
      float[] xp,
      int xpOff,
      float[] gates,
      float[] h) {
    int chunk = chunkRows(hidden);
    float[] t = buffer(CELL, 2 * chunk * hidden);
    float[] k = buffer(ROUNDED, chunk * hidden);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      // v = xp + gates at t[n * hidden..], exp's argument 2|v| at t[0..]; xp stays as it is.
      for (int r = 0; r < n; r++) {
        int s = (r0 + r) * hidden;
        int x = xpOff + s;
        int at = r * hidden;
        for (int j = from; j < hidden; j++) {
          float v = xp[x + j] + gates[s + j];
          if (relu) {
            h[s + j] = v > 0f ? v : 0f;
          } else {
            t[n * hidden + at + j] = v;
            t[at + j] = Math.abs(v) * 2f;
          }
        }
      }
      if (!relu) {
        expRows(t, k, n, hidden, from);
        for (int r = 0; r < n; r++) {
          int at = r * hidden;
          tanhs(t, n * hidden + at, t, at, h, (r0 + r) * hidden, from, hidden);
        }
      }
    }
  }

  /** {@link FloatMath#gruCell} for the columns {@code [from, hidden)} of every row. */
  static void gruCell(
      int rows, int hidden, int from, float[] xp, int xpOff, float[] gates, float[] h) {
    int gh = 3 * hidden;
    int chunk = chunkRows(gh);
    float[] t = buffer(CELL, chunk * gh);
    float[] k = buffer(ROUNDED, chunk * gh);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      // Each row's r and z arguments at t[r * 2 hidden..], n's after them all.
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int g = (r0 + r) * gh;
        negatedSums(xp, x, gates, g, t, 2 * r * hidden, from, hidden);
        negatedSums(xp, x + hidden, gates, g + hidden, t, (2 * r + 1) * hidden, from, hidden);
      }
      expRows(t, k, 2 * n, hidden, from);
      int tn = 2 * n * hidden;
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int g = (r0 + r) * gh;
        sigmoids(t, 2 * r * hidden, xp, x, from, hidden);
        sigmoids(t, (2 * r + 1) * hidden, xp, x + hidden, from, hidden);
        // n = tanh(xp_n + r * (W_hn h + b_hn)).
        for (int j = from; j < hidden; j++) {
          float v = xp[x + 2 * hidden + j] + xp[x + j] * gates[g + 2 * hidden + j];
          xp[x + 2 * hidden + j] = v;
          t[tn + r * hidden + j] = Math.abs(v) * 2f;
        }
      }
      expRows(t, k, tn, n, hidden, from);
      for (int r = 0; r < n; r++) {
        int x = xpOff + (r0 + r) * gh;
        int s = (r0 + r) * hidden;
        tanhs(xp, x + 2 * hidden, t, tn + r * hidden, xp, x + 2 * hidden, from, hidden);
        // h = n + z * (h - n).
        for (int j = from; j < hidden; j++) {
          float nj = xp[x + 2 * hidden + j];
          h[s + j] = nj + xp[x + hidden + j] * (h[s + j] - nj);
        }
      }
    }
  }

  /** {@link FloatMath#lstmCellBackward} for the columns {@code [from, hidden)} of every row. */
  static void lstmCellBackward(
      int rows,
      int hidden,
      int from,
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
    float[] t = buffer(CELL, chunk * hidden);
    float[] k = buffer(ROUNDED, chunk * hidden);
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int s0 = r0 * hidden;
      // tanh(c) over the chunk's rows, which are contiguous in c.
      for (int r = 0; r < n; r++) {
        for (int j = from; j < hidden; j++) {
          t[r * hidden + j] = Math.abs(c[cOff + s0 + r * hidden + j]) * 2f;
        }
      }
      expRows(t, k, n, hidden, from);
      tanhRows(c, cOff + s0, t, t, 0, n, hidden, from);
      for (int r = 0; r < n; r++) {
        int s = s0 + r * hidden;
        int x = actOff + (r0 + r) * gh;
        int d = dAOff + (r0 + r) * gh;
        for (int j = from; j < hidden; j++) {
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

  /** {@code t[at + j] = -(xp[x + j] + gates[g + j])}: a sigmoid gate's exp argument. */
  private static void negatedSums(
      float[] xp, int x, float[] gates, int g, float[] t, int at, int from, int to) {
    for (int j = from; j < to; j++) {
      t[at + j] = -(xp[x + j] + gates[g + j]);
    }
  }

  /** {@code v = xp + gates} stays in xp; {@code t = 2|v|}: a tanh gate's exp argument. */
  private static void tanhArguments(
      float[] xp, int x, float[] gates, int g, float[] t, int at, int from, int to) {
    for (int j = from; j < to; j++) {
      float v = xp[x + j] + gates[g + j];
      xp[x + j] = v;
      t[at + j] = Math.abs(v) * 2f;
    }
  }

  /** {@link #expRows(float[], float[], int, int, int, int)} from {@code t[0]}. */
  private static void expRows(float[] t, float[] k, int rows, int width, int from) {
    expRows(t, k, 0, rows, width, from);
  }

  /**
   * {@link FloatMath#exp} in place of the columns {@code [from, width)} of {@code rows} rows of
   * {@code width} floats from {@code t[at]}: one pass over them all when they are whole.
   */
  private static void expRows(float[] t, float[] k, int at, int rows, int width, int from) {
    if (from == 0) {
      expInPlace(t, k, at, at + rows * width);
    } else {
      for (int r = 0; r < rows; r++) {
        expInPlace(t, k, at + r * width + from, at + (r + 1) * width);
      }
    }
  }

  /**
   * {@link #tanhs} of {@code rows} rows of {@code width} floats: v from {@code vOff}, e from 0 and
   * out from {@code o}, each contiguous.
   */
  private static void tanhRows(
      float[] v, int vOff, float[] e, float[] out, int o, int rows, int width, int from) {
    if (from == 0) {
      tanhs(v, vOff, e, 0, out, o, 0, rows * width);
    } else {
      for (int r = 0; r < rows; r++) {
        tanhs(v, vOff + r * width, e, r * width, out, o + r * width, from, width);
      }
    }
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

  /** {@code out = 1 / (1 + e)} from {@code e = exp(-v)}: {@link FloatMath#sigmoid}. */
  private static void sigmoids(float[] e, int at, float[] out, int o, int from, int to) {
    for (int j = from; j < to; j++) {
      out[o + j] = 1f / (1f + e[at + j]);
    }
  }

  /**
   * {@link FloatMath#tanh} of {@code v} from {@code e = exp(2|v|)}, in one pass without branches:
   * the series (on |v| clamped to 1/16, so that it stays finite) and the form through exp are
   * blended by a weight w of exactly 0 or 1, and the sign applied as a factor of exactly ±1 (plus
   * zero, which turns -0 into 0 as the Vector API path's blend does), so each value has the Vector
   * API path's bits. {@code out} may be {@code v} or {@code e}.
   */
  static void tanhs(
      float[] v, int vOff, float[] e, int eOff, float[] out, int o, int from, int to) {
    for (int j = from; j < to; j++) {
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
