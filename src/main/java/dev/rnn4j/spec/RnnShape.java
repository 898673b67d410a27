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
  RnnMode mode();

  /** H_in. */
  int inputSize();

  /** H_cell. */
  int hiddenSize();

  int numLayers();

  boolean bias();

  boolean batchFirst();

  /** The probability of zeroing each output of every layer but the last, in training mode. */
  double dropout();

  boolean bidirectional();

  /** The LSTM projection size, 0 for none. */
  int projSize();

  /** D: 2 if bidirectional, else 1. */
  default int numDirections() {
    return bidirectional() ? 2 : 1;
  }

  /** H_out: {@link #projSize()} if positive, else {@link #hiddenSize()}. */
  default int outputSize() {
    return projSize() > 0 ? projSize() : hiddenSize();
  }

  /** The input width of layer {@code layer}: H_in for layer 0, D * H_out above. */
  default int layerInputSize(int layer) {
    return layer == 0 ? inputSize() : numDirections() * outputSize();
  }
}
