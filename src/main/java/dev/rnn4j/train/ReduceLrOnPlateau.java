package dev.rnn4j.train;

import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10,
 * threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)}: multiplies the learning
 * rate by {@code factor} when a metric (a validation loss) has stopped improving. Per {@link
 * #step(double)}, as PyTorch:
 *
 * <ul>
 *   <li>the metric is better than {@code best} when it is below {@code best * (1 - threshold)}
 *       ({@code 'min'}, {@code 'rel'}), below {@code best - threshold} ({@code 'abs'}), or above
 *       {@code best * (1 + threshold)} / {@code best + threshold} in mode {@code 'max'}; then it
 *       becomes {@code best} and the count of bad epochs restarts at 0, else the count grows;
 *   <li>while in cooldown (for {@code cooldown} steps after a reduction) bad epochs are not
 *       counted;
 *   <li>when more than {@code patience} bad epochs have been counted, {@code lr = max(lr * factor,
 *       min_lr)}, unless that changes it by {@code eps} or less; cooldown starts and the count
 *       restarts.
 * </ul>
 *
 * <p>A NaN metric is never better: it counts as a bad epoch, as in PyTorch. Create with {@code
 * SchedulerConfig.reduceLrOnPlateau().create(optimizer)}; state (PyTorch's keys): {@code factor},
 * {@code default_min_lr}, {@code min_lrs}, {@code patience}, {@code cooldown}, {@code eps}, {@code
 * last_epoch}, {@code _last_lr}, {@code mode_worse}, {@code mode}, {@code threshold}, {@code
 * threshold_mode}, {@code best}, {@code cooldown_counter}, {@code num_bad_epochs}.
 */
public final class ReduceLrOnPlateau extends LrScheduler {
  private final SchedulerConfig.ReduceOnPlateau args;
  private double best;
  private int cooldownCounter;
  private int numBadEpochs;

  ReduceLrOnPlateau(SchedulerConfig.ReduceOnPlateau args, Optimizer optimizer) {
    // PyTorch's ReduceLROnPlateau does not take the base class's step at creation: last_epoch 0.
    super(optimizer, args, 0);
    this.args = args;
    this.best = modeWorse();
  }

  /**
   * Always fails: {@code ReduceLROnPlateau.step()} needs the metric, as PyTorch's does.
   *
   * @throws IllegalStateException always
   */
  @Override
  public void step() {
    throw new IllegalStateException(
        "ReduceLROnPlateau.step() needs the metric: call step(metric), e.g. the validation loss");
  }

  /**
   * {@code scheduler.step(metrics)}: one epoch's metric, the learning rate reduced if it is due.
   */
  public void step(double metrics) {
    lastEpoch++;
    if (isBetter(metrics, best)) {
      best = metrics;
      numBadEpochs = 0;
    } else {
      numBadEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBadEpochs = 0; // bad epochs in cooldown are ignored
    }
    if (numBadEpochs > args.patience()) {
      reduceLr();
      cooldownCounter = args.cooldown();
      numBadEpochs = 0;
    }
    lastLr = optimizer().lr();
  }

  /** {@code best}: the best metric so far ({@code inf} in mode 'min' before the first step). */
  public double best() {
    return best;
  }

  /** {@code num_bad_epochs}: epochs since the last improvement, cooldown excluded. */
  public int numBadEpochs() {
    return numBadEpochs;
  }

  /** {@code cooldown_counter}: steps of cooldown still to go. */
  public int cooldownCounter() {
    return cooldownCounter;
  }

  private void reduceLr() {
    double oldLr = optimizer().lr();
    double product = oldLr * args.factor();
    // Python's max(a, b) returns a unless b > a.
    double newLr = args.minLr() > product ? args.minLr() : product;
    if (oldLr - newLr > args.eps()) {
      optimizer().setLr(newLr);
    }
  }

  private boolean isBetter(double a, double best) {
    boolean rel = args.thresholdMode().equals("rel");
    if (args.mode().equals("min")) {
      return rel ? a < best * (1.0 - args.threshold()) : a < best - args.threshold();
    }
    return rel ? a > best * (args.threshold() + 1.0) : a > best + args.threshold();
  }

  private double modeWorse() {
    return args.mode().equals("min") ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }

  @Override
  void putState(Map<String, Object> state) {
    state.put("factor", args.factor());
    state.put("default_min_lr", args.minLr());
    state.put("min_lrs", List.of(args.minLr()));
    state.put("patience", args.patience());
    state.put("cooldown", args.cooldown());
    state.put("eps", args.eps());
    state.put("last_epoch", lastEpoch);
    state.put("_last_lr", List.of(lastLr));
    state.put("mode_worse", modeWorse());
    state.put("mode", args.mode());
    state.put("threshold", args.threshold());
    state.put("threshold_mode", args.thresholdMode());
    state.put("best", best);
    state.put("cooldown_counter", cooldownCounter);
    state.put("num_bad_epochs", numBadEpochs);
  }

  @Override
  Runnable readState(StateReader reader) {
    reader.argument("factor", args.factor());
    reader.argument("default_min_lr", args.minLr());
    reader.argument("min_lrs", List.of(args.minLr()));
    reader.argument("patience", args.patience());
    reader.argument("cooldown", args.cooldown());
    reader.argument("eps", args.eps());
    int epoch = reader.integer("last_epoch");
    double last = reader.single("_last_lr");
    reader.argument("mode_worse", modeWorse());
    reader.argument("mode", args.mode());
    reader.argument("threshold", args.threshold());
    reader.argument("threshold_mode", args.thresholdMode());
    double savedBest = reader.number("best");
    int cooldown = reader.integer("cooldown_counter");
    int bad = reader.integer("num_bad_epochs");
    if (epoch < 0 || cooldown < 0 || bad < 0) {
      throw new IllegalArgumentException(
          String.format(
              "ReduceLROnPlateau state_dict must have last_epoch, cooldown_counter and"
                  + " num_bad_epochs >= 0, got %d, %d and %d",
              epoch, cooldown, bad));
    }
    return () -> {
      lastEpoch = epoch;
      lastLr = last;
      best = savedBest;
      cooldownCounter = cooldown;
      numBadEpochs = bad;
    };
  }
}
