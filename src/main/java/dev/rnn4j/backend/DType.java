package dev.rnn4j.backend;

/** Element types of host tensors, named as PyTorch names them. */
public enum DType {
  /** {@code torch.float32}: 4 bytes. */
  FLOAT32("float32", 4),
  /** {@code torch.float64}: 8 bytes. */
  FLOAT64("float64", 8);

  private final String torchName;
  private final int byteSize;

  DType(String torchName, int byteSize) {
    this.torchName = torchName;
    this.byteSize = byteSize;
  }

  /**
   * PyTorch's name without the {@code torch.} prefix: {@code float32}, {@code float64}.
   *
   * @return the name, e.g. {@code float32}
   */
  public String torchName() {
    return torchName;
  }

  /**
   * Bytes per element.
   *
   * @return 4 or 8
   */
  public int byteSize() {
    return byteSize;
  }

  @Override
  public String toString() {
    return torchName;
  }
}
