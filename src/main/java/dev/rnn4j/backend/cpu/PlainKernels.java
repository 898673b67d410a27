package dev.rnn4j.backend.cpu;

/**
 * The plain path's RNN, LSTM and GRU cells, and GRU's backward cell for both paths: {@link
 * VectorKernels}' operations, value for value, in loops C2 vectorizes by itself, so both paths
 * compute the same bits.
 *
 * <p>Three things keep C2 (JDK 17) from vectorizing a loop, and shape this code. Per-element calls
 * of the scalar functions: exp reads and writes float bits, which C2 does not vectorize, and tanh
 * has branches; so exp is two passes, its polynomial (vectorized) and the scaling by 2^n from the
 * bits (scalar, a few operations), and tanh chooses its series and its sign with factors of exactly
 * 0, 1 or ±1. Array references at offsets C2 cannot relate to each other ({@code a[x + j]} beside
 * {@code b[y + j]}): it then leaves the whole loop scalar, so every loop here indexes arrays of its
 * own from 0, filled and emptied with {@link System#arraycopy}. Short loops, which run mostly in
 * the scalar pre- and post-loops: so the cells work on chunks of rows, each gate contiguous over
 * the chunk.
 */
final class PlainKernels {
  // Each thread's work arrays, each its own (see above), for chunks of CHUNK_FLOATS floats.
  private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[0][]);
  private static final int CHUNK_FLOATS = 4096;
  private static final float TWO_126 = 0x1p126f;

  private PlainKernels() {}

  /** {@link FloatMath#lstmCell} on whole rows. */
  static void lstmCell(
      int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    int gh = 4 * hidden;
    int chunk = chunkRows(gh);
    float[][] w = work(chunk * gh);
    float[] v = w[0];
    float[] g = w[1];
    float[] gi = w[2];
    float[] gf = w[3];
    float[] gg = w[4];
    float[] go = w[5];
    float[] e = w[6];
    float[] k = w[7];
    float[] cy = w[8];
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      int size = n * gh;
      // The pre-activations v = xp + gates of the chunk's rows, then each gate's over the chunk.
      System.arraycopy(xp, xpOff + r0 * gh, v, 0, size);
      System.arraycopy(gates, r0 * gh, g, 0, size);
      add(v, g, size);
      gather(v, 0, gh, 0, n, hidden, gi);
      gather(v, 0, gh, 1, n, hidden, gf);
      gather(v, 0, gh, 2, n, hidden, gg);
      gather(v, 0, gh, 3, n, hidden, go);
      sigmoids(gi, e, k, nh);
      sigmoids(gf, e, k, nh);
      sigmoids(go, e, k, nh);
      tanhs(gg, e, k, nh);
      // c = f * c + i * g, then h = o * tanh(c); c and h are contiguous over the chunk's rows.
      System.arraycopy(c, r0 * hidden, cy, 0, nh);
      for (int q = 0; q < nh; q++) {
        cy[q] = gf[q] * cy[q] + gi[q] * gg[q];
      }
      System.arraycopy(cy, 0, c, r0 * hidden, nh);
      tanhs(cy, e, k, nh);
      for (int q = 0; q < nh; q++) {
        cy[q] = go[q] * cy[q];
      }
      System.arraycopy(cy, 0, hOut, r0 * hidden, nh);
      // The activations back into xp, where the backward pass reads them.
      int x = xpOff + r0 * gh;
      scatter(gi, xp, x, gh, 0, n, hidden);
      scatter(gf, xp, x, gh, 1, n, hidden);
      scatter(gg, xp, x, gh, 2, n, hidden);
      scatter(go, xp, x, gh, 3, n, hidden);
    }
  }

  /** {@link FloatMath#rnnCell} on whole rows. */
  static void rnnCell(
      boolean relu, int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    // xp's and the gates' rows are contiguous: v = xp + gates over chunks of them.
    int size = rows * hidden;
    int chunk = chunkRows(hidden) * hidden;
    float[][] w = work(chunk);
    float[] v = w[0];
    float[] g = w[1];
    float[] e = w[2];
    float[] k = w[3];
    for (int q0 = 0; q0 < size; q0 += chunk) {
      int n = Math.min(chunk, size - q0);
      System.arraycopy(xp, xpOff + q0, v, 0, n);
      System.arraycopy(gates, q0, g, 0, n);
      add(v, g, n);
      if (relu) {
        for (int q = 0; q < n; q++) {
          v[q] = v[q] > 0f ? v[q] : 0f;
        }
      } else {
        tanhs(v, e, k, n);
      }
      System.arraycopy(v, 0, h, q0, n);
    }
  }

  /** {@link FloatMath#gruCell} on whole rows. */
  static void gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int gh = 3 * hidden;
    int chunk = chunkRows(gh);
    float[][] w = work(chunk * gh);
    float[] v = w[0];
    float[] g = w[1];
    float[] gr = w[2];
    float[] gz = w[3];
    float[] gn = w[4];
    float[] hn = w[5];
    float[] e = w[6];
    float[] k = w[7];
    float[] hy = w[8];
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      int size = n * gh;
      // r and z from v = xp + gates; n from xp_n + r * (W_hn h + b_hn).
      System.arraycopy(xp, xpOff + r0 * gh, v, 0, size);
      System.arraycopy(gates, r0 * gh, g, 0, size);
      gather(v, 0, gh, 2, n, hidden, gn);
      gather(g, 0, gh, 2, n, hidden, hn);
      add(v, g, size);
      gather(v, 0, gh, 0, n, hidden, gr);
      gather(v, 0, gh, 1, n, hidden, gz);
      sigmoids(gr, e, k, nh);
      sigmoids(gz, e, k, nh);
      for (int q = 0; q < nh; q++) {
        gn[q] = gn[q] + gr[q] * hn[q];
      }
      tanhs(gn, e, k, nh);
      // h = n + z * (h - n), h contiguous over the chunk's rows.
      System.arraycopy(h, r0 * hidden, hy, 0, nh);
      for (int q = 0; q < nh; q++) {
        hy[q] = gn[q] + gz[q] * (hy[q] - gn[q]);
      }
      System.arraycopy(hy, 0, h, r0 * hidden, nh);
      int x = xpOff + r0 * gh;
      scatter(gr, xp, x, gh, 0, n, hidden);
      scatter(gz, xp, x, gh, 1, n, hidden);
      scatter(gn, xp, x, gh, 2, n, hidden);
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
    int chunk = chunkRows(gh);
    float[][] w = work(chunk * gh);
    float[] tc = w[0];
    float[] gi = w[1];
    float[] gf = w[2];
    float[] gg = w[3];
    float[] go = w[4];
    float[] e = w[5];
    float[] k = w[6];
    float[] out = w[7];
    float[] total = w[8];
    float[] prev = w[9];
    float[] d = w[10];
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      int s0 = r0 * hidden;
      System.arraycopy(c, cOff + s0, tc, 0, nh);
      tanhs(tc, e, k, nh);
      int x = actOff + r0 * gh;
      gather(act, x, gh, 0, n, hidden, gi);
      gather(act, x, gh, 1, n, hidden, gf);
      gather(act, x, gh, 2, n, hidden, gg);
      gather(act, x, gh, 3, n, hidden, go);
      System.arraycopy(dOut, s0, out, 0, nh);
      System.arraycopy(dc, s0, total, 0, nh);
      System.arraycopy(cPrev, s0, prev, 0, nh);
      for (int q = 0; q < nh; q++) {
        total[q] = total[q] + out[q] * go[q] * (1f - tc[q] * tc[q]);
      }
      // The four gates' gradients, gate by gate, into dA's rows.
      for (int q = 0; q < nh; q++) {
        d[q] = total[q] * gg[q] * gi[q] * (1f - gi[q]);
      }
      scatter(d, dA, dAOff + r0 * gh, gh, 0, n, hidden);
      for (int q = 0; q < nh; q++) {
        d[q] = total[q] * prev[q] * gf[q] * (1f - gf[q]);
      }
      scatter(d, dA, dAOff + r0 * gh, gh, 1, n, hidden);
      for (int q = 0; q < nh; q++) {
        d[q] = total[q] * gi[q] * (1f - gg[q] * gg[q]);
      }
      scatter(d, dA, dAOff + r0 * gh, gh, 2, n, hidden);
      for (int q = 0; q < nh; q++) {
        d[q] = out[q] * tc[q] * go[q] * (1f - go[q]);
      }
      scatter(d, dA, dAOff + r0 * gh, gh, 3, n, hidden);
      for (int q = 0; q < nh; q++) {
        total[q] = total[q] * gf[q];
      }
      System.arraycopy(total, 0, dc, s0, nh);
    }
  }

  /**
   * {@link FloatMath#gruCellBackward} on whole rows; both paths take it (the Vector API path has no
   * GRU backward cell of its own).
   */
  static void gruCellBackward(
      int rows,
      int hidden,
      float[] act,
      int actOff,
      float[] ghn,
      int ghnOff,
      float[] hPrev,
      float[] dh,
      float[] dXp,
      int dXpOff,
      float[] dGh) {
    int gh = 3 * hidden;
    int chunk = chunkRows(gh);
    float[][] w = work(chunk * gh);
    float[] gr = w[0];
    float[] gz = w[1];
    float[] gn = w[2];
    float[] hn = w[3];
    float[] prev = w[4];
    float[] grad = w[5];
    float[] dr = w[6];
    float[] dz = w[7];
    float[] dn = w[8];
    for (int r0 = 0; r0 < rows; r0 += chunk) {
      int n = Math.min(chunk, rows - r0);
      int nh = n * hidden;
      int s0 = r0 * hidden;
      int x = actOff + r0 * gh;
      gather(act, x, gh, 0, n, hidden, gr);
      gather(act, x, gh, 1, n, hidden, gz);
      gather(act, x, gh, 2, n, hidden, gn);
      System.arraycopy(ghn, ghnOff + s0, hn, 0, nh);
      System.arraycopy(hPrev, s0, prev, 0, nh);
      System.arraycopy(dh, s0, grad, 0, nh);
      for (int q = 0; q < nh; q++) {
        dn[q] = grad[q] * (1f - gz[q]) * (1f - gn[q] * gn[q]);
      }
      for (int q = 0; q < nh; q++) {
        dr[q] = dn[q] * hn[q] * gr[q] * (1f - gr[q]);
      }
      for (int q = 0; q < nh; q++) {
        dz[q] = grad[q] * (prev[q] - gn[q]) * gz[q] * (1f - gz[q]);
      }
      int d = dXpOff + r0 * gh;
      scatter(dr, dXp, d, gh, 0, n, hidden);
      scatter(dz, dXp, d, gh, 1, n, hidden);
      scatter(dn, dXp, d, gh, 2, n, hidden);
      scatter(dr, dGh, r0 * gh, gh, 0, n, hidden);
      scatter(dz, dGh, r0 * gh, gh, 1, n, hidden);
      // W_hn's gradient is dn * r; dh keeps the gate-free path, dh * z.
      for (int q = 0; q < nh; q++) {
        dn[q] = dn[q] * gr[q];
        grad[q] = grad[q] * gz[q];
      }
      scatter(dn, dGh, r0 * gh, gh, 2, n, hidden);
      System.arraycopy(grad, 0, dh, s0, nh);
    }
  }

  /**
   * Gate {@code gate}'s {@code hidden} values of n rows of {@code stride} floats from {@code
   * src[at]}, into {@code dst[0, n * hidden)}.
   */
  private static void gather(
      float[] src, int at, int stride, int gate, int n, int hidden, float[] dst) {
    for (int r = 0; r < n; r++) {
      System.arraycopy(src, at + r * stride + gate * hidden, dst, r * hidden, hidden);
    }
  }

  /** {@link #gather}'s inverse: {@code src[0, n * hidden)} into gate {@code gate} of the rows. */
  private static void scatter(
      float[] src, float[] dst, int at, int stride, int gate, int n, int hidden) {
    for (int r = 0; r < n; r++) {
      System.arraycopy(src, r * hidden, dst, at + r * stride + gate * hidden, hidden);
    }
  }

  /** {@code v += g} over {@code [0, n)}. */
  private static void add(float[] v, float[] g, int n) {
    for (int q = 0; q < n; q++) {
      v[q] = v[q] + g[q];
    }
  }

  /**
   * {@link FloatMath#sigmoid} of {@code v[0, n)} in place, {@code 1 / (1 + exp(-v))}, with {@code
   * e} and {@code k} as work arrays.
   */
  private static void sigmoids(float[] v, float[] e, float[] k, int n) {
    for (int q = 0; q < n; q++) {
      e[q] = -v[q];
    }
    expInPlace(e, k, n);
    for (int q = 0; q < n; q++) {
      v[q] = 1f / (1f + e[q]);
    }
  }

  /**
   * Rows per chunk of a cell: as many as keep the chunk's work rows ({@code width} floats each) in
   * 16 KiB, so that short rows still make long loops.
   */
  private static int chunkRows(int width) {
    return Math.max(1, CHUNK_FLOATS / width);
  }

  /**
   * {@link FloatMath#exp} of {@code a[0, n)} in place, {@code k} holding the rounding sums between
   * its two passes.
   */
  static void expInPlace(float[] a, float[] k, int n) {
    for (int j = 0; j < n; j++) {
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
    for (int j = 0; j < n; j++) {
      a[j] *=
          Float.intBitsToFloat(
              (Float.floatToRawIntBits(k[j]) + (127 - FloatMath.ROUND_BITS)) << 23);
    }
  }

  /**
   * {@link FloatMath#tanh} of {@code v[0, n)} in place, with {@code e} and {@code k} as work
   * arrays: exp(2|v|), then without branches the series (on |v| clamped to 1/16, so that it stays
   * finite) and the form through exp blended by a weight of exactly 0 or 1, the sign applied as a
   * factor of exactly ±1, and zero added, which turns -0 into 0 as the Vector API path's blend
   * does; so each value has that path's bits.
   */
  static void tanhs(float[] v, float[] e, float[] k, int n) {
    for (int j = 0; j < n; j++) {
      e[j] = Math.abs(v[j]) * 2f;
    }
    expInPlace(e, k, n);
    for (int j = 0; j < n; j++) {
      float x = v[j];
      float ax = Math.abs(x);
      float viaExp = 1f - 2f / (e[j] + 1f);
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
      v[j] = t * sign + 0f;
    }
  }

  /** This thread's work arrays, each at least n floats. */
  private static float[][] work(int n) {
    return FloatMath.scratchRows(WORK, 11, Math.max(n, CHUNK_FLOATS));
  }
}
