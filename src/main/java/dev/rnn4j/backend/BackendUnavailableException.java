package dev.rnn4j.backend;

/** The device asked for cannot be used here; the message says why. */
public final class BackendUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * A device that cannot be used, for the reason in {@code message}.
   *
   * @param message the device and why it is unavailable
   */
  public BackendUnavailableException(String message) {
    super(message);
  }
}
