package dev.rnn4j.bench;

import static dev.rnn4j.internal.Checks.checkArgument;

/**
 * How each configuration and phase is timed: a warm-up of at least {@link #MIN_WARMUP_CALLS} calls
 * lasting at least {@code warmupSeconds}, longer while the JIT is still compiling (see {@link
 * BenchRunner}; its first call is the reported cold start), then timed repetitions, each call
 * measured on its own with {@link System#nanoTime()}.
 *
 * @param warmupSeconds the least warm-up time, 0 or more (default 5: the JIT needs seconds to
 *     finish compiling the vector kernels on two cores)
 * @param measureSeconds with automatic repetitions, about how long the timed repetitions should
 *     last (default 1.5)
 * @param repetitions a fixed number of timed calls, at least 1; 0 for automatic: enough for {@code
 *     measureSeconds} at the warm-up's median speed, between {@link #MIN_REPETITIONS} and {@link
 *     #MAX_REPETITIONS}
 * @param seed seeds the weights ({@code Rnn.create}) and the standard normal input
 */
public record BenchProtocol(
    double warmupSeconds, double measureSeconds, int repetitions, long seed) {
  public static final int MIN_WARMUP_CALLS = 3;
  public static final int MIN_REPETITIONS = 5;
  public static final int MAX_REPETITIONS = 1000;

  public BenchProtocol {
    checkArgument(
        warmupSeconds >= 0 && Double.isFinite(warmupSeconds),
        "warm-up seconds must be finite and 0 or more, got %s",
        warmupSeconds);
    checkArgument(
        measureSeconds >= 0 && Double.isFinite(measureSeconds),
        "measure seconds must be finite and 0 or more, got %s",
        measureSeconds);
    checkArgument(
        repetitions >= 0, "repetitions must be positive (or 0 for automatic), got %d", repetitions);
  }

  /** One second of warm-up, automatic repetitions for about 1.5 s, seed 0. */
  public static BenchProtocol defaults() {
    return new BenchProtocol(5.0, 1.5, 0, 0);
  }

  public BenchProtocol withWarmupSeconds(double seconds) {
    return new BenchProtocol(seconds, measureSeconds, repetitions, seed);
  }

  public BenchProtocol withRepetitions(int n) {
    checkArgument(n >= 1, "repetitions must be at least 1, got %d", n);
    return new BenchProtocol(warmupSeconds, measureSeconds, n, seed);
  }

  /** The number of timed calls after a warm-up whose typical call took {@code typicalNanos}. */
  int repetitionsFor(long typicalNanos) {
    if (repetitions > 0) {
      return repetitions;
    }
    double n = Math.ceil(measureSeconds * 1e9 / Math.max(1, typicalNanos));
    return (int) Math.max(MIN_REPETITIONS, Math.min(MAX_REPETITIONS, n));
  }
}
