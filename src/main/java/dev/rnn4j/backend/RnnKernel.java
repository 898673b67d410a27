package dev.rnn4j.backend;

import dev.rnn4j.spec.RnnShape;
import java.util.List;

/**
 * One recurrent stack prepared on a backend: its parameters and their gradients live here, for its
 * whole life, in the backend's storages (on CUDA, views into cuDNN's weight space and its gradient
 * twin), so a training step updates them in place and nothing is rebuilt or copied per step. Inputs
 * reach it already validated by {@code dev.rnn4j.nn.Rnn}, batched.
 *
 * <p>Layouts (L steps, N sequences; batch_first as the shape says): input (L, N, H_in) or (N, L,
 * H_in); output (L, N, D * H_out) or (N, L, D * H_out); states (D * num_layers, N, H_out), and for
 * LSTM (D * num_layers, N, H_cell).
 */
public interface RnnKernel extends AutoCloseable {
  /**
   * The recurrent stack this kernel runs.
   *
   * @return the shape it was created for
   */
  RnnShape shape();

  /**
   * The dtype of the parameters, inputs and results.
   *
   * @return float32 or float64
   */
  DType dtype();

  /**
   * The parameters in {@link dev.rnn4j.spec.ParamKey#all} order, in PyTorch's layout and gate
   * order: views owned by the kernel, to read and update in place.
   *
   * @return the parameter storages, one per {@code ParamKey}
   */
  List<Storage> parameters();

  /**
   * The parameters' gradients, in the same order: views owned by the kernel, accumulated by
   * backward.
   *
   * @return the gradient storages, one per parameter
   */
  List<Storage> gradients();

  /**
   * Runs the forward pass; the results belong to the caller. Safe to call from several threads.
   *
   * @param args the input, initial state, lengths and dropout of the pass
   * @return output, h_n and c_n, new storages
   */
  ForwardResult forward(ForwardArgs args);

  /**
   * Runs the forward pass and keeps what its backward pass needs (activations, dropout masks,
   * cuDNN's reserve space). The caller closes the tape; its results equal {@link #forward}'s for
   * the same arguments.
   *
   * @param args the input, initial state, lengths and dropout of the pass
   * @return the tape, owning the results
   */
  Tape forwardForBackward(ForwardArgs args);

  /** Releases the parameters, gradients and everything prepared for them; idempotent. */
  @Override
  void close();

  /**
   * The inputs of one forward pass.
   *
   * @param input (L, N, H_in), or (N, L, H_in) when the shape is batch first
   * @param steps L
   * @param batch N
   * @param h0 (D * num_layers, N, H_out), or null for zeros
   * @param c0 (D * num_layers, N, H_cell) for LSTM, or null for zeros
   * @param lengths N sequence lengths in [1, L] with packed-sequence semantics, or null when all
   *     are L
   * @param dropout whether to drop between layers (training mode and a positive dropout)
   * @param dropoutSeed the seed of the module's dropout generator ({@code manualSeed})
   * @param dropoutOffset how many dropout passes the generator made since it was seeded: a backend
   *     whose generator state carries over between passes (cuDNN's) continues it when this pass
   *     follows the last one, and otherwise seeds it from {@link #passSeed()}, so that a run
   *     resumed at a reseeding draws the masks the uninterrupted run drew
   */
  record ForwardArgs(
      Storage input,
      int steps,
      int batch,
      Storage h0,
      Storage c0,
      int[] lengths,
      boolean dropout,
      long dropoutSeed,
      long dropoutOffset) {

    /**
     * A seed for this pass alone, mixed from the generator's seed and the offset (SplitMix64).
     *
     * @return the seed of this pass's dropout masks
     */
    public long passSeed() {
      long z = dropoutSeed + 0x9E3779B97F4A7C15L * (dropoutOffset + 1);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }

  /**
   * output, h_n and (LSTM only, else null) c_n, in the layouts of the class comment.
   *
   * @param output (L, N, D * H_out), or (N, L, D * H_out) when the shape is batch first
   * @param hN h_n, (D * num_layers, N, H_out)
   * @param cN c_n, (D * num_layers, N, H_cell) for LSTM; null otherwise
   */
  record ForwardResult(Storage output, Storage hN, Storage cN) {}

  /**
   * A forward pass that can be differentiated once. Closing it frees what it kept, results
   * included.
   */
  interface Tape extends AutoCloseable {
    /**
     * The forward pass's results, owned by the tape.
     *
     * @return output, h_n and c_n: closed with the tape
     */
    ForwardResult result();

    /**
     * The gradients of {@code sum(output * gradOutput) + sum(h_n * gradHN) + sum(c_n * gradCN)}
     * with respect to the inputs (returned; the caller owns them) and the parameters (added to
     * {@link RnnKernel#gradients()}). Null stands for zeros. Gradients at the padded steps of
     * variable-length sequences are ignored, as {@code pad_packed_sequence}'s backward ignores
     * them.
     *
     * @throws IllegalStateException when called a second time
     * @param gradOutput the gradient of output, in its layout; or null
     * @param gradHN the gradient of h_n (D * num_layers, N, H_out); or null
     * @param gradCN the gradient of c_n (D * num_layers, N, H_cell), LSTM only; or null
     * @return the gradients of input, h0 and c0
     */
    BackwardResult backward(Storage gradOutput, Storage gradHN, Storage gradCN);

    @Override
    void close();
  }

  /**
   * Gradients with respect to the forward's inputs: {@code gradInput} in the input's layout, {@code
   * gradH0} and {@code gradC0} (null except for LSTM) in the initial states' (also when they were
   * zeros).
   *
   * @param gradInput d loss / d input, in the input's layout
   * @param gradH0 d loss / d h0, (D * num_layers, N, H_out)
   * @param gradC0 d loss / d c0, (D * num_layers, N, H_cell) for LSTM; null otherwise
   */
  record BackwardResult(Storage gradInput, Storage gradH0, Storage gradC0) {}
}
