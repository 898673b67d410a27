package dev.rnn4j.bench;

/**
 * PyTorch's side of a live comparison could not start or stopped answering: no Python, no PyTorch,
 * or a crash; the message says which and ends with what to do.
 */
public final class PyTorchUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PyTorchUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
