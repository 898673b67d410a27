package dev.rnn4j.backend;

import dev.rnn4j.tensor.Tensor;
import java.util.List;

/**
 * One configuration's recurrent stack with its weights, prepared on a backend. Inputs reach it already
 * validated by {@link dev.rnn4j.nn.Rnn}, in the batched 3-D form.
 */
public interface RnnKernel extends AutoCloseable {
  /** Runs the forward pass; see {@link ForwardArgs} for the shapes. Safe to call from several threads. */
  ForwardResult forward(ForwardArgs args);

  /**
   * Runs the forward pass and keeps what its backward pass needs (activations, dropout masks). The caller
   * owns the tape; its results equal {@link #forward}'s for the same arguments.
   */
  Tape forwardForBackward(ForwardArgs args);

  /**
   * Prepares a pass that benchmarks repeat: the forward pass on {@code args} or, with a
   * {@code gradOutput}, the forward and backward passes (gradients of the input and every parameter). A
   * backend that computes elsewhere than the host (a GPU) moves the inputs there once and keeps every
   * result there, so that a run times the computation alone, as a PyTorch benchmark on device tensors
   * does. The host backend's runs are its ordinary calls.
   */
  default ResidentPass resident(ForwardArgs args, Tensor gradOutput) {
    if (gradOutput == null) {
      return () -> forward(args);
    }
    return () -> forwardForBackward(args).backward(gradOutput, null, null);
  }

  /** A pass whose inputs and results stay where the backend computes; see {@link #resident}. */
  interface ResidentPass extends AutoCloseable {
    /** Runs the pass and returns once its results exist. */
    void run();

    /** Frees what the pass holds; the host backend's hold nothing. */
    @Override
    default void close() {}
  }

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

  /** A forward pass that can be differentiated once. */
  interface Tape {
    ForwardResult result();

    /**
     * The gradients of {@code sum(output * gradOutput) + sum(h_n * gradHN) + sum(c_n * gradCN)}; the three
     * have the shapes of the forward results, and null stands for zeros. Gradients at the padded steps of
     * variable-length sequences are ignored, as {@code pad_packed_sequence}'s backward ignores them.
     *
     * @throws IllegalStateException when called a second time
     */
    BackwardResult backward(Tensor gradOutput, Tensor gradHN, Tensor gradCN);
  }

  /**
   * Gradients with respect to the forward's inputs and parameters: {@code gradInput} in the input's shape,
   * {@code gradH0} and {@code gradC0} (null except for LSTM) in the initial states' batched shapes (also when
   * the states were zeros), {@code parameterGrads} in {@link dev.rnn4j.nn.ParamKey#all} order.
   */
  record BackwardResult(Tensor gradInput, Tensor gradH0, Tensor gradC0, List<Tensor> parameterGrads) {}
}
