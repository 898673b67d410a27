package dev.rnn4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath}'s products and LSTM and GRU cells through the Vector API, when the JVM has its
 * module ({@code --add-modules jdk.incubator.vector}; the command line relaunches itself with it).
 * Loaded only then: {@link FloatMath} checks {@link FloatMath#VECTOR_API_PRESENT} before it refers
 * to this class.
 *
 * <p>The kernel keeps a tile of 4 rows x 3 vectors of C in registers over the whole k loop, so each
 * packed row of B is loaded once per vector for 4 fused multiply-adds; columns are blocked so that
 * the rows of B stay in cache. Each element of C still sums its k products in order, so results do
 * not depend on how rows are split, and fused multiply-adds make them differ from the scalar path's
 * only in rounding.
 */
final class VectorKernels {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  // Columns per block, a multiple of the 4 x 3 tile's width: 24 vectors (384 floats with AVX-512)
  // of each of
  // the k packed rows stay in L2.
  private static final int COLUMN_BLOCK = 24 * LANES;
  // Rows of A transposed at a time for a weight gradient, summed from zero before they join C: one
  // block of
  // CpuMath's two-level sums over rows. The thread's buffer for them below.
  private static final int CHUNK = CpuMath.SUM_BLOCK;
  private static final ThreadLocal<float[]> TRANSPOSED =
      ThreadLocal.withInitial(() -> new float[0]);

  private VectorKernels() {}

  /** As {@link CpuMath#gemm}, for float32. */
  static void gemm(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[][] b,
      boolean accumulate,
      float[] c,
      int cOff,
      int ldc) {
    int vectorEnd = n - n % LANES;
    for (int n0 = 0; n0 < vectorEnd; n0 += COLUMN_BLOCK) {
      int n1 = Math.min(vectorEnd, n0 + COLUMN_BLOCK);
      int r = 0;
      for (; r + 4 <= m; r += 4) {
        tile4(r, n0, n1, k, a, aOff, lda, b, accumulate, c, cOff, ldc);
      }
      for (; r < m; r++) {
        tile1(r, n0, n1, k, a, aOff, lda, b, accumulate, c, cOff, ldc);
      }
    }
    if (vectorEnd < n) {
      for (int r = 0; r < m; r++) {
        int row = cOff + r * ldc;
        int ar = aOff + r * lda;
        for (int j = vectorEnd; j < n; j++) {
          float s = accumulate ? c[row + j] : 0f;
          for (int p = 0; p < k; p++) {
            s = Math.fma(a[ar + p], b[p][j], s);
          }
          c[row + j] = s;
        }
      }
    }
  }

  /**
   * Rows r..r+3, columns [n0, n1) (a multiple of the vector length): 4 x 3 vector tiles, then 4 x
   * 1.
   */
  private static void tile4(
      int r,
      int n0,
      int n1,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[][] b,
      boolean accumulate,
      float[] c,
      int cOff,
      int ldc) {
    int a0 = aOff + r * lda;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int c0 = cOff + r * ldc;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int j = n0;
    for (; j + 3 * LANES <= n1; j += 3 * LANES) {
      int j1 = j + LANES;
      int j2 = j + 2 * LANES;
      FloatVector x00 = load(accumulate, c, c0 + j);
      FloatVector x01 = load(accumulate, c, c0 + j1);
      FloatVector x02 = load(accumulate, c, c0 + j2);
      FloatVector x10 = load(accumulate, c, c1 + j);
      FloatVector x11 = load(accumulate, c, c1 + j1);
      FloatVector x12 = load(accumulate, c, c1 + j2);
      FloatVector x20 = load(accumulate, c, c2 + j);
      FloatVector x21 = load(accumulate, c, c2 + j1);
      FloatVector x22 = load(accumulate, c, c2 + j2);
      FloatVector x30 = load(accumulate, c, c3 + j);
      FloatVector x31 = load(accumulate, c, c3 + j1);
      FloatVector x32 = load(accumulate, c, c3 + j2);
      for (int p = 0; p < k; p++) {
        float[] row = b[p];
        FloatVector b0 = FloatVector.fromArray(SPECIES, row, j);
        FloatVector b1 = FloatVector.fromArray(SPECIES, row, j1);
        FloatVector b2 = FloatVector.fromArray(SPECIES, row, j2);
        FloatVector s = FloatVector.broadcast(SPECIES, a[a0 + p]);
        x00 = b0.fma(s, x00);
        x01 = b1.fma(s, x01);
        x02 = b2.fma(s, x02);
        s = FloatVector.broadcast(SPECIES, a[a1 + p]);
        x10 = b0.fma(s, x10);
        x11 = b1.fma(s, x11);
        x12 = b2.fma(s, x12);
        s = FloatVector.broadcast(SPECIES, a[a2 + p]);
        x20 = b0.fma(s, x20);
        x21 = b1.fma(s, x21);
        x22 = b2.fma(s, x22);
        s = FloatVector.broadcast(SPECIES, a[a3 + p]);
        x30 = b0.fma(s, x30);
        x31 = b1.fma(s, x31);
        x32 = b2.fma(s, x32);
      }
      x00.intoArray(c, c0 + j);
      x01.intoArray(c, c0 + j1);
      x02.intoArray(c, c0 + j2);
      x10.intoArray(c, c1 + j);
      x11.intoArray(c, c1 + j1);
      x12.intoArray(c, c1 + j2);
      x20.intoArray(c, c2 + j);
      x21.intoArray(c, c2 + j1);
      x22.intoArray(c, c2 + j2);
      x30.intoArray(c, c3 + j);
      x31.intoArray(c, c3 + j1);
      x32.intoArray(c, c3 + j2);
    }
    for (; j < n1; j += LANES) {
      FloatVector x0 = load(accumulate, c, c0 + j);
      FloatVector x1 = load(accumulate, c, c1 + j);
      FloatVector x2 = load(accumulate, c, c2 + j);
      FloatVector x3 = load(accumulate, c, c3 + j);
      for (int p = 0; p < k; p++) {
        FloatVector v = FloatVector.fromArray(SPECIES, b[p], j);
        x0 = v.fma(FloatVector.broadcast(SPECIES, a[a0 + p]), x0);
        x1 = v.fma(FloatVector.broadcast(SPECIES, a[a1 + p]), x1);
        x2 = v.fma(FloatVector.broadcast(SPECIES, a[a2 + p]), x2);
        x3 = v.fma(FloatVector.broadcast(SPECIES, a[a3 + p]), x3);
      }
      x0.intoArray(c, c0 + j);
      x1.intoArray(c, c1 + j);
      x2.intoArray(c, c2 + j);
      x3.intoArray(c, c3 + j);
    }
  }

  /** One row, columns [n0, n1): one vector at a time. */
  private static void tile1(
      int r,
      int n0,
      int n1,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[][] b,
      boolean accumulate,
      float[] c,
      int cOff,
      int ldc) {
    int ar = aOff + r * lda;
    int cr = cOff + r * ldc;
    for (int j = n0; j < n1; j += LANES) {
      FloatVector x = load(accumulate, c, cr + j);
      for (int p = 0; p < k; p++) {
        x =
            FloatVector.fromArray(SPECIES, b[p], j)
                .fma(FloatVector.broadcast(SPECIES, a[ar + p]), x);
      }
      x.intoArray(c, cr + j);
    }
  }

  private static FloatVector load(boolean accumulate, float[] c, int at) {
    return accumulate ? FloatVector.fromArray(SPECIES, c, at) : FloatVector.zero(SPECIES);
  }

  /**
   * As {@link CpuMath#addTransposedProduct}, for float32: the sum over r runs in chunks of {@link
   * #CHUNK} rows, each chunk of A transposed first so that the tiles (4 rows of C x 3 vectors) read
   * it sequentially; a tile sums its chunk's products in r order from zero, then adds them to C.
   */
  static void addTransposedProduct(
      int m,
      int p,
      int n,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[][] c) {
    float[] at = TRANSPOSED.get();
    if (at.length < p * CHUNK) {
      at = new float[p * CHUNK];
      TRANSPOSED.set(at);
    }
    int vectorEnd = n - n % LANES;
    for (int r0 = 0; r0 < m; r0 += CHUNK) {
      int rows = Math.min(CHUNK, m - r0);
      for (int i = 0; i < rows; i++) {
        int ar = aOff + (r0 + i) * lda;
        for (int q = 0; q < p; q++) {
          at[q * rows + i] = a[ar + q];
        }
      }
      int br = bOff + r0 * ldb;
      for (int n0 = 0; n0 < vectorEnd; n0 += COLUMN_BLOCK) {
        int n1 = Math.min(vectorEnd, n0 + COLUMN_BLOCK);
        int q = 0;
        for (; q + 4 <= p; q += 4) {
          gradTile4(at, q, rows, b, br, ldb, c, n0, n1);
        }
        for (; q < p; q++) {
          float[] y = c[q];
          for (int j = n0; j < n1; j += LANES) {
            FloatVector x = FloatVector.zero(SPECIES);
            for (int i = 0; i < rows; i++) {
              x =
                  FloatVector.fromArray(SPECIES, b, br + i * ldb + j)
                      .fma(FloatVector.broadcast(SPECIES, at[q * rows + i]), x);
            }
            FloatVector.fromArray(SPECIES, y, j).add(x).intoArray(y, j);
          }
        }
      }
      for (int q = 0; q < p && vectorEnd < n; q++) {
        float[] y = c[q];
        for (int j = vectorEnd; j < n; j++) {
          float sum = 0f;
          for (int i = 0; i < rows; i++) {
            sum = Math.fma(at[q * rows + i], b[br + i * ldb + j], sum);
          }
          y[j] += sum;
        }
      }
    }
  }

  /**
   * Rows q..q+3 of C, columns [n0, n1): 4 x 3 vector tiles, then 4 x 1, over one chunk of rows of
   * B.
   */
  private static void gradTile4(
      float[] at, int q, int rows, float[] b, int br, int ldb, float[][] c, int n0, int n1) {
    float[] y0 = c[q];
    float[] y1 = c[q + 1];
    float[] y2 = c[q + 2];
    float[] y3 = c[q + 3];
    int t0 = q * rows;
    int t1 = t0 + rows;
    int t2 = t1 + rows;
    int t3 = t2 + rows;
    int j = n0;
    for (; j + 3 * LANES <= n1; j += 3 * LANES) {
      int j1 = j + LANES;
      int j2 = j + 2 * LANES;
      FloatVector x00 = FloatVector.zero(SPECIES);
      FloatVector x01 = FloatVector.zero(SPECIES);
      FloatVector x02 = FloatVector.zero(SPECIES);
      FloatVector x10 = FloatVector.zero(SPECIES);
      FloatVector x11 = FloatVector.zero(SPECIES);
      FloatVector x12 = FloatVector.zero(SPECIES);
      FloatVector x20 = FloatVector.zero(SPECIES);
      FloatVector x21 = FloatVector.zero(SPECIES);
      FloatVector x22 = FloatVector.zero(SPECIES);
      FloatVector x30 = FloatVector.zero(SPECIES);
      FloatVector x31 = FloatVector.zero(SPECIES);
      FloatVector x32 = FloatVector.zero(SPECIES);
      for (int i = 0; i < rows; i++) {
        int bi = br + i * ldb;
        FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi + j);
        FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + j1);
        FloatVector b2 = FloatVector.fromArray(SPECIES, b, bi + j2);
        FloatVector s = FloatVector.broadcast(SPECIES, at[t0 + i]);
        x00 = b0.fma(s, x00);
        x01 = b1.fma(s, x01);
        x02 = b2.fma(s, x02);
        s = FloatVector.broadcast(SPECIES, at[t1 + i]);
        x10 = b0.fma(s, x10);
        x11 = b1.fma(s, x11);
        x12 = b2.fma(s, x12);
        s = FloatVector.broadcast(SPECIES, at[t2 + i]);
        x20 = b0.fma(s, x20);
        x21 = b1.fma(s, x21);
        x22 = b2.fma(s, x22);
        s = FloatVector.broadcast(SPECIES, at[t3 + i]);
        x30 = b0.fma(s, x30);
        x31 = b1.fma(s, x31);
        x32 = b2.fma(s, x32);
      }
      FloatVector.fromArray(SPECIES, y0, j).add(x00).intoArray(y0, j);
      FloatVector.fromArray(SPECIES, y0, j1).add(x01).intoArray(y0, j1);
      FloatVector.fromArray(SPECIES, y0, j2).add(x02).intoArray(y0, j2);
      FloatVector.fromArray(SPECIES, y1, j).add(x10).intoArray(y1, j);
      FloatVector.fromArray(SPECIES, y1, j1).add(x11).intoArray(y1, j1);
      FloatVector.fromArray(SPECIES, y1, j2).add(x12).intoArray(y1, j2);
      FloatVector.fromArray(SPECIES, y2, j).add(x20).intoArray(y2, j);
      FloatVector.fromArray(SPECIES, y2, j1).add(x21).intoArray(y2, j1);
      FloatVector.fromArray(SPECIES, y2, j2).add(x22).intoArray(y2, j2);
      FloatVector.fromArray(SPECIES, y3, j).add(x30).intoArray(y3, j);
      FloatVector.fromArray(SPECIES, y3, j1).add(x31).intoArray(y3, j1);
      FloatVector.fromArray(SPECIES, y3, j2).add(x32).intoArray(y3, j2);
    }
    for (; j < n1; j += LANES) {
      FloatVector x0 = FloatVector.zero(SPECIES);
      FloatVector x1 = FloatVector.zero(SPECIES);
      FloatVector x2 = FloatVector.zero(SPECIES);
      FloatVector x3 = FloatVector.zero(SPECIES);
      for (int i = 0; i < rows; i++) {
        FloatVector v = FloatVector.fromArray(SPECIES, b, br + i * ldb + j);
        x0 = v.fma(FloatVector.broadcast(SPECIES, at[t0 + i]), x0);
        x1 = v.fma(FloatVector.broadcast(SPECIES, at[t1 + i]), x1);
        x2 = v.fma(FloatVector.broadcast(SPECIES, at[t2 + i]), x2);
        x3 = v.fma(FloatVector.broadcast(SPECIES, at[t3 + i]), x3);
      }
      FloatVector.fromArray(SPECIES, y0, j).add(x0).intoArray(y0, j);
      FloatVector.fromArray(SPECIES, y1, j).add(x1).intoArray(y1, j);
      FloatVector.fromArray(SPECIES, y2, j).add(x2).intoArray(y2, j);
      FloatVector.fromArray(SPECIES, y3, j).add(x3).intoArray(y3, j);
    }
  }

  /**
   * The vector part of {@link FloatMath#lstmCell}: columns {@code [0, end)} of every row, with the
   * exponential and tanh the Vector API computes (SVML on x86); returns {@code end}, where the
   * scalar loop takes over.
   */
  static int lstmCell(
      int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    int end = hidden - hidden % LANES;
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      int s = r * hidden;
      // One function per loop, so that C2 inlines every call and no vector is boxed; the
      // activations
      // overwrite their pre-activations in xp, where the cell update and backward read them.
      for (int j = 0; j < end; j += LANES) {
        sigmoid(preActivation(xp, x + j, gates, g + j)).intoArray(xp, x + j);
      }
      for (int j = 0; j < end; j += LANES) {
        int at = hidden + j;
        sigmoid(preActivation(xp, x + at, gates, g + at)).intoArray(xp, x + at);
      }
      for (int j = 0; j < end; j += LANES) {
        int at = 2 * hidden + j;
        tanh(preActivation(xp, x + at, gates, g + at)).intoArray(xp, x + at);
      }
      for (int j = 0; j < end; j += LANES) {
        int at = 3 * hidden + j;
        sigmoid(preActivation(xp, x + at, gates, g + at)).intoArray(xp, x + at);
      }
      for (int j = 0; j < end; j += LANES) {
        FloatVector i = FloatVector.fromArray(SPECIES, xp, x + j);
        FloatVector f = FloatVector.fromArray(SPECIES, xp, x + hidden + j);
        FloatVector cand = FloatVector.fromArray(SPECIES, xp, x + 2 * hidden + j);
        FloatVector o = FloatVector.fromArray(SPECIES, xp, x + 3 * hidden + j);
        FloatVector cy = f.mul(FloatVector.fromArray(SPECIES, c, s + j)).add(i.mul(cand));
        cy.intoArray(c, s + j);
        o.mul(tanh(cy)).intoArray(hOut, s + j);
      }
    }
    return end;
  }

  /** The vector part of {@link FloatMath#gruCell}, as {@link #lstmCell}. */
  static int gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int end = hidden - hidden % LANES;
    int gh = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      int s = r * hidden;
      for (int j = 0; j < end; j += LANES) {
        sigmoid(preActivation(xp, x + j, gates, g + j)).intoArray(xp, x + j);
      }
      for (int j = 0; j < end; j += LANES) {
        int at = hidden + j;
        sigmoid(preActivation(xp, x + at, gates, g + at)).intoArray(xp, x + at);
      }
      for (int j = 0; j < end; j += LANES) {
        FloatVector reset = FloatVector.fromArray(SPECIES, xp, x + j);
        FloatVector n =
            tanh(
                FloatVector.fromArray(SPECIES, xp, x + 2 * hidden + j)
                    .add(reset.mul(FloatVector.fromArray(SPECIES, gates, g + 2 * hidden + j))));
        FloatVector update = FloatVector.fromArray(SPECIES, xp, x + hidden + j);
        FloatVector prev = FloatVector.fromArray(SPECIES, h, s + j);
        n.add(update.mul(prev.sub(n))).intoArray(h, s + j);
        n.intoArray(xp, x + 2 * hidden + j);
      }
    }
    return end;
  }

  private static FloatVector preActivation(float[] xp, int x, float[] gates, int g) {
    return FloatVector.fromArray(SPECIES, xp, x).add(FloatVector.fromArray(SPECIES, gates, g));
  }

  /** {@link FloatMath#sigmoid} in every lane: the same operations, so the same bits. */
  private static FloatVector sigmoid(FloatVector v) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    return one.div(one.add(exp(v.neg())));
  }

  /**
   * {@link FloatMath#tanh} in every lane: both of its branches computed, the lane's own chosen. The
   * Vector API's own TANH and EXP are not used: C2 evaluates them with SVML's approximations and
   * the interpreter with Math's, so their bits would change as the JIT warms up.
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector ax = x.abs();
    FloatVector x2 = x.mul(x);
    FloatVector q = x2.fma(FloatMath.T7, FloatMath.T5);
    q = x2.fma(q, FloatVector.broadcast(SPECIES, FloatMath.T3));
    q = x2.fma(q, FloatVector.broadcast(SPECIES, 1f));
    FloatVector series = ax.mul(q);
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    FloatVector viaExp = one.sub(FloatVector.broadcast(SPECIES, 2f).div(exp(ax.mul(2f)).add(1f)));
    FloatVector t = viaExp.blend(series, ax.lt(FloatMath.TANH_SMALL));
    return t.blend(t.neg(), x.lt(0f));
  }

  /** {@link FloatMath#exp} in every lane: the same operations, so the same bits. */
  static FloatVector exp(FloatVector x) {
    FloatVector c = x.max(FloatMath.EXP_MIN).min(FloatMath.EXP_MAX);
    FloatVector kn = c.fma(FloatMath.LOG2E, FloatMath.ROUND);
    FloatVector minusN = kn.sub(FloatMath.ROUND).neg();
    FloatVector r = minusN.fma(FloatVector.broadcast(SPECIES, FloatMath.LN2_HI), c);
    r = minusN.fma(FloatVector.broadcast(SPECIES, FloatMath.LN2_LO), r);
    FloatVector p = r.fma(FloatMath.C6, FloatMath.C5);
    p = r.fma(p, FloatVector.broadcast(SPECIES, FloatMath.C4));
    p = r.fma(p, FloatVector.broadcast(SPECIES, FloatMath.C3));
    p = r.fma(p, FloatVector.broadcast(SPECIES, 0.5f));
    p = r.fma(p, FloatVector.broadcast(SPECIES, 1f));
    p = r.fma(p, FloatVector.broadcast(SPECIES, 1f));
    // kn's bits less ROUND's are n, with no conversion (a vector F2I conversion is not intrinsic
    // here).
    IntVector bits =
        ((IntVector) kn.viewAsIntegralLanes())
            .add(127 - FloatMath.ROUND_BITS)
            .lanewise(VectorOperators.LSHL, 23);
    return p.mul((FloatVector) bits.viewAsFloatingLanes());
  }
}
