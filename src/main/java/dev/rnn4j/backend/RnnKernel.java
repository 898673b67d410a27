package dev.rnn4j.backend;

import dev.rnn4j.tensor.Tensor;

/**
 * One configuration's recurrent stack with its weights, prepared on a backend. Inputs reach it already
 * validated by {@link dev.rnn4j.nn.Rnn}, in the batched 3-D form.
 */
public interface RnnKernel extends AutoCloseable {
  /** Runs the forward pass; see {@link ForwardArgs} for the shapes. Safe to call from several threads. */
  ForwardResult forward(ForwardArgs args);

  /** Releases what the kernel holds (device memory, descriptors); idempotent. */
  @Override
  void close();

  /**
   * The inputs of one forward pass.
   *
   * @param input (T, N, H_in), or (N, T, H_in) when the configuration is batch first
   * @param h0 (D * num_layers, N, H_out), or null for zeros
   * @param c0 (D * num_layers, N, H_cell) for LSTM, or null for zeros
   * @param lengths N sequence lengths in [1, T] with packed-sequence semantics, or null when all are T
   * @param dropout whether to drop between layers (training mode and a positive dropout)
   * @param dropoutSeed the seed of this pass's dropout masks
   */
  record ForwardArgs(Tensor input, Tensor h0, Tensor c0, int[] lengths, boolean dropout, long dropoutSeed) {}

  /**
   * The results of one forward pass, shaped as {@link dev.rnn4j.nn.RnnOutput} documents for batched input.
   * {@code cN} is null except for LSTM.
   */
  record ForwardResult(Tensor output, Tensor hN, Tensor cN) {}
}
