package dev.rnn4j.train;

/**
 * Early stopping on the validation loss, with the semantics of Keras's and PyTorch Lightning's
 * {@code EarlyStopping(monitor="val_loss", mode="min", min_delta, patience)}: an epoch improves
 * when its validation loss is below the best so far by more than {@code minDelta}; training stops
 * after {@code patience} epochs in a row without improvement. See {@link EarlyStopping}.
 *
 * @param patience epochs without improvement after which training stops ({@code >= 0}; 0 stops at
 *     the first epoch that does not improve)
 * @param minDelta how much lower than the best a validation loss must be to count as an improvement
 *     ({@code >= 0}, absolute, in the loss's units)
 * @param restoreBestWeights whether the model ends the run with the weights of its best epoch (the
 *     lowest validation loss) rather than its last; the checkpoint then also carries them
 */
public record EarlyStoppingConfig(int patience, double minDelta, boolean restoreBestWeights) {
  /** Validates. */
  public EarlyStoppingConfig {
    if (patience < 0) {
      throw new IllegalArgumentException(
          "patience must be a non-negative integer. Expected >= 0, got " + patience);
    }
    if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
      throw new IllegalArgumentException(
          "min_delta must be non-negative. Expected >= 0, got " + OptimizerConfig.repr(minDelta));
    }
  }

  /** {@code EarlyStopping(patience=patience)}: {@code min_delta=0}, the last weights kept. */
  public static EarlyStoppingConfig patience(int patience) {
    return new EarlyStoppingConfig(patience, 0.0, false);
  }
}
