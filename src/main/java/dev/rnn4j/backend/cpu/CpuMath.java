package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.HostStorage;
import java.util.SplittableRandom;

/**
 * The numeric primitives of the CPU kernel for one element type: {@code A} is {@code float[]} or
 * {@code double[]}. The kernel's orchestration is written once against this interface; only the
 * element loops below it exist twice ({@link FloatMath}, {@link DoubleMath}), because Java generics
 * do not reach primitive arrays.
 *
 * <p>All matrices are row-major; offsets and leading dimensions are in elements. Calls are per time
 * step or per layer, never per element. Gate activations are stored in the order of PyTorch's
 * weights: LSTM (i, f, g, o), GRU (r, z, n).
 */
interface CpuMath<A> {
  A allocate(int n);

  /** The backend's cache of this element type's scratch arrays, for {@link Workspace}s. */
  ArrayPool<A> pool();

  /** A new array holding the storage's elements (of this element type). */
  A copyOf(HostStorage s);

  /** The storage's own array, not a copy. */
  A array(HostStorage s);

  /** A storage adopting {@code data}. */
  HostStorage wrap(A data);

  /** {@code rows} arrays of {@code cols} zeros. */
  A[] allocateRows(int rows, int cols);

  /**
   * B for {@link #gemm}: the row-major {@code rows x cols} matrix at {@code src[0..]}, or its
   * transpose, in the layout this math's products read. The plain loops read one array per row of
   * B, indexed from 0, which lets the JIT vectorize them (it cannot prove two slices of one array
   * disjoint); the Vector API's tiles read panels of columns ({@code VectorKernels.pack}).
   */
  A[] pack(A src, int rows, int cols, boolean transpose);

  /** Rows of {@link #allocateRows} back as one row-major array. */
  A flatten(A[] rows, int cols);

  /**
   * {@code C[m x n] = A[m x k] B}, or {@code C += ...} when {@code accumulate}, where B ({@code k x
   * n}) is as {@link #pack} packed it; A and C are row-major with row lengths {@code lda}, {@code
   * ldc}. Each element of C sums its k products in order, whatever m is, so results do not depend
   * on how rows are split.
   */
  void gemm(
      int m,
      int n,
      int k,
      A a,
      int aOff,
      int lda,
      A[] b,
      boolean accumulate,
      A c,
      int cOff,
      int ldc);

  /**
   * Rows per block of the sums over rows ({@link #addTransposedProduct}, {@link #addColumnSums}):
   * each block's terms are added in order from zero, then the block sums are added to the result in
   * order. A weight's gradient sums N·L terms (every sequence's every step); in one running float32
   * sum its rounding error grows with their count, in blocks with SUM_BLOCK + N·L / SUM_BLOCK, as
   * in the blocked products of BLAS and cuDNN that PyTorch's gradients come from.
   */
  int SUM_BLOCK = 32;

  /**
   * {@code C[p x n] += A^T B} over {@code m} rows, with C packed: {@code c[j][i] += sum over r of
   * a[aOff + r * lda + j] * b[bOff + r * ldb + i]}, the rows r in blocks of {@link #SUM_BLOCK}: a
   * weight's gradient.
   */
  void addTransposedProduct(
      int m, int p, int n, A a, int aOff, int lda, A b, int bOff, int ldb, A[] c);

  /**
   * Copies {@code row} (width elements) into each of {@code rows} rows of {@code dst}; zeros when
   * null.
   */
  void broadcastRows(A row, int width, A dst, int rows);

  /**
   * {@code dst[r][j] += src[r][j]} for rows × cols elements, each side with its own offset and row
   * stride.
   */
  void addRows(
      int rows, int cols, A src, int srcOff, int srcStride, A dst, int dstOff, int dstStride);

  /**
   * {@code dst[j] += sum over r of src[srcOff + r * cols + j]}, the rows r in blocks of {@link
   * #SUM_BLOCK}: the gradient of a broadcast bias.
   */
  void addColumnSums(int rows, int cols, A src, int srcOff, A dst);

  /** Elman cell on rows {@code [0, rows)}: {@code h = act(xp + gates)}. */
  void rnnCell(boolean relu, int rows, int hidden, A xp, int xpOff, A gates, A h);

  /**
   * LSTM cell, gates (i, f, g, o): {@code c = f * c + i * g; hOut = o * tanh(c)}, where {@code xp}
   * holds {@code W_ih x + b_ih} and {@code gates} holds {@code W_hh h + b_hh}. The activated gates
   * replace the pre-activations in {@code xp}, where backward finds them.
   */
  void lstmCell(int rows, int hidden, A xp, int xpOff, A gates, A c, A hOut);

  /**
   * GRU cell, gates (r, z, n): {@code n = tanh(xp_n + r * gates_n); h = n + z * (h - n)}: the reset
   * gate multiplies {@code W_hn h + b_hn}, as in PyTorch and cuDNN. The activated gates replace the
   * pre-activations in {@code xp}; {@code gates_n} is left in {@code gates} for backward.
   */
  void gruCell(int rows, int hidden, A xp, int xpOff, A gates, A h);

  /**
   * The gradient at the Elman pre-activation: {@code dA = dh * act'(h)}, from the cell's output h.
   */
  void rnnCellBackward(boolean relu, int rows, int hidden, A h, A dh, A dA, int dAOff);

  /**
   * {@code out = o * tanh(c)}: the LSTM's output before projection, recomputed for the projection's
   * gradient.
   */
  void lstmCellOutput(int rows, int hidden, A act, int actOff, A c, int cOff, A out);

  /**
   * LSTM backward on rows {@code [0, rows)}: from {@code dOut} (gradient at {@code o * tanh(c)})
   * and the carried cell gradient {@code dc}, writes the pre-activation gradients (i, f, g, o) to
   * {@code dA} and replaces {@code dc} with the gradient at the previous cell state.
   */
  void lstmCellBackward(
      int rows,
      int hidden,
      A act,
      int actOff,
      A c,
      int cOff,
      A cPrev,
      A dOut,
      A dc,
      A dA,
      int dAOff);

  /**
   * GRU backward on rows {@code [0, rows)}: from {@code dh} (gradient at the new h), writes the
   * gradients at the input projection's pre-activations (r, z, n) to {@code dXp}, those at the
   * hidden projection's to {@code dGh} (they differ in the n part, which r scales), and replaces
   * {@code dh} with the part of the previous state's gradient that bypasses the gates ({@code dh *
   * z}).
   */
  void gruCellBackward(
      int rows,
      int hidden,
      A act,
      int actOff,
      A ghn,
      int ghnOff,
      A hPrev,
      A dh,
      A dXp,
      int dXpOff,
      A dGh);

  /**
   * Inverted dropout's mask over {@code [off, off + n)}: 0 with probability p, otherwise 1 / (1 -
   * p).
   */
  void dropoutMask(A mask, int off, int n, double p, SplittableRandom random);

  /** {@code out[i] = a[i] * b[i]} over {@code [0, n)}. */
  void multiply(int n, A a, A b, A out);
}
