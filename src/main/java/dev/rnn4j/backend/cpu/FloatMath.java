package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.HostStorage;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * {@link CpuMath} for float32: float arithmetic, with rnn4j's own exp, tanh and sigmoid. {@link
 * DoubleMath} is its float64 twin, line for line: change both together.
 *
 * <p>Every value's arithmetic is fixed by this code, not by the JIT: products are fused
 * multiply-adds in k order, as {@link VectorKernels} computes them, and exp, tanh and sigmoid are
 * plain float operations that {@link VectorKernels} repeats lane by lane. So a result has the same
 * bits in the interpreter, C1 and C2, and with or without the Vector API (Java never contracts or
 * reorders float arithmetic by itself).
 */
final class FloatMath implements CpuMath<float[]> {
  /**
   * Whether the Vector API's module is in the boot layer, so that {@link VectorKernels} (the only
   * class that refers to it) may be loaded.
   */
  static final boolean VECTOR_API_PRESENT =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private static final AtomicBoolean WARNED = new AtomicBoolean();
  // Rows of C this short or shorter are too short for the JIT's vector loops (see
  // addTransposedProductByColumns).
  private static final int SHORT_ROW = 64;
  // Floats of B per chunk of the plain products' k loop: 256 KiB, half of a Zen core's L2.
  private static final int B_CHUNK_FLOATS = 64 * 1024;

  private final boolean vectorApi;
  private final ArrayPool<float[]> pool =
      new ArrayPool<>(float[]::new, a -> a.length, a -> Arrays.fill(a, 0f), Float.BYTES);

  /** Uses the Vector API when its module is present, and says once per JVM when it is not. */
  FloatMath() {
    this(VECTOR_API_PRESENT);
    if (!VECTOR_API_PRESENT && !WARNED.getAndSet(true)) {
      LoggerFactory.getLogger(CpuBackend.class)
          .warn(
              "float32 RNNs run on plain Java loops, up to 5 times slower than with the Vector"
                  + " API: start the JVM with --add-modules jdk.incubator.vector (the same results,"
                  + " bit for bit)");
    }
  }

  /** Uses the Vector API only when asked to (and present): the tests compare both paths. */
  FloatMath(boolean vectorApi) {
    this.vectorApi = vectorApi && VECTOR_API_PRESENT;
  }

  /** The path the products and cells take, for logs and benchmarks. */
  String path() {
    return vectorApi ? "Vector API (jdk.incubator.vector)" : "JIT-vectorized loops";
  }

  // This thread's rows: the one place the inner loops write to; two, for products two rows at a
  // time.
  private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);
  private final ThreadLocal<float[]> scratch2 = ThreadLocal.withInitial(() -> new float[0]);
  // A weight gradient's block sums, transposed, for short rows of C.
  private final ThreadLocal<float[][]> columnSums = ThreadLocal.withInitial(() -> new float[0][]);
  private final ThreadLocal<float[][]> blockRows = ThreadLocal.withInitial(() -> new float[0][]);

  @Override
  public float[] allocate(int n) {
    return new float[n];
  }

  @Override
  public ArrayPool<float[]> pool() {
    return pool;
  }

  @Override
  public float[] copyOf(HostStorage s) {
    return s.floats().clone();
  }

  @Override
  public float[] array(HostStorage s) {
    return s.floats();
  }

  @Override
  public HostStorage wrap(float[] data) {
    return HostStorage.of(data);
  }

  @Override
  public float[][] allocateRows(int rows, int cols) {
    return new float[rows][cols];
  }

  @Override
  public float[][] pack(float[] src, int rows, int cols, boolean transpose) {
    if (vectorApi) {
      return VectorKernels.pack(src, rows, cols, transpose);
    }
    float[][] out = new float[transpose ? cols : rows][transpose ? rows : cols];
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
  public float[] flatten(float[][] rows, int cols) {
    float[] out = new float[rows.length * cols];
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
      float[] a,
      int aOff,
      int lda,
      float[][] b,
      boolean accumulate,
      float[] c,
      int cOff,
      int ldc) {
    if (vectorApi) {
      VectorKernels.gemm(m, n, k, a, aOff, lda, b, accumulate, c, cOff, ldc);
      return;
    }
    // Two rows of C and two rows of B per pass over the columns: the loop the JIT vectorizes then
    // does four multiply-adds per two loads and stores of C, not one per load and store (1.4x).
    // The rows of B in chunks of about 256 KiB, which stay in L2 while every row of C passes
    // (1.4x at 32x1024x256, where all of B streamed from L3 for every two rows of C). Each element
    // still sums its k products in order. (Column blocks were slower: the JIT's loops need long
    // rows.)
    float[] y0 = scratch(scratch, n);
    float[] y1 = scratch(scratch2, n);
    int chunk = Math.max(2, (B_CHUNK_FLOATS / Math.max(1, n)) & ~1);
    // (k0 == 0 runs once even for k == 0, so that C is then zeros or itself, as a product's sum.)
    for (int k0 = 0; k0 < k || k0 == 0; k0 += chunk) {
      int k1 = Math.min(k, k0 + chunk);
      boolean fromC = accumulate || k0 > 0;
      int r = 0;
      for (; r + 2 <= m; r += 2) {
        int row0 = cOff + r * ldc;
        int row1 = row0 + ldc;
        start(fromC, c, row0, y0, n);
        start(fromC, c, row1, y1, n);
        int a0 = aOff + r * lda;
        int a1 = a0 + lda;
        int p = k0;
        for (; p + 2 <= k1; p += 2) {
          float s00 = a[a0 + p];
          float s01 = a[a0 + p + 1];
          float s10 = a[a1 + p];
          float s11 = a[a1 + p + 1];
          float[] x0 = b[p];
          float[] x1 = b[p + 1];
          for (int j = 0; j < n; j++) {
            float u = x0[j];
            float v = x1[j];
            y0[j] = Math.fma(s01, v, Math.fma(s00, u, y0[j]));
            y1[j] = Math.fma(s11, v, Math.fma(s10, u, y1[j]));
          }
        }
        for (; p < k1; p++) {
          float s0 = a[a0 + p];
          float s1 = a[a1 + p];
          float[] x = b[p];
          for (int j = 0; j < n; j++) {
            y0[j] = Math.fma(s0, x[j], y0[j]);
            y1[j] = Math.fma(s1, x[j], y1[j]);
          }
        }
        System.arraycopy(y0, 0, c, row0, n);
        System.arraycopy(y1, 0, c, row1, n);
      }
      for (; r < m; r++) {
        int row = cOff + r * ldc;
        start(fromC, c, row, y0, n);
        int ar = aOff + r * lda;
        for (int p = k0; p < k1; p++) {
          float s = a[ar + p];
          float[] x = b[p];
          for (int j = 0; j < n; j++) {
            y0[j] = Math.fma(s, x[j], y0[j]); // the Vector API path's arithmetic, bit for bit
          }
        }
        System.arraycopy(y0, 0, c, row, n);
      }
    }
  }

  /** A row of C's running sums: C's own row, or zeros. */
  private static void start(boolean fromC, float[] c, int row, float[] y, int n) {
    if (fromC) {
      System.arraycopy(c, row, y, 0, n);
    } else {
      Arrays.fill(y, 0, n, 0f);
    }
  }

  @Override
  public void addTransposedProduct(
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
    if (vectorApi) {
      VectorKernels.addTransposedProduct(m, p, n, a, aOff, lda, b, bOff, ldb, c);
      return;
    }
    if (n < p && n <= SHORT_ROW) {
      addTransposedProductByColumns(m, p, n, a, aOff, lda, b, bOff, ldb, c);
      return;
    }
    // The block's rows of B, each its own array indexed from 0, and the sum: the form the JIT
    // vectorizes.
    // Two rows of C and two rows of B per pass, as in gemm; each sum still runs in row order.
    float[][] rows = scratchRows(blockRows, SUM_BLOCK, n);
    float[] sum0 = scratch(scratch, n);
    float[] sum1 = scratch(scratch2, n);
    for (int r0 = 0; r0 < m; r0 += SUM_BLOCK) {
      int count = Math.min(SUM_BLOCK, m - r0);
      for (int i = 0; i < count; i++) {
        System.arraycopy(b, bOff + (r0 + i) * ldb, rows[i], 0, n);
      }
      int q = 0;
      for (; q + 2 <= p; q += 2) {
        Arrays.fill(sum0, 0, n, 0f);
        Arrays.fill(sum1, 0, n, 0f);
        int i = 0;
        for (; i + 2 <= count; i += 2) {
          int at = aOff + (r0 + i) * lda + q;
          float s00 = a[at];
          float s01 = a[at + lda];
          float s10 = a[at + 1];
          float s11 = a[at + 1 + lda];
          float[] x0 = rows[i];
          float[] x1 = rows[i + 1];
          for (int j = 0; j < n; j++) {
            float u = x0[j];
            float v = x1[j];
            sum0[j] = Math.fma(s01, v, Math.fma(s00, u, sum0[j]));
            sum1[j] = Math.fma(s11, v, Math.fma(s10, u, sum1[j]));
          }
        }
        for (; i < count; i++) {
          int at = aOff + (r0 + i) * lda + q;
          float s0 = a[at];
          float s1 = a[at + 1];
          float[] x = rows[i];
          for (int j = 0; j < n; j++) {
            sum0[j] = Math.fma(s0, x[j], sum0[j]);
            sum1[j] = Math.fma(s1, x[j], sum1[j]);
          }
        }
        float[] y0 = c[q];
        float[] y1 = c[q + 1];
        for (int j = 0; j < n; j++) {
          y0[j] += sum0[j];
          y1[j] += sum1[j];
        }
      }
      for (; q < p; q++) {
        Arrays.fill(sum0, 0, n, 0f);
        for (int i = 0; i < count; i++) {
          float s = a[aOff + (r0 + i) * lda + q];
          float[] x = rows[i];
          for (int j = 0; j < n; j++) {
            sum0[j] = Math.fma(s, x[j], sum0[j]);
          }
        }
        float[] y = c[q];
        for (int j = 0; j < n; j++) {
          y[j] += sum0[j];
        }
      }
    }
  }

  /**
   * {@link #addTransposedProduct} for short rows of C (n at most {@link #SHORT_ROW}, fewer than C's
   * p rows), whose loops would run mostly in the JIT's scalar pre- and post-loops: the sums of each
   * block of rows are taken transposed, column j of C as one long row over its p elements, with A's
   * rows as they are; then added into C. Each element still sums its block's rows in order, from
   * zero, so the bits are the other form's.
   */
  private void addTransposedProductByColumns(
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
    // A's rows and the sums, each its own array indexed from 0: the form the JIT vectorizes (it
    // gives up on references at offsets it cannot relate, such as two into one array).
    float[][] rows = scratchRows(blockRows, SUM_BLOCK, p);
    float[][] sums = scratchRows(columnSums, n, p);
    for (int r0 = 0; r0 < m; r0 += SUM_BLOCK) {
      int count = Math.min(SUM_BLOCK, m - r0);
      for (int i = 0; i < count; i++) {
        System.arraycopy(a, aOff + (r0 + i) * lda, rows[i], 0, p);
      }
      for (int j = 0; j < n; j++) {
        Arrays.fill(sums[j], 0, p, 0f);
      }
      int j = 0;
      for (; j + 2 <= n; j += 2) {
        float[] y0 = sums[j];
        float[] y1 = sums[j + 1];
        int i = 0;
        for (; i + 2 <= count; i += 2) {
          int b0 = bOff + (r0 + i) * ldb + j;
          int b1 = b0 + ldb;
          float s00 = b[b0];
          float s01 = b[b0 + 1];
          float s10 = b[b1];
          float s11 = b[b1 + 1];
          float[] x0 = rows[i];
          float[] x1 = rows[i + 1];
          for (int q = 0; q < p; q++) {
            float u = x0[q];
            float v = x1[q];
            y0[q] = Math.fma(v, s10, Math.fma(u, s00, y0[q]));
            y1[q] = Math.fma(v, s11, Math.fma(u, s01, y1[q]));
          }
        }
        for (; i < count; i++) {
          int b0 = bOff + (r0 + i) * ldb + j;
          float s0 = b[b0];
          float s1 = b[b0 + 1];
          float[] x = rows[i];
          for (int q = 0; q < p; q++) {
            float u = x[q];
            y0[q] = Math.fma(u, s0, y0[q]);
            y1[q] = Math.fma(u, s1, y1[q]);
          }
        }
      }
      for (; j < n; j++) {
        float[] y = sums[j];
        for (int i = 0; i < count; i++) {
          float s0 = b[bOff + (r0 + i) * ldb + j];
          float[] x = rows[i];
          for (int q = 0; q < p; q++) {
            y[q] = Math.fma(x[q], s0, y[q]);
          }
        }
      }
      for (int q = 0; q < p; q++) {
        float[] y = c[q];
        for (int k = 0; k < n; k++) {
          y[k] += sums[k][q];
        }
      }
    }
  }

  /**
   * This thread's {@code count} rows of {@code local}, each at least n floats and an array of its
   * own, so that the loops over them index from 0 (see {@link PlainKernels}).
   */
  static float[][] scratchRows(ThreadLocal<float[][]> local, int count, int n) {
    float[][] rows = local.get();
    if (rows.length < count || (count > 0 && rows[0].length < n)) {
      int width = Math.max(n, rows.length > 0 ? rows[0].length : 0);
      rows = new float[Math.max(count, rows.length)][width];
      local.set(rows);
    }
    return rows;
  }

  /** This thread's row of {@code local}, at least n floats. */
  static float[] scratch(ThreadLocal<float[]> local, int n) {
    float[] s = local.get();
    if (s.length < n) {
      s = new float[n];
      local.set(s);
    }
    return s;
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
  public void addRows(
      int rows,
      int cols,
      float[] src,
      int srcOff,
      int srcStride,
      float[] dst,
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
  public void addColumnSums(int rows, int cols, float[] src, int srcOff, float[] dst) {
    // Each row copied to an array of its own first: the JIT leaves src[s + j] beside sum[j]
    // scalar (see PlainKernels).
    float[] sum = scratch(scratch, cols);
    float[] row = scratch(scratch2, cols);
    for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
      Arrays.fill(sum, 0, cols, 0f);
      for (int r = r0; r < Math.min(rows, r0 + SUM_BLOCK); r++) {
        System.arraycopy(src, srcOff + r * cols, row, 0, cols);
        for (int j = 0; j < cols; j++) {
          sum[j] += row[j];
        }
      }
      for (int j = 0; j < cols; j++) {
        dst[j] += sum[j];
      }
    }
  }

  // The cells: the Vector API's passes and, for the columns past its last whole vector, the scalar
  // functions element by element; or the plain path's passes. All three are the same arithmetic.

  @Override
  public void rnnCell(
      boolean relu, int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    if (!vectorApi) {
      PlainKernels.rnnCell(relu, rows, hidden, xp, xpOff, gates, h);
      return;
    }
    int start = VectorKernels.rnnCell(relu, rows, hidden, xp, xpOff, gates, h);
    for (int r = 0; r < rows; r++) {
      for (int j = start; j < hidden; j++) {
        int i = r * hidden + j;
        float v = xp[xpOff + i] + gates[i];
        h[i] = relu ? (v > 0f ? v : 0f) : tanh(v);
      }
    }
  }

  @Override
  public void lstmCell(
      int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    if (!vectorApi) {
      PlainKernels.lstmCell(rows, hidden, xp, xpOff, gates, c, hOut);
      return;
    }
    int start = VectorKernels.lstmCell(rows, hidden, xp, xpOff, gates, c, hOut);
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = start; j < hidden; j++) {
        float i = sigmoid(xp[x + j] + gates[g + j]);
        float f = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        float cand = tanh(xp[x + 2 * hidden + j] + gates[g + 2 * hidden + j]);
        float o = sigmoid(xp[x + 3 * hidden + j] + gates[g + 3 * hidden + j]);
        float cy = f * c[r * hidden + j] + i * cand;
        c[r * hidden + j] = cy;
        hOut[r * hidden + j] = o * tanh(cy);
        xp[x + j] = i;
        xp[x + hidden + j] = f;
        xp[x + 2 * hidden + j] = cand;
        xp[x + 3 * hidden + j] = o;
      }
    }
  }

  @Override
  public void gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    if (!vectorApi) {
      PlainKernels.gruCell(rows, hidden, xp, xpOff, gates, h);
      return;
    }
    int start = VectorKernels.gruCell(rows, hidden, xp, xpOff, gates, h);
    int gh = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = xpOff + r * gh;
      int g = r * gh;
      for (int j = start; j < hidden; j++) {
        float reset = sigmoid(xp[x + j] + gates[g + j]);
        float update = sigmoid(xp[x + hidden + j] + gates[g + hidden + j]);
        float n = tanh(xp[x + 2 * hidden + j] + reset * gates[g + 2 * hidden + j]);
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
      boolean relu, int rows, int hidden, float[] h, float[] dh, float[] dA, int dAOff) {
    int n = rows * hidden;
    for (int i = 0; i < n; i++) {
      float v = h[i];
      dA[dAOff + i] = dh[i] * (relu ? (v > 0f ? 1f : 0f) : 1f - v * v);
    }
  }

  @Override
  public void lstmCellOutput(
      int rows, int hidden, float[] act, int actOff, float[] c, int cOff, float[] out) {
    for (int r = 0; r < rows; r++) {
      int x = actOff + r * 4 * hidden;
      for (int j = 0; j < hidden; j++) {
        out[r * hidden + j] = act[x + 3 * hidden + j] * tanh(c[cOff + r * hidden + j]);
      }
    }
  }

  @Override
  public void lstmCellBackward(
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
    if (!vectorApi) {
      PlainKernels.lstmCellBackward(rows, hidden, act, actOff, c, cOff, cPrev, dOut, dc, dA, dAOff);
      return;
    }
    int start =
        VectorKernels.lstmCellBackward(
            rows, hidden, act, actOff, c, cOff, cPrev, dOut, dc, dA, dAOff);
    int gh = 4 * hidden;
    for (int r = 0; r < rows; r++) {
      int x = actOff + r * gh;
      int d = dAOff + r * gh;
      for (int j = start; j < hidden; j++) {
        int k = r * hidden + j;
        float i = act[x + j];
        float f = act[x + hidden + j];
        float g = act[x + 2 * hidden + j];
        float o = act[x + 3 * hidden + j];
        float tc = tanh(c[cOff + k]);
        float dcTotal = dc[k] + dOut[k] * o * (1f - tc * tc);
        dA[d + j] = dcTotal * g * i * (1f - i);
        dA[d + hidden + j] = dcTotal * cPrev[k] * f * (1f - f);
        dA[d + 2 * hidden + j] = dcTotal * i * (1f - g * g);
        dA[d + 3 * hidden + j] = dOut[k] * tc * o * (1f - o);
        dc[k] = dcTotal * f;
      }
    }
  }

  @Override
  public void gruCellBackward(
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
    // One implementation for both paths: its loops vectorize without the Vector API.
    PlainKernels.gruCellBackward(
        rows, hidden, act, actOff, ghn, ghnOff, hPrev, dh, dXp, dXpOff, dGh);
  }

  @Override
  public void dropoutMask(float[] mask, int off, int n, double p, SplittableRandom random) {
    float scale = p < 1 ? (float) (1 / (1 - p)) : 0f;
    for (int i = 0; i < n; i++) {
      mask[off + i] = random.nextDouble() < p ? 0f : scale;
    }
  }

  @Override
  public void multiply(int n, float[] a, float[] b, float[] out) {
    for (int i = 0; i < n; i++) {
      out[i] = a[i] * b[i];
    }
  }

  // The constants of exp, tanh and sigmoid, shared with VectorKernels so that both compute the same
  // bits.
  static final float EXP_MIN = -87.33654f; // ln(Float.MIN_NORMAL)
  static final float EXP_MAX = 88.37626f; // 127.5 ln2: 2^n with n <= 127 is one normal float
  static final float LOG2E = 1.44269504f;
  static final float ROUND = 12582912f; // 1.5 * 2^23
  static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
  static final float LN2_HI = 0.693145752f;
  static final float LN2_LO = 1.42860677e-6f;
  static final float C3 = 1f / 6;
  static final float C4 = 1f / 24;
  static final float C5 = 1f / 120;
  static final float C6 = 1f / 720;
  static final float TANH_SMALL = 0.0625f;
  static final float T3 = -1f / 3;
  static final float T5 = 2f / 15;
  static final float T7 = -17f / 315;

  /** {@code 1 / (1 + e^-x)} with {@link #exp}: at most 3.5 float32 ulps from the exact value. */
  static float sigmoid(float x) {
    return 1f / (1f + exp(-x));
  }

  /**
   * tanh from {@link #exp}: {@code 1 - 2 / (e^2|x| + 1)}, and its Taylor series below |x| = 1/16,
   * where that form would cancel. At most 28 float32 ulps from the exact value (measured on every
   * 97th float in [-90, 90]; the worst just above 1/16, where the cancellation costs four bits):
   * 1.7e-6 relative.
   */
  static float tanh(float x) {
    float ax = Math.abs(x);
    float t;
    if (ax < TANH_SMALL) {
      float x2 = x * x;
      t = ax * Math.fma(x2, Math.fma(x2, Math.fma(x2, T7, T5), T3), 1f);
    } else {
      t = 1f - 2f / (exp(2f * ax) + 1f);
    }
    return x < 0 ? -t : t;
  }

  /**
   * e^x in float for the cells: x clamped to [ln(MIN_NORMAL), 127.5 ln2] (NaN stays NaN), x = n ln2
   * + r with |r| <= ln2 / 2 (ln2 split in two), e^r by its degree-6 Taylor polynomial in fused
   * multiply-adds, 2^n put into the exponent bits. At most 2.7 float32 ulps from the exact value on
   * that range (measured on every 97th float); outside it the clamp's ends, which saturate sigmoid
   * and tanh as the exact values do. Branch-free and conversion-free, so that {@link VectorKernels}
   * repeats it lane by lane at full speed.
   */
  static float exp(float x) {
    float c = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
    // c / ln2 rounded to the nearest integer (ties to even) by adding 1.5 * 2^23: kn's low mantissa
    // bits then hold n, and kn - 1.5 * 2^23 is n itself.
    float kn = Math.fma(c, LOG2E, ROUND);
    float n = kn - ROUND;
    float r = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, c));
    float p = Math.fma(r, C6, C5);
    p = Math.fma(r, p, C4);
    p = Math.fma(r, p, C3);
    p = Math.fma(r, p, 0.5f);
    p = Math.fma(r, p, 1f);
    p = Math.fma(r, p, 1f);
    return p * Float.intBitsToFloat((Float.floatToRawIntBits(kn) + (127 - ROUND_BITS)) << 23);
  }
}
