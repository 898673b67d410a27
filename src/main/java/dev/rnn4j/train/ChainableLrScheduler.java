package dev.rnn4j.train;

import java.util.List;
import java.util.Map;

/**
 * What {@link StepLr}, {@link CosineAnnealingLr} and {@link LinearLr} share, as PyTorch's {@code
 * LRScheduler} base: {@code base_lrs} (the optimizer's learning rate at creation, PyTorch's {@code
 * initial_lr}), {@code last_epoch}, {@code _step_count}, {@code _last_lr}, the step at creation and
 * {@code step()} computing the next learning rate from the optimizer's current one.
 */
abstract sealed class ChainableLrScheduler extends LrScheduler
    permits StepLr, CosineAnnealingLr, LinearLr {
  double baseLr;
  private int stepCount;

  /** Subclasses set their arguments, then call {@link #initialStep()}. */
  ChainableLrScheduler(Optimizer optimizer, SchedulerConfig config) {
    super(optimizer, config, -1);
    this.baseLr = optimizer.lr();
  }

  /** PyTorch's {@code _initial_step()}: the step at creation, which makes {@code last_epoch} 0. */
  final void initialStep() {
    stepCount = 0;
    advance(true);
  }

  @Override
  public final void step() {
    advance(false);
  }

  private void advance(boolean initial) {
    stepCount++;
    lastEpoch++;
    optimizer().setLr(nextLr(optimizer().lr(), initial));
    lastLr = optimizer().lr();
  }

  /**
   * {@code get_lr()}: the learning rate for {@link #lastEpoch}, from the optimizer's current {@code
   * lr}; {@code initial} during the step at creation ({@code _is_initial}).
   */
  abstract double nextLr(double lr, boolean initial);

  /** The arguments, in PyTorch's state_dict order. */
  abstract void putArguments(Map<String, Object> state);

  /** Checks that the state's arguments are this scheduler's. */
  abstract void readArguments(StateReader reader);

  @Override
  final void putState(Map<String, Object> state) {
    putArguments(state);
    state.put("base_lrs", List.of(baseLr));
    state.put("last_epoch", lastEpoch);
    state.put("_step_count", stepCount);
    state.put("_last_lr", List.of(lastLr));
  }

  @Override
  final Runnable readState(StateReader reader) {
    readArguments(reader);
    double base = reader.single("base_lrs");
    int epoch = reader.integer("last_epoch");
    int count = reader.integer("_step_count");
    double last = reader.single("_last_lr");
    if (epoch < 0 || count < 1) {
      throw new IllegalArgumentException(
          String.format(
              "%s state_dict must have last_epoch >= 0 and _step_count >= 1, got %d and %d",
              config().type(), epoch, count));
    }
    return () -> {
      baseLr = base;
      lastEpoch = epoch;
      stepCount = count;
      lastLr = last;
    };
  }
}
