package dev.rnn4j.spec;

/**
 * What a recurrent stack is, independent of where it runs: the sizes and switches a backend needs
 * to lay out its parameters and run its passes. {@code dev.rnn4j.nn.RnnConfig} is the validated
 * implementation users build; backends see only this view of it.
 *
 * <p>Symbols as in PyTorch: H_in = {@link #inputSize()}, H_cell = {@link #hiddenSize()}, H_out =
 * {@link #outputSize()}, D = {@link #numDirections()}.
 */
public interface RnnShape {
  /**
   * The cell.
   *
   * @return RNN_TANH, RNN_RELU, LSTM or GRU
   */
  RnnMode mode();

  /**
   * H_in.
   *
   * @return {@code input_size}
   */
  int inputSize();

  /**
   * H_cell.
   *
   * @return {@code hidden_size}
   */
  int hiddenSize();

  /**
   * The number of stacked layers.
   *
   * @return {@code num_layers}, at least 1
   */
  int numLayers();

  /**
   * Whether the layers have the biases {@code b_ih} and {@code b_hh}.
   *
   * @return {@code bias}
   */
  boolean bias();

  /**
   * Whether input and output are (N, L, H) instead of (L, N, H).
   *
   * @return {@code batch_first}
   */
  boolean batchFirst();

  /**
   * The probability of zeroing each output of every layer but the last, in training mode.
   *
   * @return {@code dropout}, in [0, 1]
   */
  double dropout();

  /**
   * Whether each layer also reads the sequence backwards.
   *
   * @return {@code bidirectional}
   */
  boolean bidirectional();

  /**
   * The LSTM projection size, 0 for none.
   *
   * @return {@code proj_size}
   */
  int projSize();

  /**
   * D: 2 if bidirectional, else 1.
   *
   * @return 1 or 2
   */
  default int numDirections() {
    return bidirectional() ? 2 : 1;
  }

  /**
   * H_out: {@link #projSize()} if positive, else {@link #hiddenSize()}.
   *
   * @return the width of h_n and of each direction's output
   */
  default int outputSize() {
    return projSize() > 0 ? projSize() : hiddenSize();
  }

  /**
   * The input width of layer {@code layer}: H_in for layer 0, D * H_out above.
   *
   * @param layer the layer, from 0
   * @return the second dimension of {@code weight_ih_l{layer}}
   */
  default int layerInputSize(int layer) {
    return layer == 0 ? inputSize() : numDirections() * outputSize();
  }
}
