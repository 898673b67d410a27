package dev.rnn4j.nn;

/** The nonlinearity of a vanilla RNN, as {@code torch.nn.RNN(nonlinearity='tanh'|'relu')}. */
public enum Nonlinearity {
  /** {@code tanh}, the default. */
  TANH("tanh"),
  /** {@code relu}. */
  RELU("relu");

  private final String torchName;

  Nonlinearity(String torchName) {
    this.torchName = torchName;
  }

  /**
   * PyTorch's spelling: {@code tanh} or {@code relu}.
   *
   * @return the name PyTorch uses
   */
  public String torchName() {
    return torchName;
  }

  /**
   * Parses PyTorch's spelling; fails with PyTorch's message for anything else.
   *
   * @param name {@code tanh} or {@code relu}
   * @return the nonlinearity
   * @throws IllegalArgumentException for another name
   */
  public static Nonlinearity fromTorchName(String name) {
    for (Nonlinearity n : values()) {
      if (n.torchName.equals(name)) {
        return n;
      }
    }
    throw new IllegalArgumentException(
        "Unknown nonlinearity '" + name + "'. Select from 'tanh' or 'relu'.");
  }
}
