package dev.rnn4j.nn;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.tensor.Tensor;

/**
 * What a forward pass returns: {@code output}, {@code h_n} and, for LSTM, {@code c_n}.
 *
 * <pre>
 * output   (L, N, D * H_out), or (N, L, D * H_out) with batch_first, or (L, D * H_out) unbatched
 * h_n      (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched; batch_first does not apply
 * c_n      (D * num_layers, N, H_cell), LSTM only
 * </pre>
 *
 * <p>Note that for a bidirectional module {@code h_n} is not {@code output[-1]}: the reverse
 * direction ends at time step 0, so its final state is in {@code output[0]}. {@link
 * #outputDirection} and {@link #hiddenDirection} split the two directions as the PyTorch docs do
 * with {@code view}, on the results' device (on a GPU, rnn4j's {@code split_directions} kernel and
 * a row gather).
 */
public final class RnnOutput {
  private final RnnConfig config;
  private final Tensor output;
  private final Tensor hN;
  private final Tensor cN;

  /** Assembled by {@link Rnn}; shapes are not re-checked here. */
  RnnOutput(RnnConfig config, Tensor output, Tensor hN, Tensor cN) {
    this.config = config;
    this.output = output;
    this.hN = hN;
    this.cN = cN;
  }

  /**
   * The last layer's output at every time step.
   *
   * @return (L, N, D * H_out), (N, L, D * H_out) with batch_first, or (L, D * H_out) unbatched
   */
  public Tensor output() {
    return output;
  }

  /**
   * Every layer's and direction's state after its last step.
   *
   * @return h_n, (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched
   */
  public Tensor hN() {
    return hN;
  }

  /**
   * Every layer's and direction's cell state after its last step; LSTM only.
   *
   * @return c_n, (D * num_layers, N, H_cell), or (D * num_layers, H_cell) unbatched
   * @throws IllegalStateException for RNN and GRU
   */
  public Tensor cN() {
    if (cN == null) {
      throw new IllegalStateException(
          config.mode().moduleName() + " has no cell state: c_n exists only for LSTM");
    }
    return cN;
  }

  /**
   * Direction {@code d}'s part of {@code output}: {@code out.view(L, N, D, H_out)[:, :, d]}, or
   * {@code out.view(N, L, D, H_out)[:, :, d]} with batch_first, or {@code out.view(L, D, H_out)[:,
   * d]} unbatched.
   *
   * @param d the direction: 0 forward, 1 reverse
   * @return (L, N, H_out), (N, L, H_out) or (L, H_out); a new tensor, or a view when D is 1
   */
  public Tensor outputDirection(int d) {
    checkDirection(d);
    int directions = config.numDirections();
    if (directions == 1) {
      return output.view(output.shape());
    }
    int hOut = config.outputSize();
    int[] s = output.shape();
    int[] shape = s.length == 2 ? new int[] {s[0], hOut} : new int[] {s[0], s[1], hOut};
    int rows = output.numel() / (directions * hOut);
    Backend backend = Backends.forDevice(output.device());
    Storage half = backend.allocate(output.dtype(), (long) rows * hOut);
    backend.splitDirection(output.storage(), rows, hOut, d, half);
    return Tensor.of(half, shape);
  }

  /**
   * Direction {@code d}'s part of {@code h_n}: {@code h_n.view(num_layers, D, N, H_out)[:, d]}, of
   * shape (num_layers, N, H_out) ((num_layers, H_out) unbatched).
   *
   * @param d the direction: 0 forward, 1 reverse
   * @return a new tensor
   */
  public Tensor hiddenDirection(int d) {
    return splitState(hN, d);
  }

  /**
   * Direction {@code d}'s part of {@code c_n}, as {@link #hiddenDirection}; LSTM only.
   *
   * @param d the direction: 0 forward, 1 reverse
   * @return a new tensor
   */
  public Tensor cellDirection(int d) {
    return splitState(cN(), d);
  }

  private Tensor splitState(Tensor state, int d) {
    checkDirection(d);
    int[] s = state.shape();
    int[] split = new int[s.length + 1];
    split[0] = config.numLayers();
    split[1] = config.numDirections();
    System.arraycopy(s, 1, split, 2, s.length - 1);
    return state.view(split).select(1, d);
  }

  private void checkDirection(int d) {
    if (d < 0 || d >= config.numDirections()) {
      throw new IllegalArgumentException(
          "direction must be in [0, "
              + (config.numDirections() - 1)
              + "] for "
              + config
              + ", got "
              + d);
    }
  }

  @Override
  public String toString() {
    return "RnnOutput(output=" + output + ", h_n=" + hN + (cN == null ? "" : ", c_n=" + cN) + ")";
  }
}
