package dev.rnn4j.spec;

/**
 * The four recurrent cells, under the names cuDNN and PyTorch's {@code _VF} use.
 *
 * <p>Gate order inside the stacked weight matrices is PyTorch's: LSTM {@code (i, f, g, o)}, GRU
 * {@code (r, z, n)}.
 */
public enum RnnMode {
  /** Elman RNN with tanh: {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}. */
  RNN_TANH(1, "RNN"),
  /** Elman RNN with ReLU: {@code h' = relu(W_ih x + b_ih + W_hh h + b_hh)}. */
  RNN_RELU(1, "RNN"),
  /** Long short-term memory, gates {@code (i, f, g, o)}. */
  LSTM(4, "LSTM"),
  /** Gated recurrent unit, gates {@code (r, z, n)}. */
  GRU(3, "GRU");

  private final int gateCount;
  private final String moduleName;

  RnnMode(int gateCount, String moduleName) {
    this.gateCount = gateCount;
    this.moduleName = moduleName;
  }

  /**
   * Gate matrices stacked in each weight: 1, 1, 4 and 3.
   *
   * @return G, the factor of H in the weights' first dimension
   */
  public int gateCount() {
    return gateCount;
  }

  /**
   * The PyTorch module that computes this mode: {@code RNN}, {@code LSTM} or {@code GRU}.
   *
   * @return the class name in {@code torch.nn}
   */
  public String moduleName() {
    return moduleName;
  }
}
