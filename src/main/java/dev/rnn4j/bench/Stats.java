package dev.rnn4j.bench;

import java.util.Arrays;

/**
 * Order statistics of per-call times, in milliseconds; percentiles interpolate as numpy's default
 * does.
 */
record Stats(double medianMs, double p10Ms, double p90Ms, double minMs) {
  static Stats ofNanos(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no timed calls");
    }
    double[] ms = new double[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      ms[i] = nanos[i] / 1e6;
    }
    Arrays.sort(ms);
    return new Stats(percentile(ms, 0.5), percentile(ms, 0.1), percentile(ms, 0.9), ms[0]);
  }

  /**
   * The q-quantile of sorted values, linear between the closest ranks ({@code numpy.percentile}'s
   * default).
   */
  static double percentile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  /** The median of nanosecond times, as nanoseconds. */
  static long medianNanos(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
