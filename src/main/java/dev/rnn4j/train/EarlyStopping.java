package dev.rnn4j.train;

import java.util.Objects;

/**
 * Early stopping on the validation loss, as PyTorch Lightning's {@code EarlyStopping} callback
 * (Keras's is the same): after each epoch, {@link #update} is given the epoch's validation loss
 *
 * <pre>
 * improved   = loss + min_delta &lt; best_score      (best_score starts at +inf)
 * best_score = loss, wait_count = 0                when improved
 * wait_count = wait_count + 1                      otherwise; stop when wait_count &gt;= patience
 * </pre>
 *
 * <p>and, apart from that, tracks the best epoch: the one with the lowest validation loss (the
 * first of equals), whose weights {@link EarlyStoppingConfig#restoreBestWeights()} restores. With
 * {@code min_delta = 0} it is the last improving epoch, as in Keras; with a positive {@code
 * min_delta} it may be a later one, whose loss was lower but not lower enough to reset the count.
 * The whole state is a {@link State}, which a checkpoint keeps so that a resumed run stops where
 * the uninterrupted one stops. Not thread-safe.
 */
public final class EarlyStopping {
  private final EarlyStoppingConfig config;
  private State state;

  /**
   * What early stopping knows after some epochs.
   *
   * @param bestScore the validation loss of the last improvement (Lightning's {@code best_score})
   * @param waitCount epochs since then ({@code wait_count})
   * @param stoppedEpoch the epoch at which training stopped, or 0 ({@code stopped_epoch})
   * @param bestEpoch the epoch of the lowest validation loss, or 0 before the first epoch
   * @param bestLoss that lowest validation loss
   */
  public record State(
      double bestScore, int waitCount, int stoppedEpoch, int bestEpoch, double bestLoss) {}

  /** Early stopping before the first epoch. */
  public EarlyStopping(EarlyStoppingConfig config) {
    this(config, new State(Double.POSITIVE_INFINITY, 0, 0, 0, Double.POSITIVE_INFINITY));
  }

  /** Early stopping that continues from {@code state} (a checkpoint's). */
  public EarlyStopping(EarlyStoppingConfig config, State state) {
    this.config = Objects.requireNonNull(config, "config");
    this.state = Objects.requireNonNull(state, "state");
  }

  /**
   * Takes epoch {@code epoch}'s validation loss.
   *
   * @return whether training should stop now
   */
  public boolean update(int epoch, double validationLoss) {
    State s = state;
    // Lightning: monitor_op(current - min_delta, best_score) with min_delta negated for 'min'.
    boolean improved = validationLoss + config.minDelta() < s.bestScore();
    int wait = improved ? 0 : s.waitCount() + 1;
    boolean stop = !improved && wait >= config.patience();
    boolean lowest = validationLoss < s.bestLoss();
    state =
        new State(
            improved ? validationLoss : s.bestScore(),
            wait,
            stop ? epoch : 0,
            lowest ? epoch : s.bestEpoch(),
            lowest ? validationLoss : s.bestLoss());
    return stop;
  }

  /** The state after the last {@link #update}. */
  public State state() {
    return state;
  }

  /** The settings. */
  public EarlyStoppingConfig config() {
    return config;
  }
}
