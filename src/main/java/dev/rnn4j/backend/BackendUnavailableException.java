package dev.rnn4j.backend;

/** The device asked for cannot be used here; the message says why. */
public final class BackendUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendUnavailableException(String message) {
    super(message);
  }
}
