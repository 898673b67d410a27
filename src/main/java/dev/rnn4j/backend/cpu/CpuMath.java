package dev.rnn4j.backend.cpu;

import dev.rnn4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * The numeric primitives of the CPU kernel for one element type: {@code A} is {@code float[]} or
 * {@code double[]}. The kernel's orchestration is written once against this interface; only the element
 * loops below it exist twice, because Java generics do not reach primitive arrays.
 *
 * <p>All matrices are row-major. Calls are per time step or per layer, never per element.
 */
interface CpuMath<A> {
  A allocate(int n);

  /** A new array holding the tensor's elements (converted to this element type). */
  A copyOf(Tensor t);

  /** A tensor adopting {@code data}. */
  Tensor wrap(A data, int... shape);

  /** The name of the BLAS implementation in use, for logs and benchmarks. */
  String blasName();

  /**
   * {@code C[m x n] = A[m x k] * B[n x k]^T}, or {@code C += ...} when {@code accumulate}, with leading
   * dimensions {@code lda}, {@code ldb}, {@code ldc}: the shape of {@code x W^T} with PyTorch's weights.
   */
  void gemmNt(int m, int n, int k, A a, int aOff, int lda, A b, int bOff, int ldb,
      boolean accumulate, A c, int cOff, int ldc);

  /** Copies {@code row} (width elements) into each of {@code rows} rows of {@code dst}; zeros when null. */
  void broadcastRows(A row, int width, A dst, int rows);

  /** Elman cell on rows {@code [0, rows)}: {@code h = act(xp + gates)}. */
  void rnnCell(boolean relu, int rows, int hidden, A xp, int xpOff, A gates, A h);

  /**
   * LSTM cell, gates (i, f, g, o): {@code c = f * c + i * g; hOut = o * tanh(c)}, where {@code xp} holds
   * {@code W_ih x + b_ih} and {@code gates} holds {@code W_hh h + b_hh}.
   */
  void lstmCell(int rows, int hidden, A xp, int xpOff, A gates, A c, A hOut);

  /**
   * GRU cell, gates (r, z, n): {@code n = tanh(xp_n + r * gates_n); h = n + z * (h - n)}: the reset gate
   * multiplies {@code W_hn h + b_hn}, as in PyTorch and cuDNN.
   */
  void gruCell(int rows, int hidden, A xp, int xpOff, A gates, A h);

  /** Inverted dropout over {@code [0, n)}: zero with probability p, otherwise scale by 1 / (1 - p). */
  void dropout(A data, int n, double p, SplittableRandom random);
}
