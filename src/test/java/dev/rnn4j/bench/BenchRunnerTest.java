package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchRunnerTest {
  @Test
  void timesBothPhasesOfTheSmallestCase() {
    Backend cpu = BenchRunner.selectBackend("cpu", 1);
    BenchRunner runner =
        new BenchRunner(cpu, 1, BenchProtocol.defaults().withWarmupSeconds(0).withRepetitions(5));
    List<BenchResult> seen = new ArrayList<>();
    BenchCase s1 = BenchSuite.byId("S1").orElseThrow();
    List<BenchResult> results = runner.runAll(List.of(s1), Phase.DEFAULTS, seen::add);
    assertEquals(results, seen);
    assertEquals(
        List.of("forward", "train_step"), results.stream().map(BenchResult::phase).toList());
    for (BenchResult r : results) {
      assertEquals("S1", r.id());
      assertEquals(5, r.reps());
      assertEquals(1, r.threads());
      assertEquals("cpu", r.device());
      assertEquals("float32", r.dtype());
      assertTrue(r.impl().startsWith("rnn4j "), r.impl());
      assertTrue(r.impl().contains(cpu.description()), r.impl());
      assertTrue(
          r.minMs() > 0
              && r.minMs() <= r.p10Ms()
              && r.p10Ms() <= r.medianMs()
              && r.medianMs() <= r.p90Ms(),
          r.toString());
      assertTrue(r.firstMs() > 0, r.toString());
      assertEquals(r.flops() / (r.medianMs() * 1e6), r.gflops(), 1e-9 * r.gflops());
      assertEquals(BenchResult.Config.of(s1.config(), 4, 5), r.config());
    }
    assertEquals(240, results.get(0).flops());
    assertEquals(720, results.get(1).flops());
  }

  /**
   * The loop (a whole training step through the public API) and the forward pass of host tensors,
   * on the CPU: what they report, and that every step closes what it made. Twelve timed steps after
   * three of warm-up cross the tenth, which reads the loss.
   */
  @Test
  void timesTheLoopAndTheHostForward() {
    Backend cpu = BenchRunner.selectBackend("cpu", 1);
    BenchRunner runner =
        new BenchRunner(cpu, 1, BenchProtocol.defaults().withWarmupSeconds(0).withRepetitions(12));
    BenchCase l1 = BenchSuite.byId("L1").orElseThrow();
    BenchCase s1 = BenchSuite.byId("S1").orElseThrow();
    // Tensor operations outside the model (MseLoss) run on the CPU's shared backend, which is
    // another instance unless it too has one thread.
    Set<Backend> backends = Set.copyOf(List.of(cpu, Backends.forDevice(Device.CPU)));
    long liveBefore = liveBlocks(backends);
    List<BenchResult> results =
        runner.runAll(List.of(l1, s1), List.of(Phase.LOOP, Phase.FORWARD_HOST), r -> {});
    assertEquals(
        liveBefore, liveBlocks(backends), "storages left open by the loop or the host forward");
    assertEquals(
        List.of("L1 loop", "L1 forward_host", "S1 loop", "S1 forward_host"),
        results.stream().map(r -> r.id() + " " + r.phase()).toList());
    for (BenchResult r : results) {
      BenchCase c = r.id().equals("L1") ? l1 : s1;
      assertEquals(12, r.reps());
      assertEquals("cpu", r.device());
      assertEquals(BenchResult.Config.of(c.config(), c.batch(), c.seq()), r.config());
      assertTrue(r.minMs() > 0 && r.minMs() <= r.medianMs() && r.firstMs() > 0, r.toString());
      long forward = c.forwardFlops();
      assertEquals(r.phase().equals("loop") ? 3 * forward : forward, r.flops(), r.toString());
      assertEquals(r.flops() / (r.medianMs() * 1e6), r.gflops(), 1e-9 * r.gflops());
    }
  }

  private static long liveBlocks(Set<Backend> backends) {
    return backends.stream().mapToLong(b -> b.stats().liveBlocks()).sum();
  }

  @Test
  void automaticRepetitionsStayInBounds() {
    BenchRunner runner =
        new BenchRunner(BenchRunner.selectBackend("cpu", 1), 1, new BenchProtocol(0, 0.001, 0, 0));
    BenchResult r = runner.run(BenchSuite.byId("S1").orElseThrow(), Phase.FORWARD);
    assertTrue(
        r.reps() >= BenchProtocol.MIN_REPETITIONS && r.reps() <= BenchProtocol.MAX_REPETITIONS,
        r.toString());
  }

  @Test
  void devices() {
    assertEquals("cpu", BenchRunner.selectBackend("cpu", 2).device().toString());
    assertEquals(
        "a benchmark needs an explicit device: cpu, cuda or cuda:N, got 'auto'",
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.selectBackend("auto", 1))
            .getMessage());
    assertEquals(
        "threads must be at least 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> BenchRunner.selectBackend("cpu", 0))
            .getMessage());
    // This build has no CUDA backend: the reason, never a fallback.
    BackendUnavailableException e =
        assertThrows(BackendUnavailableException.class, () -> BenchRunner.selectBackend("cuda", 1));
    assertTrue(e.getMessage().startsWith("device 'cuda' was requested, but "), e.getMessage());
  }

  /**
   * The warm-up on a scripted clock: calls of 10 ms, the JIT compiling 5 ms per call until the
   * clock reaches {@code compilingUntil}.
   */
  private static long[] scriptedWarmUp(double seconds, long compilingUntil) {
    long[] clock = {0};
    long[] jit = {0};
    Runnable call =
        () -> {
          clock[0] += 10_000_000L;
          if (clock[0] <= compilingUntil) {
            jit[0] += 5;
          }
        };
    return BenchRunner.warmUp(call, seconds, () -> clock[0], () -> jit[0]);
  }

  @Test
  void warmUpWaitsForTheJitToSettle() {
    // 1 s, then 0.5 s windows until one without compiling: the JIT stops at 2.2 s, so the window
    // from 2 s to 2.5 s still compiled and the one to 3 s did not.
    assertEquals(300, scriptedWarmUp(1, 2_200_000_000L).length);
    // Compiling done within the least time: that time only, plus one quiet window.
    assertEquals(150, scriptedWarmUp(1, 500_000_000L).length);
    // Never settling: at most 10 times the least time.
    assertEquals(1000, scriptedWarmUp(1, Long.MAX_VALUE).length);
    // No warm-up asked for: the 3 least calls, whatever the JIT does.
    assertEquals(3, scriptedWarmUp(0, Long.MAX_VALUE).length);
    // No JIT time to read: the least time only.
    long[] clock = {0};
    long[] calls = BenchRunner.warmUp(() -> clock[0] += 10_000_000L, 1, () -> clock[0], () -> -1);
    assertEquals(100, calls.length);
    assertTrue(java.util.Arrays.stream(calls).allMatch(n -> n == 10_000_000L));
  }
}
