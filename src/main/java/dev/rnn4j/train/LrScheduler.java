package dev.rnn4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A learning-rate scheduler bound to an {@link Optimizer}, as {@code
 * torch.optim.lr_scheduler.LRScheduler}: each step sets the optimizer's learning rate ({@code
 * param_groups[0]["lr"]}, here {@link Optimizer#setLr}) for the epochs that follow. Create one with
 * {@link SchedulerConfig#create(Optimizer)}; step it once per epoch, after the epoch's optimizer
 * steps:
 *
 * <pre>{@code
 * Optimizer optimizer = OptimizerConfig.sgd(0.1).create(model.parameters());
 * LrScheduler scheduler = SchedulerConfig.stepLr(30).create(optimizer);
 * for (int epoch = 1; epoch <= 100; epoch++) {
 *   ... train: optimizer.step() per batch ...
 *   scheduler.step();                       // ReduceLrOnPlateau: plateau.step(validationLoss)
 * }
 * }</pre>
 *
 * <p>The numbers are PyTorch 2.x's: {@link StepLr}, {@link CosineAnnealingLr} and {@link LinearLr}
 * compute each learning rate from the optimizer's current one with the recursive ("chainable")
 * formulas of their {@code get_lr()}, in the same order of double operations, and {@link
 * ReduceLrOnPlateau} follows {@code step(metrics)} line by line. {@link #stateDict()} holds what
 * PyTorch's {@code state_dict()} holds, under its keys, so a schedule saved in a checkpoint resumes
 * exactly. A scheduler is not thread-safe.
 */
public abstract sealed class LrScheduler permits ChainableLrScheduler, ReduceLrOnPlateau {
  private final Optimizer optimizer;
  private final SchedulerConfig config;
  int lastEpoch;
  double lastLr;

  LrScheduler(Optimizer optimizer, SchedulerConfig config, int lastEpoch) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.config = Objects.requireNonNull(config, "config");
    this.lastEpoch = lastEpoch;
    this.lastLr = optimizer.lr();
  }

  /**
   * {@code scheduler.step()}: advances the schedule by one epoch and sets the optimizer's learning
   * rate.
   *
   * @throws IllegalStateException on a {@link ReduceLrOnPlateau}, which steps with a metric
   */
  public abstract void step();

  /** The optimizer whose learning rate this scheduler sets. */
  public final Optimizer optimizer() {
    return optimizer;
  }

  /** The config this scheduler was created from. */
  public final SchedulerConfig config() {
    return config;
  }

  /**
   * {@code scheduler.get_last_lr()[0]}: the learning rate the last step (or the creation) set,
   * which is the optimizer's unless someone else changed it since.
   */
  public final double lastLr() {
    return lastLr;
  }

  /**
   * {@code last_epoch}: the number of steps so far (0 after creation, for ReduceLROnPlateau too).
   */
  public final int lastEpoch() {
    return lastEpoch;
  }

  /**
   * {@code scheduler.state_dict()}: PyTorch's keys in PyTorch's order, the arguments included;
   * values are {@link Integer}s, {@link Double}s, {@link String}s and {@code List<Double>}s (one
   * entry per parameter group: one). PyTorch's two transient flags ({@code _is_initial}, {@code
   * _get_lr_called_within_step}, always false in a state dict) are left out.
   */
  public final Map<String, Object> stateDict() {
    Map<String, Object> state = new LinkedHashMap<>();
    putState(state);
    return Collections.unmodifiableMap(state);
  }

  /**
   * {@code scheduler.load_state_dict(state)}: restores the counters and learning rates from {@link
   * #stateDict()}'s output or from PyTorch's {@code state_dict()} read from JSON (integers where
   * PyTorch keeps floats are taken; the two transient flags may be present if false). Unlike
   * PyTorch, the arguments in it must be this scheduler's own, since a scheduler's config is fixed.
   * As in PyTorch, the optimizer's learning rate is left alone: restore it with {@code
   * optimizer.setLr(scheduler.lastLr())} (PyTorch restores it with the optimizer's state dict).
   *
   * @throws IllegalArgumentException naming the key when one is missing, unknown, of the wrong type
   *     or, for an argument, not this scheduler's; nothing is changed then
   */
  public final void loadStateDict(Map<String, ?> state) {
    StateReader reader = new StateReader(state, config.type());
    Runnable install = readState(reader);
    reader.finish();
    install.run();
  }

  /** Writes the state in PyTorch's key order. */
  abstract void putState(Map<String, Object> state);

  /**
   * Reads and checks every key of the state, changing nothing; returns what installs the values
   * read.
   */
  abstract Runnable readState(StateReader reader);

  /**
   * Reads a state dict's values, checking types and recording which keys were used, so that an
   * unknown key is reported and nothing is applied before every value was checked.
   */
  static final class StateReader {
    private final Map<String, ?> state;
    private final String type;
    private final Map<String, Object> read = new LinkedHashMap<>();

    StateReader(Map<String, ?> state, String type) {
      this.state = Objects.requireNonNull(state, "state");
      this.type = type;
    }

    private Object raw(String key) {
      if (!state.containsKey(key)) {
        throw new IllegalArgumentException(
            String.format("%s state_dict is missing key \"%s\"", type, key));
      }
      return state.get(key);
    }

    int integer(String key) {
      Object v = raw(key);
      if (!(v instanceof Integer || v instanceof Long)
          || ((Number) v).longValue() != ((Number) v).intValue()) {
        throw wrong(key, "an integer", v);
      }
      int value = ((Number) v).intValue();
      read.put(key, value);
      return value;
    }

    double number(String key) {
      Object v = raw(key);
      if (!(v instanceof Number)) {
        throw wrong(key, "a number", v);
      }
      double value = ((Number) v).doubleValue();
      read.put(key, value);
      return value;
    }

    /** A one-element list of numbers: one parameter group. */
    double single(String key) {
      Object v = raw(key);
      if (!(v instanceof List<?> list) || list.size() != 1 || !(list.get(0) instanceof Number)) {
        throw wrong(key, "a list of one number (one parameter group)", v);
      }
      double value = ((Number) list.get(0)).doubleValue();
      read.put(key, value);
      return value;
    }

    String string(String key) {
      Object v = raw(key);
      if (!(v instanceof String)) {
        throw wrong(key, "a string", v);
      }
      read.put(key, v);
      return (String) v;
    }

    /** An argument of the scheduler: it must equal {@code expected}. */
    void argument(String key, Object expected) {
      Object v = raw(key);
      if (!same(expected, v)) {
        throw new IllegalArgumentException(
            String.format(
                "%s state_dict has %s=%s, but this scheduler has %s=%s: a state loads into a"
                    + " scheduler of the same arguments",
                type, key, v, key, expected));
      }
      read.put(key, v);
    }

    /** Numbers by value (Python's JSON writes {@code 0} for a float argument given as 0). */
    private static boolean same(Object expected, Object v) {
      if (expected instanceof Double d) {
        return v instanceof Number n && Double.compare(n.doubleValue(), d) == 0;
      }
      if (expected instanceof Integer i) {
        return (v instanceof Integer || v instanceof Long) && ((Number) v).longValue() == i;
      }
      if (expected instanceof List<?> list) {
        if (!(v instanceof List<?> other) || other.size() != list.size()) {
          return false;
        }
        for (int k = 0; k < list.size(); k++) {
          if (!same(list.get(k), other.get(k))) {
            return false;
          }
        }
        return true;
      }
      return expected.equals(v);
    }

    /** Fails on a key nobody read, but for PyTorch's transient flags when they are false. */
    void finish() {
      for (String key : state.keySet()) {
        if (read.containsKey(key)) {
          continue;
        }
        boolean flag = key.equals("_is_initial") || key.equals("_get_lr_called_within_step");
        if (flag && Boolean.FALSE.equals(state.get(key))) {
          continue;
        }
        throw new IllegalArgumentException(
            String.format(
                "%s state_dict has unknown key \"%s\"; its keys are %s",
                type, key, String.join(", ", read.keySet())));
      }
    }

    private IllegalArgumentException wrong(String key, String expected, Object actual) {
      return new IllegalArgumentException(
          String.format(
              "%s state_dict key \"%s\" must be %s, got %s", type, key, expected, actual));
    }
  }
}
