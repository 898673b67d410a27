package dev.rnn4j.train;

/**
 * The loss became NaN or infinite; training stopped, and the last checkpoint was left as it was.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with the one-line reason (which epoch and step, which value). */
  public TrainingDivergedException(String message) {
    super(message);
  }
}
