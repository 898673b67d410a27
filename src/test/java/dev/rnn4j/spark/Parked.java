package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Waits until test threads have reached the blocking wait under test, instead of sleeping and
 * hoping: a thread parked without a timeout (a future's {@code get}, a {@code join}) is in {@link
 * Thread.State#WAITING}. The threads announce themselves by adding {@code Thread.currentThread()}
 * to a queue as their first step.
 */
final class Parked {
  private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Parked() {}

  /**
   * Takes {@code n} threads from {@code started} and waits until each is parked, failing after 10
   * s.
   */
  static void await(BlockingQueue<Thread> started, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      Thread t = started.poll(LIMIT_NANOS, TimeUnit.NANOSECONDS);
      assertNotNull(t, "only " + i + " of " + n + " threads started");
      long deadline = System.nanoTime() + LIMIT_NANOS;
      while (t.getState() != Thread.State.WAITING) {
        assertTrue(
            System.nanoTime() < deadline, t.getName() + " never parked; it is " + t.getState());
        Thread.sleep(1);
      }
    }
  }
}
