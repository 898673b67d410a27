package dev.rnn4j.backend.cpu;

import java.nio.ByteOrder;
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
 * <p>The products keep a register tile of rows x 2 vectors of C over the whole k loop (12 and 8
 * rows where vectors are 512 bits, which on x86 come with 32 registers; 6 and 4 otherwise), reading
 * B from panels packed once per weight version and A from rows interleaved per tile (read in place,
 * eight rows at a time, where B is one or two panels wide); each element of C still sums its k
 * products in order, so results do not depend on how rows or columns are split and equal the plain
 * path's bit for bit. The cells are passes over arrays, each exp pass over a group of rows, with
 * the scalar path's operations lane by lane, rnn4j's own exp among them.
 *
 * <p>No method here takes or returns a vector: C2 stops inlining a method's callees past a node
 * budget, and a vector that crosses a call it did not inline is boxed, an allocation per call.
 * Whether that happens depends on which caller C2 compiles first, so a kernel that passed vectors
 * ran at one speed in one JVM and four times slower in the next (the LSTM cell, when exp took a
 * vector).
 */
final class VectorKernels {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  // The same shape as SPECIES, for exp's bit manipulation.
  private static final VectorSpecies<Integer> INT_SPECIES =
      VectorSpecies.of(int.class, SPECIES.vectorShape());
  // Floats of C per block of a weight gradient: 128 KiB, which stay in L2 while every chunk of
  // rows passes by (the whole gradient, 1 MiB for S3's W_hh, would be read and written per chunk).
  private static final int GRAD_BLOCK_FLOATS = 32 * 1024;

  // 512-bit vectors come with 32 vector registers (AVX-512), room for a tile of 12 rows x 2
  // vectors: 24 accumulators, 2 of B and a broadcast of A. Per k step it loads B once for 24
  // multiply-adds, not for 12: alone 1.15-1.3x the 6-row tile's speed, in the products and weight
  // gradients 1.09-1.13x (docs/bench-2026-12-07-avx512/levers.txt). With 16 registers (AVX2)
  // those 27 vectors would spill.
  private static final boolean TALL_TILES = LANES >= 16;

  /** The width of {@link #pack}'s panels: two vectors, the register tiles' width. */
  static final int PANEL = 2 * LANES;

  // Rows of a panel per pass of a row block's tiles: 256 rows of 32 floats (32 KiB, 512-bit
  // vectors) stay in L1 beside a 12-row tile's 12 KiB of A; a longer k would read them from L2
  // once per tile.
  private static final int K_BLOCK = 8192 / PANEL;

  // Floats of A per row block of the products: 96 KiB, which stay in L2 while every panel of B
  // passes by.
  private static final int ROW_BLOCK_FLOATS = 24 * 1024;
  // Floats of a cell's row group's exp arguments: 16 KiB, which stay in L1 between its passes.
  private static final int CELL_GROUP_FLOATS = 4 * 1024;
  // Rows of A transposed at a time for a weight gradient, summed from zero before they join C: one
  // block of CpuMath's two-level sums over rows.
  private static final int CHUNK = CpuMath.SUM_BLOCK;
  // Each thread's work buffers (FloatMath.scratch, scratchRows): A's rows interleaved per tile, a
  // gradient chunk's A transposed and its B in panels, the cells' exp arguments.
  private static final ThreadLocal<float[][]> PACKED_A =
      ThreadLocal.withInitial(() -> new float[0][]);
  private static final ThreadLocal<float[][]> TRANSPOSED =
      ThreadLocal.withInitial(() -> new float[0][]);
  private static final ThreadLocal<float[][]> GRAD_PANELS =
      ThreadLocal.withInitial(() -> new float[0][]);
  private static final ThreadLocal<float[]> CELL = ThreadLocal.withInitial(() -> new float[0]);
  // A vector's bytes, between exp's float and int lanes.
  private static final ThreadLocal<byte[]> BITS =
      ThreadLocal.withInitial(() -> new byte[SPECIES.vectorByteSize()]);
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private VectorKernels() {}

  /**
   * The packed form of B for {@link #gemm}: panels of {@link #PANEL} columns, panel q holding
   * columns {@code [q * PANEL, (q + 1) * PANEL)} of every row p at {@code [p * PANEL, (p + 1) *
   * PANEL)}, the last panel padded with zeros. B is {@code src} ({@code rows x cols}, row-major)
   * or, when {@code transpose}, its transpose.
   */
  static float[][] pack(float[] src, int rows, int cols, boolean transpose) {
    int k = transpose ? cols : rows;
    int n = transpose ? rows : cols;
    float[][] panels = new float[(n + PANEL - 1) / PANEL][k * PANEL];
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        panels[j / PANEL][p * PANEL + j % PANEL] =
            transpose ? src[j * cols + p] : src[p * cols + j];
      }
    }
    return panels;
  }

  /**
   * As {@link CpuMath#gemm}, for float32, with B {@link #pack packed} in panels: rows of A in
   * blocks of at most 96 (which stay in L2 while every panel passes), each block in register tiles
   * of 12, 8, 6, 4 or 1 rows by one panel, which stream their panel sequentially; a B of one or two
   * panels takes A's rows eight at a time where they are. Each element of C still sums its k
   * products in order, from C or zero, as the plain path does.
   */
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
    int full = n / PANEL;
    int unit = TALL_TILES ? 12 : 6;
    int rowBlock = Math.max(12, Math.min(96, ROW_BLOCK_FLOATS / Math.max(1, k) / unit * unit));
    // B of one or two panels (where the registers allow): eight rows at a time read A where it
    // is. Interleaving A's rows had cost about as much as such products (KernelAb 1.4-1.9x at
    // 1600x32x256, 32x64x256, 3200x64x256). Wider B stays with the packed tiles, whose row blocks
    // read each panel once per block: eight rows at a time everywhere made whole passes 1.06-1.15x
    // slower (S3, S5, C3), each panel streaming from L2 once per eight rows.
    int directRows = TALL_TILES && full <= 2 ? m - m % 8 : 0;
    for (int r = 0; r < directRows; r += 8) {
      for (int q = 0; q < full; q++) {
        rows8(k, a, aOff + r * lda, lda, b[q], accumulate, c, cOff + r * ldc + q * PANEL, ldc);
      }
    }
    for (int r0 = directRows; r0 < m; r0 += rowBlock) {
      int r1 = Math.min(m, r0 + rowBlock);
      // Tiles of 12 rows where the registers allow (and 8s for 8, 9, 16 or 17 rows left), then of
      // 6, and of 4 where 6 would leave a poor remainder (8 = 4 + 4, not 6 + 1 + 1); each panel
      // passes the whole block while it is in L1.
      int twelves = TALL_TILES ? (r1 - r0) / 12 : 0;
      int rest = (r1 - r0) % 12;
      int eights = TALL_TILES && (rest == 8 || rest == 9) ? 1 : 0;
      if (twelves > 0 && (rest == 4 || rest == 5)) {
        // 16 = 8 + 8, not 12 + 4, whose 4-row tile loads B once per 8 multiply-adds.
        twelves--;
        eights = 2;
      }
      int sixes = 0;
      int fours = 0;
      for (int left = r1 - r0 - 12 * twelves - 8 * eights;
          left >= 4;
          left -= left >= 6 && left != 8 ? 6 : 4) {
        if (left >= 6 && left != 8) {
          sixes++;
        } else {
          fours++;
        }
      }
      int tiles = twelves + eights + sixes + fours;
      int tiled = r0 + 12 * twelves + 8 * eights + 6 * sixes + 4 * fours;
      // Each tile's rows of A interleaved (p major) in an array of its own: the tile reads A as one
      // sequential stream, not as 12, 8, 6 or 4 (this alone doubles its speed), with no offset
      // of the caller's, which C2 reloaded from the stack every k step. (Padding the 6-row tile's
      // stride to 8, a power of two whose range checks C2 hoists, made it spill two accumulators
      // to the stack instead: 0.7x.)
      int tallest = twelves > 0 ? 12 : eights > 0 ? 8 : 6;
      float[][] packedA = FloatMath.scratchRows(PACKED_A, tiles, tallest * k);
      for (int tile = 0, r = r0; tile < tiles; tile++) {
        int height = tileHeight(tile, twelves, eights, sixes);
        interleave(a, aOff + r * lda, lda, height, k, packedA[tile]);
        r += height;
      }
      for (int q = 0; q < full; q++) {
        float[] panel = b[q];
        // The panel K_BLOCK rows at a time, which stay in L1 while every tile passes; a tile's
        // sums go to C between blocks and on from there, so each still adds its k products in
        // order (a float stored and loaded again is the same float). One tile streams it whole:
        // blocks gave it nothing to reuse and cost C8's forward pass 11%.
        int kBlock = tiles > 1 ? K_BLOCK : Math.max(1, k);
        // Once even for k = 0, so that C is written (zeros, or C) as for any k.
        for (int k0 = 0; k0 < k || k0 == 0; k0 += kBlock) {
          int k1 = Math.min(k, k0 + kBlock);
          boolean onto = accumulate || k0 > 0;
          for (int tile = 0, r = r0; tile < tiles; tile++) {
            int height = tileHeight(tile, twelves, eights, sixes);
            int c0 = cOff + r * ldc + q * PANEL;
            if (height == 12) {
              tile12(k0, k1, packedA[tile], panel, onto, c, c0, ldc);
            } else if (height == 8) {
              tile8(k0, k1, packedA[tile], panel, onto, c, c0, ldc);
            } else if (height == 6) {
              tile6(k0, k1, packedA[tile], panel, onto, c, c0, ldc);
            } else {
              tile4(k0, k1, packedA[tile], panel, onto, c, c0, ldc);
            }
            r += height;
          }
        }
      }
      for (int r = tiled; r < r1; r++) {
        row(full, k, a, aOff + r * lda, b, accumulate, c, cOff + r * ldc);
      }
    }
    if (full * PANEL < n) {
      float[] panel = b[full];
      for (int r = 0; r < m; r++) {
        int ar = aOff + r * lda;
        for (int j = full * PANEL; j < n; j++) {
          int at = cOff + r * ldc + j;
          int col = j - full * PANEL;
          float s = accumulate ? c[at] : 0f;
          for (int p = 0; p < k; p++) {
            s = Math.fma(a[ar + p], panel[p * PANEL + col], s);
          }
          c[at] = s;
        }
      }
    }
  }

  /**
   * Eight rows of C (from {@code c0}) by one panel, as {@link #tile8}, with A's rows read where
   * they are (from {@code ar}, {@code lda} apart): 16 accumulators, and no packing of A.
   */
  private static void rows8(
      int k,
      float[] a,
      int ar,
      int lda,
      float[] panel,
      boolean accumulate,
      float[] c,
      int c0,
      int ldc) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int a0 = ar;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int a4 = a3 + lda;
    int a5 = a4 + lda;
    int a6 = a5 + lda;
    int a7 = a6 + lda;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    int c6 = c5 + ldc;
    int c7 = c6 + ldc;
    FloatVector x00 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
    FloatVector x01 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
    FloatVector x10 = accumulate ? FloatVector.fromArray(SPECIES, c, c1) : zero;
    FloatVector x11 = accumulate ? FloatVector.fromArray(SPECIES, c, c1 + LANES) : zero;
    FloatVector x20 = accumulate ? FloatVector.fromArray(SPECIES, c, c2) : zero;
    FloatVector x21 = accumulate ? FloatVector.fromArray(SPECIES, c, c2 + LANES) : zero;
    FloatVector x30 = accumulate ? FloatVector.fromArray(SPECIES, c, c3) : zero;
    FloatVector x31 = accumulate ? FloatVector.fromArray(SPECIES, c, c3 + LANES) : zero;
    FloatVector x40 = accumulate ? FloatVector.fromArray(SPECIES, c, c4) : zero;
    FloatVector x41 = accumulate ? FloatVector.fromArray(SPECIES, c, c4 + LANES) : zero;
    FloatVector x50 = accumulate ? FloatVector.fromArray(SPECIES, c, c5) : zero;
    FloatVector x51 = accumulate ? FloatVector.fromArray(SPECIES, c, c5 + LANES) : zero;
    FloatVector x60 = accumulate ? FloatVector.fromArray(SPECIES, c, c6) : zero;
    FloatVector x61 = accumulate ? FloatVector.fromArray(SPECIES, c, c6 + LANES) : zero;
    FloatVector x70 = accumulate ? FloatVector.fromArray(SPECIES, c, c7) : zero;
    FloatVector x71 = accumulate ? FloatVector.fromArray(SPECIES, c, c7 + LANES) : zero;
    for (int p = 0; p < k; p++) {
      int at = p * PANEL;
      FloatVector b0 = FloatVector.fromArray(SPECIES, panel, at);
      FloatVector b1 = FloatVector.fromArray(SPECIES, panel, at + LANES);
      FloatVector s0 = FloatVector.broadcast(SPECIES, a[a0 + p]);
      x00 = b0.fma(s0, x00);
      x01 = b1.fma(s0, x01);
      s0 = FloatVector.broadcast(SPECIES, a[a1 + p]);
      x10 = b0.fma(s0, x10);
      x11 = b1.fma(s0, x11);
      s0 = FloatVector.broadcast(SPECIES, a[a2 + p]);
      x20 = b0.fma(s0, x20);
      x21 = b1.fma(s0, x21);
      s0 = FloatVector.broadcast(SPECIES, a[a3 + p]);
      x30 = b0.fma(s0, x30);
      x31 = b1.fma(s0, x31);
      s0 = FloatVector.broadcast(SPECIES, a[a4 + p]);
      x40 = b0.fma(s0, x40);
      x41 = b1.fma(s0, x41);
      s0 = FloatVector.broadcast(SPECIES, a[a5 + p]);
      x50 = b0.fma(s0, x50);
      x51 = b1.fma(s0, x51);
      s0 = FloatVector.broadcast(SPECIES, a[a6 + p]);
      x60 = b0.fma(s0, x60);
      x61 = b1.fma(s0, x61);
      s0 = FloatVector.broadcast(SPECIES, a[a7 + p]);
      x70 = b0.fma(s0, x70);
      x71 = b1.fma(s0, x71);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + LANES);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + LANES);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + LANES);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + LANES);
    x40.intoArray(c, c4);
    x41.intoArray(c, c4 + LANES);
    x50.intoArray(c, c5);
    x51.intoArray(c, c5 + LANES);
    x60.intoArray(c, c6);
    x61.intoArray(c, c6 + LANES);
    x70.intoArray(c, c7);
    x71.intoArray(c, c7 + LANES);
  }

  /**
   * {@code dst[p * height + i] = a[src + i * lda + p]}: a tile's rows of A interleaved, for an even
   * height (12, 8, 6 or 4). Four rows (then two) per pass along k, each read as a stream: 0.37 ns
   * per float where one row per pass in 16-column blocks took 0.72 (12 rows, k = 256 and 64, one
   * thread), and reading down the columns of all the tile's rows, a power of two apart in the
   * backward products (lda = 1024), evicted each line before its next column.
   */
  private static void interleave(float[] a, int src, int lda, int height, int k, float[] dst) {
    int i = 0;
    for (; i + 4 <= height; i += 4) {
      int s0 = src + i * lda;
      int s1 = s0 + lda;
      int s2 = s1 + lda;
      int s3 = s2 + lda;
      for (int p = 0, d = i; p < k; p++, d += height) {
        dst[d] = a[s0 + p];
        dst[d + 1] = a[s1 + p];
        dst[d + 2] = a[s2 + p];
        dst[d + 3] = a[s3 + p];
      }
    }
    for (; i < height; i += 2) {
      int s0 = src + i * lda;
      int s1 = s0 + lda;
      for (int p = 0, d = i; p < k; p++, d += height) {
        dst[d] = a[s0 + p];
        dst[d + 1] = a[s1 + p];
      }
    }
  }

  /** The rows of a row block's tile: its twelves come first, then its eight, sixes and fours. */
  private static int tileHeight(int tile, int twelves, int eights, int sixes) {
    if (tile < twelves + eights) {
      return tile < twelves ? 12 : 8;
    }
    return tile < twelves + eights + sixes ? 6 : 4;
  }

  /**
   * Twelve rows of C (from {@code c0}) by one panel, as {@link #tile6}: 24 accumulators, for 32
   * vector registers.
   */
  private static void tile12(
      int k0, int k1, float[] a, float[] panel, boolean accumulate, float[] c, int c0, int ldc) {
    // x RR V: the accumulator of row RR, vector V.
    FloatVector zero = FloatVector.zero(SPECIES);
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    int c6 = c5 + ldc;
    int c7 = c6 + ldc;
    int c8 = c7 + ldc;
    int c9 = c8 + ldc;
    int c10 = c9 + ldc;
    int c11 = c10 + ldc;
    FloatVector x000 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
    FloatVector x001 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
    FloatVector x010 = accumulate ? FloatVector.fromArray(SPECIES, c, c1) : zero;
    FloatVector x011 = accumulate ? FloatVector.fromArray(SPECIES, c, c1 + LANES) : zero;
    FloatVector x020 = accumulate ? FloatVector.fromArray(SPECIES, c, c2) : zero;
    FloatVector x021 = accumulate ? FloatVector.fromArray(SPECIES, c, c2 + LANES) : zero;
    FloatVector x030 = accumulate ? FloatVector.fromArray(SPECIES, c, c3) : zero;
    FloatVector x031 = accumulate ? FloatVector.fromArray(SPECIES, c, c3 + LANES) : zero;
    FloatVector x040 = accumulate ? FloatVector.fromArray(SPECIES, c, c4) : zero;
    FloatVector x041 = accumulate ? FloatVector.fromArray(SPECIES, c, c4 + LANES) : zero;
    FloatVector x050 = accumulate ? FloatVector.fromArray(SPECIES, c, c5) : zero;
    FloatVector x051 = accumulate ? FloatVector.fromArray(SPECIES, c, c5 + LANES) : zero;
    FloatVector x060 = accumulate ? FloatVector.fromArray(SPECIES, c, c6) : zero;
    FloatVector x061 = accumulate ? FloatVector.fromArray(SPECIES, c, c6 + LANES) : zero;
    FloatVector x070 = accumulate ? FloatVector.fromArray(SPECIES, c, c7) : zero;
    FloatVector x071 = accumulate ? FloatVector.fromArray(SPECIES, c, c7 + LANES) : zero;
    FloatVector x080 = accumulate ? FloatVector.fromArray(SPECIES, c, c8) : zero;
    FloatVector x081 = accumulate ? FloatVector.fromArray(SPECIES, c, c8 + LANES) : zero;
    FloatVector x090 = accumulate ? FloatVector.fromArray(SPECIES, c, c9) : zero;
    FloatVector x091 = accumulate ? FloatVector.fromArray(SPECIES, c, c9 + LANES) : zero;
    FloatVector x100 = accumulate ? FloatVector.fromArray(SPECIES, c, c10) : zero;
    FloatVector x101 = accumulate ? FloatVector.fromArray(SPECIES, c, c10 + LANES) : zero;
    FloatVector x110 = accumulate ? FloatVector.fromArray(SPECIES, c, c11) : zero;
    FloatVector x111 = accumulate ? FloatVector.fromArray(SPECIES, c, c11 + LANES) : zero;
    for (int at = k0 * PANEL, ap = 12 * k0; ap < 12 * k1; at += PANEL, ap += 12) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, panel, at);
      FloatVector b1 = FloatVector.fromArray(SPECIES, panel, at + LANES);
      FloatVector s = FloatVector.broadcast(SPECIES, a[ap]);
      x000 = b0.fma(s, x000);
      x001 = b1.fma(s, x001);
      s = FloatVector.broadcast(SPECIES, a[ap + 1]);
      x010 = b0.fma(s, x010);
      x011 = b1.fma(s, x011);
      s = FloatVector.broadcast(SPECIES, a[ap + 2]);
      x020 = b0.fma(s, x020);
      x021 = b1.fma(s, x021);
      s = FloatVector.broadcast(SPECIES, a[ap + 3]);
      x030 = b0.fma(s, x030);
      x031 = b1.fma(s, x031);
      s = FloatVector.broadcast(SPECIES, a[ap + 4]);
      x040 = b0.fma(s, x040);
      x041 = b1.fma(s, x041);
      s = FloatVector.broadcast(SPECIES, a[ap + 5]);
      x050 = b0.fma(s, x050);
      x051 = b1.fma(s, x051);
      s = FloatVector.broadcast(SPECIES, a[ap + 6]);
      x060 = b0.fma(s, x060);
      x061 = b1.fma(s, x061);
      s = FloatVector.broadcast(SPECIES, a[ap + 7]);
      x070 = b0.fma(s, x070);
      x071 = b1.fma(s, x071);
      s = FloatVector.broadcast(SPECIES, a[ap + 8]);
      x080 = b0.fma(s, x080);
      x081 = b1.fma(s, x081);
      s = FloatVector.broadcast(SPECIES, a[ap + 9]);
      x090 = b0.fma(s, x090);
      x091 = b1.fma(s, x091);
      s = FloatVector.broadcast(SPECIES, a[ap + 10]);
      x100 = b0.fma(s, x100);
      x101 = b1.fma(s, x101);
      s = FloatVector.broadcast(SPECIES, a[ap + 11]);
      x110 = b0.fma(s, x110);
      x111 = b1.fma(s, x111);
    }
    x000.intoArray(c, c0);
    x001.intoArray(c, c0 + LANES);
    x010.intoArray(c, c1);
    x011.intoArray(c, c1 + LANES);
    x020.intoArray(c, c2);
    x021.intoArray(c, c2 + LANES);
    x030.intoArray(c, c3);
    x031.intoArray(c, c3 + LANES);
    x040.intoArray(c, c4);
    x041.intoArray(c, c4 + LANES);
    x050.intoArray(c, c5);
    x051.intoArray(c, c5 + LANES);
    x060.intoArray(c, c6);
    x061.intoArray(c, c6 + LANES);
    x070.intoArray(c, c7);
    x071.intoArray(c, c7 + LANES);
    x080.intoArray(c, c8);
    x081.intoArray(c, c8 + LANES);
    x090.intoArray(c, c9);
    x091.intoArray(c, c9 + LANES);
    x100.intoArray(c, c10);
    x101.intoArray(c, c10 + LANES);
    x110.intoArray(c, c11);
    x111.intoArray(c, c11 + LANES);
  }

  /**
   * Eight rows of C by one panel, as {@link #tile6}: 16 accumulators, for 32 vector registers (a
   * block's last 8 or 9 rows would otherwise be two 4-row tiles, each reading the panel, or a 6-row
   * tile and three single rows).
   */
  private static void tile8(
      int k0, int k1, float[] a, float[] panel, boolean accumulate, float[] c, int c0, int ldc) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    int c6 = c5 + ldc;
    int c7 = c6 + ldc;
    FloatVector x00 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
    FloatVector x01 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
    FloatVector x10 = accumulate ? FloatVector.fromArray(SPECIES, c, c1) : zero;
    FloatVector x11 = accumulate ? FloatVector.fromArray(SPECIES, c, c1 + LANES) : zero;
    FloatVector x20 = accumulate ? FloatVector.fromArray(SPECIES, c, c2) : zero;
    FloatVector x21 = accumulate ? FloatVector.fromArray(SPECIES, c, c2 + LANES) : zero;
    FloatVector x30 = accumulate ? FloatVector.fromArray(SPECIES, c, c3) : zero;
    FloatVector x31 = accumulate ? FloatVector.fromArray(SPECIES, c, c3 + LANES) : zero;
    FloatVector x40 = accumulate ? FloatVector.fromArray(SPECIES, c, c4) : zero;
    FloatVector x41 = accumulate ? FloatVector.fromArray(SPECIES, c, c4 + LANES) : zero;
    FloatVector x50 = accumulate ? FloatVector.fromArray(SPECIES, c, c5) : zero;
    FloatVector x51 = accumulate ? FloatVector.fromArray(SPECIES, c, c5 + LANES) : zero;
    FloatVector x60 = accumulate ? FloatVector.fromArray(SPECIES, c, c6) : zero;
    FloatVector x61 = accumulate ? FloatVector.fromArray(SPECIES, c, c6 + LANES) : zero;
    FloatVector x70 = accumulate ? FloatVector.fromArray(SPECIES, c, c7) : zero;
    FloatVector x71 = accumulate ? FloatVector.fromArray(SPECIES, c, c7 + LANES) : zero;
    for (int at = k0 * PANEL, ap = 8 * k0; ap < 8 * k1; at += PANEL, ap += 8) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, panel, at);
      FloatVector b1 = FloatVector.fromArray(SPECIES, panel, at + LANES);
      FloatVector s = FloatVector.broadcast(SPECIES, a[ap]);
      x00 = b0.fma(s, x00);
      x01 = b1.fma(s, x01);
      s = FloatVector.broadcast(SPECIES, a[ap + 1]);
      x10 = b0.fma(s, x10);
      x11 = b1.fma(s, x11);
      s = FloatVector.broadcast(SPECIES, a[ap + 2]);
      x20 = b0.fma(s, x20);
      x21 = b1.fma(s, x21);
      s = FloatVector.broadcast(SPECIES, a[ap + 3]);
      x30 = b0.fma(s, x30);
      x31 = b1.fma(s, x31);
      s = FloatVector.broadcast(SPECIES, a[ap + 4]);
      x40 = b0.fma(s, x40);
      x41 = b1.fma(s, x41);
      s = FloatVector.broadcast(SPECIES, a[ap + 5]);
      x50 = b0.fma(s, x50);
      x51 = b1.fma(s, x51);
      s = FloatVector.broadcast(SPECIES, a[ap + 6]);
      x60 = b0.fma(s, x60);
      x61 = b1.fma(s, x61);
      s = FloatVector.broadcast(SPECIES, a[ap + 7]);
      x70 = b0.fma(s, x70);
      x71 = b1.fma(s, x71);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + LANES);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + LANES);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + LANES);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + LANES);
    x40.intoArray(c, c4);
    x41.intoArray(c, c4 + LANES);
    x50.intoArray(c, c5);
    x51.intoArray(c, c5 + LANES);
    x60.intoArray(c, c6);
    x61.intoArray(c, c6 + LANES);
    x70.intoArray(c, c7);
    x71.intoArray(c, c7 + LANES);
  }

  /**
   * Six rows of C (from {@code c0}) by one panel's rows {@code [k0, k1)}: 12 accumulators, the
   * panel read once; A's six rows interleaved in {@code a}, column p at {@code 6 * p}.
   */
  private static void tile6(
      int k0, int k1, float[] a, float[] panel, boolean accumulate, float[] c, int c0, int ldc) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    int c4 = c3 + ldc;
    int c5 = c4 + ldc;
    FloatVector x00 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
    FloatVector x01 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
    FloatVector x10 = accumulate ? FloatVector.fromArray(SPECIES, c, c1) : zero;
    FloatVector x11 = accumulate ? FloatVector.fromArray(SPECIES, c, c1 + LANES) : zero;
    FloatVector x20 = accumulate ? FloatVector.fromArray(SPECIES, c, c2) : zero;
    FloatVector x21 = accumulate ? FloatVector.fromArray(SPECIES, c, c2 + LANES) : zero;
    FloatVector x30 = accumulate ? FloatVector.fromArray(SPECIES, c, c3) : zero;
    FloatVector x31 = accumulate ? FloatVector.fromArray(SPECIES, c, c3 + LANES) : zero;
    FloatVector x40 = accumulate ? FloatVector.fromArray(SPECIES, c, c4) : zero;
    FloatVector x41 = accumulate ? FloatVector.fromArray(SPECIES, c, c4 + LANES) : zero;
    FloatVector x50 = accumulate ? FloatVector.fromArray(SPECIES, c, c5) : zero;
    FloatVector x51 = accumulate ? FloatVector.fromArray(SPECIES, c, c5 + LANES) : zero;
    // A's index as the loop's counter: C2 then hoists A's range checks (6 * p, which it turns into
    // shifts and adds, kept them in the loop): 1.035x (KernelAb, 60 rounds).
    for (int at = k0 * PANEL, ap = 6 * k0; ap < 6 * k1; at += PANEL, ap += 6) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, panel, at);
      FloatVector b1 = FloatVector.fromArray(SPECIES, panel, at + LANES);
      FloatVector s = FloatVector.broadcast(SPECIES, a[ap]);
      x00 = b0.fma(s, x00);
      x01 = b1.fma(s, x01);
      s = FloatVector.broadcast(SPECIES, a[ap + 1]);
      x10 = b0.fma(s, x10);
      x11 = b1.fma(s, x11);
      s = FloatVector.broadcast(SPECIES, a[ap + 2]);
      x20 = b0.fma(s, x20);
      x21 = b1.fma(s, x21);
      s = FloatVector.broadcast(SPECIES, a[ap + 3]);
      x30 = b0.fma(s, x30);
      x31 = b1.fma(s, x31);
      s = FloatVector.broadcast(SPECIES, a[ap + 4]);
      x40 = b0.fma(s, x40);
      x41 = b1.fma(s, x41);
      s = FloatVector.broadcast(SPECIES, a[ap + 5]);
      x50 = b0.fma(s, x50);
      x51 = b1.fma(s, x51);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + LANES);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + LANES);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + LANES);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + LANES);
    x40.intoArray(c, c4);
    x41.intoArray(c, c4 + LANES);
    x50.intoArray(c, c5);
    x51.intoArray(c, c5 + LANES);
  }

  /** Four rows of C by one panel, as {@link #tile6}. */
  private static void tile4(
      int k0, int k1, float[] a, float[] panel, boolean accumulate, float[] c, int c0, int ldc) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector x00 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
    FloatVector x01 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
    FloatVector x10 = accumulate ? FloatVector.fromArray(SPECIES, c, c1) : zero;
    FloatVector x11 = accumulate ? FloatVector.fromArray(SPECIES, c, c1 + LANES) : zero;
    FloatVector x20 = accumulate ? FloatVector.fromArray(SPECIES, c, c2) : zero;
    FloatVector x21 = accumulate ? FloatVector.fromArray(SPECIES, c, c2 + LANES) : zero;
    FloatVector x30 = accumulate ? FloatVector.fromArray(SPECIES, c, c3) : zero;
    FloatVector x31 = accumulate ? FloatVector.fromArray(SPECIES, c, c3 + LANES) : zero;
    for (int p = k0; p < k1; p++) {
      int at = p * PANEL;
      int ap = 4 * p;
      FloatVector b0 = FloatVector.fromArray(SPECIES, panel, at);
      FloatVector b1 = FloatVector.fromArray(SPECIES, panel, at + LANES);
      FloatVector s = FloatVector.broadcast(SPECIES, a[ap]);
      x00 = b0.fma(s, x00);
      x01 = b1.fma(s, x01);
      s = FloatVector.broadcast(SPECIES, a[ap + 1]);
      x10 = b0.fma(s, x10);
      x11 = b1.fma(s, x11);
      s = FloatVector.broadcast(SPECIES, a[ap + 2]);
      x20 = b0.fma(s, x20);
      x21 = b1.fma(s, x21);
      s = FloatVector.broadcast(SPECIES, a[ap + 3]);
      x30 = b0.fma(s, x30);
      x31 = b1.fma(s, x31);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + LANES);
    x10.intoArray(c, c1);
    x11.intoArray(c, c1 + LANES);
    x20.intoArray(c, c2);
    x21.intoArray(c, c2 + LANES);
    x30.intoArray(c, c3);
    x31.intoArray(c, c3 + LANES);
  }

  /**
   * One row of C over the first {@code full} panels: four panels at a time (8 independent
   * accumulators, enough to hide the fused multiply-add's latency in this matrix-vector product),
   * then one.
   */
  private static void row(
      int full, int k, float[] a, int ar, float[][] b, boolean accumulate, float[] c, int cr) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int q = 0;
    for (; q + 4 <= full; q += 4) {
      float[] p0 = b[q];
      float[] p1 = b[q + 1];
      float[] p2 = b[q + 2];
      float[] p3 = b[q + 3];
      int c0 = cr + q * PANEL;
      FloatVector x0 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
      FloatVector x1 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
      FloatVector x2 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 2 * LANES) : zero;
      FloatVector x3 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 3 * LANES) : zero;
      FloatVector x4 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 4 * LANES) : zero;
      FloatVector x5 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 5 * LANES) : zero;
      FloatVector x6 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 6 * LANES) : zero;
      FloatVector x7 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + 7 * LANES) : zero;
      for (int p = 0; p < k; p++) {
        int at = p * PANEL;
        FloatVector s = FloatVector.broadcast(SPECIES, a[ar + p]);
        x0 = FloatVector.fromArray(SPECIES, p0, at).fma(s, x0);
        x1 = FloatVector.fromArray(SPECIES, p0, at + LANES).fma(s, x1);
        x2 = FloatVector.fromArray(SPECIES, p1, at).fma(s, x2);
        x3 = FloatVector.fromArray(SPECIES, p1, at + LANES).fma(s, x3);
        x4 = FloatVector.fromArray(SPECIES, p2, at).fma(s, x4);
        x5 = FloatVector.fromArray(SPECIES, p2, at + LANES).fma(s, x5);
        x6 = FloatVector.fromArray(SPECIES, p3, at).fma(s, x6);
        x7 = FloatVector.fromArray(SPECIES, p3, at + LANES).fma(s, x7);
      }
      x0.intoArray(c, c0);
      x1.intoArray(c, c0 + LANES);
      x2.intoArray(c, c0 + 2 * LANES);
      x3.intoArray(c, c0 + 3 * LANES);
      x4.intoArray(c, c0 + 4 * LANES);
      x5.intoArray(c, c0 + 5 * LANES);
      x6.intoArray(c, c0 + 6 * LANES);
      x7.intoArray(c, c0 + 7 * LANES);
    }
    for (; q < full; q++) {
      float[] p0 = b[q];
      int c0 = cr + q * PANEL;
      FloatVector x0 = accumulate ? FloatVector.fromArray(SPECIES, c, c0) : zero;
      FloatVector x1 = accumulate ? FloatVector.fromArray(SPECIES, c, c0 + LANES) : zero;
      for (int p = 0; p < k; p++) {
        FloatVector s = FloatVector.broadcast(SPECIES, a[ar + p]);
        x0 = FloatVector.fromArray(SPECIES, p0, p * PANEL).fma(s, x0);
        x1 = FloatVector.fromArray(SPECIES, p0, p * PANEL + LANES).fma(s, x1);
      }
      x0.intoArray(c, c0);
      x1.intoArray(c, c0 + LANES);
    }
  }

  /**
   * As {@link CpuMath#addTransposedProduct}, for float32. C is cut into blocks of rows that stay in
   * L2 while the sum over r runs through them in chunks of {@link #CHUNK} rows; each chunk of A's
   * columns is transposed first, 12 or 6 columns interleaved, so that a register tile (that many
   * rows of C x 2 vectors) reads A as one sequential stream; a tile sums its chunk's products in r
   * order from zero, then adds them to C, as the plain path does.
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
    int unit = TALL_TILES ? 12 : 6;
    int block = Math.max(unit, GRAD_BLOCK_FLOATS / Math.max(1, n) / unit * unit);
    int full = n / PANEL;
    // A's 12 or 6 columns of each tile (or single column) transposed, and each panel of B, in
    // arrays of their own: the tiles' loops then index both from 0, which C2 compiles to tighter
    // code.
    float[][] at = FloatMath.scratchRows(TRANSPOSED, Math.min(p, block), unit * CHUNK);
    float[][] panels = FloatMath.scratchRows(GRAD_PANELS, full, PANEL * CHUNK);
    for (int q0 = 0; q0 < p; q0 += block) {
      int q1 = Math.min(p, q0 + block);
      int twelves = TALL_TILES ? (q1 - q0) / 12 : 0;
      int twelve = q0 + 12 * twelves;
      int sixes = (q1 - twelve) / 6;
      int six = twelve + 6 * sixes;
      int tiles = twelves + sixes;
      for (int r0 = 0; r0 < m; r0 += CHUNK) {
        int rows = Math.min(CHUNK, m - r0);
        int br = bOff + r0 * ldb;
        // The chunk of B in panels (each rows x PANEL, contiguous) and of A's columns q0..q1
        // transposed, each tile's columns interleaved: each tile then reads two sequential
        // streams.
        for (int i = 0; i < rows; i++) {
          for (int jp = 0; jp < full; jp++) {
            System.arraycopy(b, br + i * ldb + jp * PANEL, panels[jp], i * PANEL, PANEL);
          }
          int ar = aOff + (r0 + i) * lda;
          for (int g = 0; g < twelves; g++) {
            System.arraycopy(a, ar + q0 + 12 * g, at[g], 12 * i, 12);
          }
          for (int g = 0; g < sixes; g++) {
            System.arraycopy(a, ar + twelve + 6 * g, at[twelves + g], 6 * i, 6);
          }
          for (int q = six; q < q1; q++) {
            at[tiles + q - six][i] = a[ar + q];
          }
        }
        for (int g = 0; g < twelves; g++) {
          gradTile12(at[g], rows, panels, full, b, br, ldb, c, q0 + 12 * g, n);
        }
        for (int g = 0; g < sixes; g++) {
          gradTile6(at[twelves + g], rows, panels, full, b, br, ldb, c, twelve + 6 * g, n);
        }
        for (int q = six; q < q1; q++) {
          gradRow(at[tiles + q - six], rows, b, br, ldb, c[q], n);
        }
      }
    }
  }

  /**
   * Rows q..q+11 of C over one chunk of {@code rows} rows of B, as {@link #gradTile6}: 12 x 2
   * vectors from B's panels (24 accumulators, for 32 vector registers), then the rest in halves of
   * six.
   */
  private static void gradTile12(
      float[] at,
      int rows,
      float[][] panels,
      int full,
      float[] b,
      int br,
      int ldb,
      float[][] c,
      int q,
      int n) {
    // x RR V: the sum of row RR, vector V.
    int j = 0;
    for (int jp = 0; jp < full; jp++, j += PANEL) {
      FloatVector x000 = FloatVector.zero(SPECIES);
      FloatVector x001 = x000;
      FloatVector x010 = x000;
      FloatVector x011 = x000;
      FloatVector x020 = x000;
      FloatVector x021 = x000;
      FloatVector x030 = x000;
      FloatVector x031 = x000;
      FloatVector x040 = x000;
      FloatVector x041 = x000;
      FloatVector x050 = x000;
      FloatVector x051 = x000;
      FloatVector x060 = x000;
      FloatVector x061 = x000;
      FloatVector x070 = x000;
      FloatVector x071 = x000;
      FloatVector x080 = x000;
      FloatVector x081 = x000;
      FloatVector x090 = x000;
      FloatVector x091 = x000;
      FloatVector x100 = x000;
      FloatVector x101 = x000;
      FloatVector x110 = x000;
      FloatVector x111 = x000;
      float[] panel = panels[jp];
      for (int i = 0; i < rows; i++) {
        int bi = i * PANEL;
        int ai = 12 * i;
        FloatVector b0 = FloatVector.fromArray(SPECIES, panel, bi);
        FloatVector b1 = FloatVector.fromArray(SPECIES, panel, bi + LANES);
        FloatVector s = FloatVector.broadcast(SPECIES, at[ai]);
        x000 = b0.fma(s, x000);
        x001 = b1.fma(s, x001);
        s = FloatVector.broadcast(SPECIES, at[ai + 1]);
        x010 = b0.fma(s, x010);
        x011 = b1.fma(s, x011);
        s = FloatVector.broadcast(SPECIES, at[ai + 2]);
        x020 = b0.fma(s, x020);
        x021 = b1.fma(s, x021);
        s = FloatVector.broadcast(SPECIES, at[ai + 3]);
        x030 = b0.fma(s, x030);
        x031 = b1.fma(s, x031);
        s = FloatVector.broadcast(SPECIES, at[ai + 4]);
        x040 = b0.fma(s, x040);
        x041 = b1.fma(s, x041);
        s = FloatVector.broadcast(SPECIES, at[ai + 5]);
        x050 = b0.fma(s, x050);
        x051 = b1.fma(s, x051);
        s = FloatVector.broadcast(SPECIES, at[ai + 6]);
        x060 = b0.fma(s, x060);
        x061 = b1.fma(s, x061);
        s = FloatVector.broadcast(SPECIES, at[ai + 7]);
        x070 = b0.fma(s, x070);
        x071 = b1.fma(s, x071);
        s = FloatVector.broadcast(SPECIES, at[ai + 8]);
        x080 = b0.fma(s, x080);
        x081 = b1.fma(s, x081);
        s = FloatVector.broadcast(SPECIES, at[ai + 9]);
        x090 = b0.fma(s, x090);
        x091 = b1.fma(s, x091);
        s = FloatVector.broadcast(SPECIES, at[ai + 10]);
        x100 = b0.fma(s, x100);
        x101 = b1.fma(s, x101);
        s = FloatVector.broadcast(SPECIES, at[ai + 11]);
        x110 = b0.fma(s, x110);
        x111 = b1.fma(s, x111);
      }
      float[] y00 = c[q + 0];
      FloatVector.fromArray(SPECIES, y00, j).add(x000).intoArray(y00, j);
      FloatVector.fromArray(SPECIES, y00, j + LANES).add(x001).intoArray(y00, j + LANES);
      float[] y01 = c[q + 1];
      FloatVector.fromArray(SPECIES, y01, j).add(x010).intoArray(y01, j);
      FloatVector.fromArray(SPECIES, y01, j + LANES).add(x011).intoArray(y01, j + LANES);
      float[] y02 = c[q + 2];
      FloatVector.fromArray(SPECIES, y02, j).add(x020).intoArray(y02, j);
      FloatVector.fromArray(SPECIES, y02, j + LANES).add(x021).intoArray(y02, j + LANES);
      float[] y03 = c[q + 3];
      FloatVector.fromArray(SPECIES, y03, j).add(x030).intoArray(y03, j);
      FloatVector.fromArray(SPECIES, y03, j + LANES).add(x031).intoArray(y03, j + LANES);
      float[] y04 = c[q + 4];
      FloatVector.fromArray(SPECIES, y04, j).add(x040).intoArray(y04, j);
      FloatVector.fromArray(SPECIES, y04, j + LANES).add(x041).intoArray(y04, j + LANES);
      float[] y05 = c[q + 5];
      FloatVector.fromArray(SPECIES, y05, j).add(x050).intoArray(y05, j);
      FloatVector.fromArray(SPECIES, y05, j + LANES).add(x051).intoArray(y05, j + LANES);
      float[] y06 = c[q + 6];
      FloatVector.fromArray(SPECIES, y06, j).add(x060).intoArray(y06, j);
      FloatVector.fromArray(SPECIES, y06, j + LANES).add(x061).intoArray(y06, j + LANES);
      float[] y07 = c[q + 7];
      FloatVector.fromArray(SPECIES, y07, j).add(x070).intoArray(y07, j);
      FloatVector.fromArray(SPECIES, y07, j + LANES).add(x071).intoArray(y07, j + LANES);
      float[] y08 = c[q + 8];
      FloatVector.fromArray(SPECIES, y08, j).add(x080).intoArray(y08, j);
      FloatVector.fromArray(SPECIES, y08, j + LANES).add(x081).intoArray(y08, j + LANES);
      float[] y09 = c[q + 9];
      FloatVector.fromArray(SPECIES, y09, j).add(x090).intoArray(y09, j);
      FloatVector.fromArray(SPECIES, y09, j + LANES).add(x091).intoArray(y09, j + LANES);
      float[] y10 = c[q + 10];
      FloatVector.fromArray(SPECIES, y10, j).add(x100).intoArray(y10, j);
      FloatVector.fromArray(SPECIES, y10, j + LANES).add(x101).intoArray(y10, j + LANES);
      float[] y11 = c[q + 11];
      FloatVector.fromArray(SPECIES, y11, j).add(x110).intoArray(y11, j);
      FloatVector.fromArray(SPECIES, y11, j + LANES).add(x111).intoArray(y11, j + LANES);
    }
    gradTail(at, 12, 0, rows, b, br, ldb, c, q, j, n);
    gradTail(at, 12, 6, rows, b, br, ldb, c, q + 6, j, n);
  }

  /**
   * Rows q..q+5 of C over one chunk of {@code rows} rows of B: 6 x 2 vectors from B's {@code full}
   * panels, then 6 x 1 and single columns from B itself.
   */
  private static void gradTile6(
      float[] at,
      int rows,
      float[][] panels,
      int full,
      float[] b,
      int br,
      int ldb,
      float[][] c,
      int q,
      int n) {
    float[] y0 = c[q];
    float[] y1 = c[q + 1];
    float[] y2 = c[q + 2];
    float[] y3 = c[q + 3];
    float[] y4 = c[q + 4];
    float[] y5 = c[q + 5];
    int j = 0;
    for (int jp = 0; jp < full; jp++, j += PANEL) {
      FloatVector x00 = FloatVector.zero(SPECIES);
      FloatVector x01 = x00;
      FloatVector x10 = x00;
      FloatVector x11 = x00;
      FloatVector x20 = x00;
      FloatVector x21 = x00;
      FloatVector x30 = x00;
      FloatVector x31 = x00;
      FloatVector x40 = x00;
      FloatVector x41 = x00;
      FloatVector x50 = x00;
      FloatVector x51 = x00;
      float[] panel = panels[jp];
      for (int i = 0; i < rows; i++) {
        int bi = i * PANEL;
        int ai = 6 * i;
        FloatVector b0 = FloatVector.fromArray(SPECIES, panel, bi);
        FloatVector b1 = FloatVector.fromArray(SPECIES, panel, bi + LANES);
        FloatVector s = FloatVector.broadcast(SPECIES, at[ai]);
        x00 = b0.fma(s, x00);
        x01 = b1.fma(s, x01);
        s = FloatVector.broadcast(SPECIES, at[ai + 1]);
        x10 = b0.fma(s, x10);
        x11 = b1.fma(s, x11);
        s = FloatVector.broadcast(SPECIES, at[ai + 2]);
        x20 = b0.fma(s, x20);
        x21 = b1.fma(s, x21);
        s = FloatVector.broadcast(SPECIES, at[ai + 3]);
        x30 = b0.fma(s, x30);
        x31 = b1.fma(s, x31);
        s = FloatVector.broadcast(SPECIES, at[ai + 4]);
        x40 = b0.fma(s, x40);
        x41 = b1.fma(s, x41);
        s = FloatVector.broadcast(SPECIES, at[ai + 5]);
        x50 = b0.fma(s, x50);
        x51 = b1.fma(s, x51);
      }
      FloatVector.fromArray(SPECIES, y0, j).add(x00).intoArray(y0, j);
      FloatVector.fromArray(SPECIES, y0, j + LANES).add(x01).intoArray(y0, j + LANES);
      FloatVector.fromArray(SPECIES, y1, j).add(x10).intoArray(y1, j);
      FloatVector.fromArray(SPECIES, y1, j + LANES).add(x11).intoArray(y1, j + LANES);
      FloatVector.fromArray(SPECIES, y2, j).add(x20).intoArray(y2, j);
      FloatVector.fromArray(SPECIES, y2, j + LANES).add(x21).intoArray(y2, j + LANES);
      FloatVector.fromArray(SPECIES, y3, j).add(x30).intoArray(y3, j);
      FloatVector.fromArray(SPECIES, y3, j + LANES).add(x31).intoArray(y3, j + LANES);
      FloatVector.fromArray(SPECIES, y4, j).add(x40).intoArray(y4, j);
      FloatVector.fromArray(SPECIES, y4, j + LANES).add(x41).intoArray(y4, j + LANES);
      FloatVector.fromArray(SPECIES, y5, j).add(x50).intoArray(y5, j);
      FloatVector.fromArray(SPECIES, y5, j + LANES).add(x51).intoArray(y5, j + LANES);
    }
    gradTail(at, 6, 0, rows, b, br, ldb, c, q, j, n);
  }

  /**
   * Rows q..q+5 of C past the panels (columns {@code j0} on): 6 x 1 vectors, then single columns;
   * the tile's A columns u0..u0+5 of {@code stride} interleaved in {@code at}.
   */
  private static void gradTail(
      float[] at,
      int stride,
      int u0,
      int rows,
      float[] b,
      int br,
      int ldb,
      float[][] c,
      int q,
      int j0,
      int n) {
    float[] y0 = c[q];
    float[] y1 = c[q + 1];
    float[] y2 = c[q + 2];
    float[] y3 = c[q + 3];
    float[] y4 = c[q + 4];
    float[] y5 = c[q + 5];
    int j = j0;
    for (; j + LANES <= n; j += LANES) {
      FloatVector x0 = FloatVector.zero(SPECIES);
      FloatVector x1 = x0;
      FloatVector x2 = x0;
      FloatVector x3 = x0;
      FloatVector x4 = x0;
      FloatVector x5 = x0;
      for (int i = 0; i < rows; i++) {
        FloatVector v = FloatVector.fromArray(SPECIES, b, br + i * ldb + j);
        int ai = stride * i + u0;
        x0 = v.fma(FloatVector.broadcast(SPECIES, at[ai]), x0);
        x1 = v.fma(FloatVector.broadcast(SPECIES, at[ai + 1]), x1);
        x2 = v.fma(FloatVector.broadcast(SPECIES, at[ai + 2]), x2);
        x3 = v.fma(FloatVector.broadcast(SPECIES, at[ai + 3]), x3);
        x4 = v.fma(FloatVector.broadcast(SPECIES, at[ai + 4]), x4);
        x5 = v.fma(FloatVector.broadcast(SPECIES, at[ai + 5]), x5);
      }
      FloatVector.fromArray(SPECIES, y0, j).add(x0).intoArray(y0, j);
      FloatVector.fromArray(SPECIES, y1, j).add(x1).intoArray(y1, j);
      FloatVector.fromArray(SPECIES, y2, j).add(x2).intoArray(y2, j);
      FloatVector.fromArray(SPECIES, y3, j).add(x3).intoArray(y3, j);
      FloatVector.fromArray(SPECIES, y4, j).add(x4).intoArray(y4, j);
      FloatVector.fromArray(SPECIES, y5, j).add(x5).intoArray(y5, j);
    }
    for (; j < n; j++) {
      for (int u = 0; u < 6; u++) {
        float sum = 0f;
        for (int i = 0; i < rows; i++) {
          sum = Math.fma(at[stride * i + u0 + u], b[br + i * ldb + j], sum);
        }
        c[q + u][j] += sum;
      }
    }
  }

  /** One row of C over one chunk, A's column at {@code at[0..rows)}. */
  private static void gradRow(float[] at, int rows, float[] b, int br, int ldb, float[] y, int n) {
    int j = 0;
    for (; j + LANES <= n; j += LANES) {
      FloatVector x = FloatVector.zero(SPECIES);
      for (int i = 0; i < rows; i++) {
        x =
            FloatVector.fromArray(SPECIES, b, br + i * ldb + j)
                .fma(FloatVector.broadcast(SPECIES, at[i]), x);
      }
      FloatVector.fromArray(SPECIES, y, j).add(x).intoArray(y, j);
    }
    for (; j < n; j++) {
      float sum = 0f;
      for (int i = 0; i < rows; i++) {
        sum = Math.fma(at[i], b[br + i * ldb + j], sum);
      }
      y[j] += sum;
    }
  }

  /**
   * The vector part of {@link FloatMath#lstmCell}: columns {@code [0, end)} of every row, the same
   * operations as the scalar loop lane by lane; returns {@code end}, where the scalar loop takes
   * over.
   *
   * <p>The work is a row of passes over arrays, with the exponentials gathered into two passes: C2
   * stops inlining a method's callees beyond a node count, and a vector that crosses a call it did
   * not inline is boxed, which made the cell (five exp-based functions inlined per loop) ten times
   * slower than its arithmetic.
   */
  static int lstmCell(
      int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] c, float[] hOut) {
    int end = hidden - hidden % LANES;
    int gh = 4 * hidden;
    // Per row, four gates' arguments and tanh(c)'s: 5 x end floats.
    int group = cellGroup(rows, 5 * end);
    float[] t = FloatMath.scratch(CELL, group * 5 * end);
    for (int r0 = 0; r0 < rows; r0 += group) {
      int r1 = Math.min(rows, r0 + group);
      int tanhAt = (r1 - r0) * 4 * end;
      // exp's arguments: -v for the sigmoid gates (i, f, o), 2|v| for the tanh gate (g), whose
      // pre-activation v stays in xp for tanh's series and sign.
      for (int r = r0, u = 0; r < r1; r++, u += 4 * end) {
        int x = xpOff + r * gh;
        int g = r * gh;
        negatedSums(xp, x, gates, g, t, u, end);
        negatedSums(xp, x + hidden, gates, g + hidden, t, u + end, end);
        tanhArguments(xp, x + 2 * hidden, gates, g + 2 * hidden, t, u + 2 * end, end);
        negatedSums(xp, x + 3 * hidden, gates, g + 3 * hidden, t, u + 3 * end, end);
      }
      expInPlace(t, 0, tanhAt);
      // The activations into xp; c = f * c + i * g, and tanh(c)'s argument 2|c| after the gates'.
      for (int r = r0, u = 0; r < r1; r++, u += 4 * end) {
        int x = xpOff + r * gh;
        sigmoids(t, u, xp, x, end);
        sigmoids(t, u + end, xp, x + hidden, end);
        tanhs(xp, x + 2 * hidden, t, u + 2 * end, xp, x + 2 * hidden, end);
        sigmoids(t, u + 3 * end, xp, x + 3 * hidden, end);
        cellUpdate(xp, x, hidden, c, r * hidden, t, tanhAt + (r - r0) * end, end);
      }
      expInPlace(t, tanhAt, tanhAt + (r1 - r0) * end);
      // h = o * tanh(c).
      for (int r = r0; r < r1; r++) {
        int s = r * hidden;
        tanhs(c, s, t, tanhAt + (r - r0) * end, hOut, s, end);
        multiplyInPlace(xp, xpOff + r * gh + 3 * hidden, hOut, s, end);
      }
    }
    return end;
  }

  /**
   * Rows per group of a cell's passes: each exp pass covers a group's rows at once (a pass per row
   * cost small hidden sizes a loop's entry and exit every few vectors), and the group's arguments,
   * {@code perRow} floats a row, stay within {@link #CELL_GROUP_FLOATS} (one row at least).
   */
  private static int cellGroup(int rows, int perRow) {
    return Math.max(1, Math.min(rows, CELL_GROUP_FLOATS / Math.max(1, perRow)));
  }

  /** The vector part of {@link FloatMath#rnnCell}, as {@link #lstmCell}. */
  static int rnnCell(
      boolean relu, int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int end = hidden - hidden % LANES;
    if (relu) {
      for (int r = 0; r < rows; r++) {
        int s = r * hidden;
        relus(xp, xpOff + s, gates, s, h, s, end);
      }
      return end;
    }
    // Per row, exp's argument 2|v| and v = xp + gates (xp stays as it is): 2 x end floats.
    int group = cellGroup(rows, 2 * end);
    float[] t = FloatMath.scratch(CELL, group * 2 * end);
    for (int r0 = 0; r0 < rows; r0 += group) {
      int r1 = Math.min(rows, r0 + group);
      int sumsAt = (r1 - r0) * end;
      for (int r = r0; r < r1; r++) {
        int s = r * hidden;
        int u = (r - r0) * end;
        sumsAndArguments(xp, xpOff + s, gates, s, t, sumsAt + u, u, end);
      }
      expInPlace(t, 0, sumsAt);
      for (int r = r0; r < r1; r++) {
        int u = (r - r0) * end;
        tanhs(t, sumsAt + u, t, u, h, r * hidden, end);
      }
    }
    return end;
  }

  /** {@code t[vAt + j] = v = xp + gates} and {@code t[argAt + j] = 2|v|}. */
  private static void sumsAndArguments(
      float[] xp, int x, float[] gates, int g, float[] t, int vAt, int argAt, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector v =
          FloatVector.fromArray(SPECIES, xp, x + j)
              .add(FloatVector.fromArray(SPECIES, gates, g + j));
      v.intoArray(t, vAt + j);
      v.abs().mul(2f).intoArray(t, argAt + j);
    }
  }

  /** {@code out = v > 0 ? v : 0} of {@code v = xp + gates}, NaN to 0 as the scalar loop does. */
  private static void relus(float[] xp, int x, float[] gates, int g, float[] out, int o, int end) {
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int j = 0; j < end; j += LANES) {
      FloatVector v =
          FloatVector.fromArray(SPECIES, xp, x + j)
              .add(FloatVector.fromArray(SPECIES, gates, g + j));
      zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(out, o + j);
    }
  }

  /** The vector part of {@link FloatMath#gruCell}, as {@link #lstmCell}. */
  static int gruCell(int rows, int hidden, float[] xp, int xpOff, float[] gates, float[] h) {
    int end = hidden - hidden % LANES;
    int gh = 3 * hidden;
    // Per row, the reset and update gates' arguments, then the new gate's: 3 x end floats.
    int group = cellGroup(rows, 3 * end);
    float[] t = FloatMath.scratch(CELL, group * 3 * end);
    for (int r0 = 0; r0 < rows; r0 += group) {
      int r1 = Math.min(rows, r0 + group);
      int newAt = (r1 - r0) * 2 * end;
      for (int r = r0, u = 0; r < r1; r++, u += 2 * end) {
        int x = xpOff + r * gh;
        int g = r * gh;
        negatedSums(xp, x, gates, g, t, u, end);
        negatedSums(xp, x + hidden, gates, g + hidden, t, u + end, end);
      }
      expInPlace(t, 0, newAt);
      // n = tanh(xp_n + r * (W_hn h + b_hn)), then h = n + z * (h - n).
      for (int r = r0, u = 0; r < r1; r++, u += 2 * end) {
        int x = xpOff + r * gh;
        sigmoids(t, u, xp, x, end);
        sigmoids(t, u + end, xp, x + hidden, end);
        resetArguments(xp, x, hidden, gates, r * gh + 2 * hidden, t, newAt + (r - r0) * end, end);
      }
      expInPlace(t, newAt, newAt + (r1 - r0) * end);
      for (int r = r0; r < r1; r++) {
        int x = xpOff + r * gh;
        tanhs(xp, x + 2 * hidden, t, newAt + (r - r0) * end, xp, x + 2 * hidden, end);
        gruUpdate(xp, x, hidden, h, r * hidden, end);
      }
    }
    return end;
  }

  /**
   * The vector part of {@link FloatMath#lstmCellBackward}, as {@link #lstmCell}: tanh(c) in two
   * passes, then the gradients with the scalar loop's operations in its order.
   */
  static int lstmCellBackward(
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
    int end = hidden - hidden % LANES;
    int gh = 4 * hidden;
    // Per row, tanh(c)'s argument and then tanh(c): 2 x end floats.
    int group = cellGroup(rows, 2 * end);
    float[] t = FloatMath.scratch(CELL, group * 2 * end);
    for (int r0 = 0; r0 < rows; r0 += group) {
      int r1 = Math.min(rows, r0 + group);
      int tanhAt = (r1 - r0) * end;
      for (int r = r0; r < r1; r++) {
        doubledAbs(c, cOff + r * hidden, t, (r - r0) * end, end);
      }
      expInPlace(t, 0, tanhAt);
      for (int r = r0; r < r1; r++) {
        int s = r * hidden;
        int u = tanhAt + (r - r0) * end;
        tanhs(c, cOff + s, t, (r - r0) * end, t, u, end);
        lstmGradients(
            act, actOff + r * gh, hidden, t, u, cPrev, dOut, dc, s, dA, dAOff + r * gh, end);
      }
    }
    return end;
  }

  /** {@code t[at + j] = 2|v|}: tanh's exp argument. */
  private static void doubledAbs(float[] v, int vOff, float[] t, int at, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector.fromArray(SPECIES, v, vOff + j).abs().mul(2f).intoArray(t, at + j);
    }
  }

  /** One row of {@link #lstmCellBackward}'s gradients, tanh(c) at {@code t[tcAt..]}. */
  private static void lstmGradients(
      float[] act,
      int x,
      int hidden,
      float[] t,
      int tcAt,
      float[] cPrev,
      float[] dOut,
      float[] dc,
      int s,
      float[] dA,
      int d,
      int end) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < end; j += LANES) {
      FloatVector i = FloatVector.fromArray(SPECIES, act, x + j);
      FloatVector f = FloatVector.fromArray(SPECIES, act, x + hidden + j);
      FloatVector g = FloatVector.fromArray(SPECIES, act, x + 2 * hidden + j);
      FloatVector o = FloatVector.fromArray(SPECIES, act, x + 3 * hidden + j);
      FloatVector tc = FloatVector.fromArray(SPECIES, t, tcAt + j);
      FloatVector out = FloatVector.fromArray(SPECIES, dOut, s + j);
      FloatVector total =
          FloatVector.fromArray(SPECIES, dc, s + j).add(out.mul(o).mul(one.sub(tc.mul(tc))));
      total.mul(g).mul(i).mul(one.sub(i)).intoArray(dA, d + j);
      total
          .mul(FloatVector.fromArray(SPECIES, cPrev, s + j))
          .mul(f)
          .mul(one.sub(f))
          .intoArray(dA, d + hidden + j);
      total.mul(i).mul(one.sub(g.mul(g))).intoArray(dA, d + 2 * hidden + j);
      out.mul(tc).mul(o).mul(one.sub(o)).intoArray(dA, d + 3 * hidden + j);
      total.mul(f).intoArray(dc, s + j);
    }
  }

  /** {@code t[at + j] = -(xp[x + j] + gates[g + j])}: a sigmoid gate's exp argument. */
  private static void negatedSums(
      float[] xp, int x, float[] gates, int g, float[] t, int at, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector.fromArray(SPECIES, xp, x + j)
          .add(FloatVector.fromArray(SPECIES, gates, g + j))
          .neg()
          .intoArray(t, at + j);
    }
  }

  /** {@code v = xp + gates} stays in xp; {@code t = 2|v|}: a tanh gate's exp argument. */
  private static void tanhArguments(
      float[] xp, int x, float[] gates, int g, float[] t, int at, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector v =
          FloatVector.fromArray(SPECIES, xp, x + j)
              .add(FloatVector.fromArray(SPECIES, gates, g + j));
      v.intoArray(xp, x + j);
      v.abs().mul(2f).intoArray(t, at + j);
    }
  }

  /** GRU: {@code v = xp_n + r * gates_n} into xp_n, {@code t[at + j] = 2|v|}. */
  private static void resetArguments(
      float[] xp, int x, int hidden, float[] gates, int gn, float[] t, int at, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector reset = FloatVector.fromArray(SPECIES, xp, x + j);
      FloatVector v =
          FloatVector.fromArray(SPECIES, xp, x + 2 * hidden + j)
              .add(reset.mul(FloatVector.fromArray(SPECIES, gates, gn + j)));
      v.intoArray(xp, x + 2 * hidden + j);
      v.abs().mul(2f).intoArray(t, at + j);
    }
  }

  /**
   * {@link FloatMath#exp} of {@code a[from, to)} in place, whole vectors: the same operations in
   * every lane, so the same bits; written out in the loop (see the class comment).
   */
  static void expInPlace(float[] a, int from, int to) {
    byte[] bytes = BITS.get();
    FloatVector ln2Hi = FloatVector.broadcast(SPECIES, FloatMath.LN2_HI);
    FloatVector ln2Lo = FloatVector.broadcast(SPECIES, FloatMath.LN2_LO);
    FloatVector c4 = FloatVector.broadcast(SPECIES, FloatMath.C4);
    FloatVector c3 = FloatVector.broadcast(SPECIES, FloatMath.C3);
    FloatVector half = FloatVector.broadcast(SPECIES, 0.5f);
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = from; j < to; j += LANES) {
      FloatVector c =
          FloatVector.fromArray(SPECIES, a, j).max(FloatMath.EXP_MIN).min(FloatMath.EXP_MAX);
      FloatVector kn = c.fma(FloatMath.LOG2E, FloatMath.ROUND);
      FloatVector minusN = kn.sub(FloatMath.ROUND).neg();
      FloatVector r = minusN.fma(ln2Hi, c);
      r = minusN.fma(ln2Lo, r);
      FloatVector p = r.fma(FloatMath.C6, FloatMath.C5);
      p = r.fma(p, c4);
      p = r.fma(p, c3);
      p = r.fma(p, half);
      p = r.fma(p, one);
      p = r.fma(p, one);
      // kn's bits less ROUND's are n, with no conversion (a vector F2I conversion is not intrinsic
      // here). The bits go from float lanes to int lanes and back through memory, not by
      // reinterpretShape: C2 compiles a reinterpretation as the Vector API's Java fallback
      // whenever it cannot fold the target species' class, which depended on what the JVM had
      // run before (after other cases' training steps, 30% of C7's forward pass ran in the
      // fallback). A store and a load need no such class folded: the vector's own species, or the
      // constant, gives it.
      kn.intoByteArray(bytes, 0, NATIVE);
      IntVector bits =
          IntVector.fromByteArray(INT_SPECIES, bytes, 0, NATIVE)
              .add(127 - FloatMath.ROUND_BITS)
              .lanewise(VectorOperators.LSHL, 23);
      bits.intoByteArray(bytes, 0, NATIVE);
      p.mul(FloatVector.fromByteArray(SPECIES, bytes, 0, NATIVE)).intoArray(a, j);
    }
  }

  /** {@code out = 1 / (1 + e)} from {@code e = exp(-v)}: {@link FloatMath#sigmoid}. */
  private static void sigmoids(float[] e, int at, float[] out, int o, int end) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int j = 0; j < end; j += LANES) {
      one.div(one.add(FloatVector.fromArray(SPECIES, e, at + j))).intoArray(out, o + j);
    }
  }

  /**
   * {@link FloatMath#tanh} of {@code v} from {@code e = exp(2|v|)}, both of its branches computed
   * and each lane's own chosen.
   */
  static void tanhs(float[] v, int vOff, float[] e, int eOff, float[] out, int o, int end) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    FloatVector two = FloatVector.broadcast(SPECIES, 2f);
    for (int j = 0; j < end; j += LANES) {
      FloatVector x = FloatVector.fromArray(SPECIES, v, vOff + j);
      FloatVector ax = x.abs();
      FloatVector x2 = x.mul(x);
      FloatVector q = x2.fma(FloatMath.T7, FloatMath.T5);
      q = x2.fma(q, FloatVector.broadcast(SPECIES, FloatMath.T3));
      q = x2.fma(q, one);
      FloatVector series = ax.mul(q);
      FloatVector viaExp = one.sub(two.div(FloatVector.fromArray(SPECIES, e, eOff + j).add(1f)));
      FloatVector t = viaExp.blend(series, ax.lt(FloatMath.TANH_SMALL));
      t.blend(t.neg(), x.lt(0f)).intoArray(out, o + j);
    }
  }

  /** {@code c = f * c + i * g} from the activations in xp; {@code t[at + j] = 2|c|} for tanh(c). */
  private static void cellUpdate(
      float[] xp, int x, int hidden, float[] c, int s, float[] t, int at, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector i = FloatVector.fromArray(SPECIES, xp, x + j);
      FloatVector f = FloatVector.fromArray(SPECIES, xp, x + hidden + j);
      FloatVector cand = FloatVector.fromArray(SPECIES, xp, x + 2 * hidden + j);
      FloatVector cy = f.mul(FloatVector.fromArray(SPECIES, c, s + j)).add(i.mul(cand));
      cy.intoArray(c, s + j);
      cy.abs().mul(2f).intoArray(t, at + j);
    }
  }

  /** {@code out *= factor}, lane by lane. */
  private static void multiplyInPlace(float[] factor, int f, float[] out, int o, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector.fromArray(SPECIES, factor, f + j)
          .mul(FloatVector.fromArray(SPECIES, out, o + j))
          .intoArray(out, o + j);
    }
  }

  /** GRU: {@code h = n + z * (h - n)}. */
  private static void gruUpdate(float[] xp, int x, int hidden, float[] h, int s, int end) {
    for (int j = 0; j < end; j += LANES) {
      FloatVector n = FloatVector.fromArray(SPECIES, xp, x + 2 * hidden + j);
      FloatVector update = FloatVector.fromArray(SPECIES, xp, x + hidden + j);
      FloatVector prev = FloatVector.fromArray(SPECIES, h, s + j);
      n.add(update.mul(prev.sub(n))).intoArray(h, s + j);
    }
  }
}
