package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void percentilesInterpolateAsNumpy() {
    // numpy.percentile([1, 2, 3, 4, 10], [50, 10, 90]) -> 3.0, 1.4, 7.6 (ms here, from ns).
    Stats s = Stats.ofNanos(new long[] {4_000_000, 1_000_000, 10_000_000, 3_000_000, 2_000_000});
    assertEquals(3.0, s.medianMs(), 1e-12);
    assertEquals(1.4, s.p10Ms(), 1e-12);
    assertEquals(7.6, s.p90Ms(), 1e-12);
    assertEquals(1.0, s.minMs(), 1e-12);
  }

  @Test
  void evenCountsAndSingleValues() {
    assertEquals(
        2.5,
        Stats.ofNanos(new long[] {1_000_000, 2_000_000, 3_000_000, 4_000_000}).medianMs(),
        1e-12);
    Stats one = Stats.ofNanos(new long[] {7_000});
    assertEquals(0.007, one.medianMs(), 1e-15);
    assertEquals(0.007, one.p90Ms(), 1e-15);
    assertEquals(2_500, Stats.medianNanos(new long[] {4_000, 1_000, 2_000, 3_000}));
  }

  @Test
  void repetitionsFollowTheProtocol() {
    BenchProtocol auto = BenchProtocol.defaults();
    assertEquals(BenchProtocol.MIN_REPETITIONS, auto.repetitionsFor(1_000_000_000L));
    assertEquals(15, auto.repetitionsFor(100_000_000L));
    assertEquals(BenchProtocol.MAX_REPETITIONS, auto.repetitionsFor(1_000));
    assertEquals(7, auto.withRepetitions(7).repetitionsFor(1_000));
  }
}
