package dev.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Parallel#forEach} returns only after every part has finished, failed or not: a call's
 * buffers go back to the backend's pool as soon as it returns.
 */
class ParallelTest {
  @Test
  void waitsForEveryPartWhenThisThreadsPartFails() {
    Parallel parallel = new Parallel(2);
    AtomicBoolean finished = new AtomicBoolean();
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                parallel.forEach(
                    2,
                    p -> {
                      if (p == 0) {
                        throw new AssertionError("part 0");
                      }
                      sleep(200);
                      finished.set(true);
                    }));
    assertEquals("part 0", e.getMessage());
    assertTrue(finished.get(), "the worker's part had finished when forEach threw");
  }

  @Test
  void waitsWhenInterruptedAndKeepsTheInterrupt() {
    Parallel parallel = new Parallel(2);
    AtomicBoolean finished = new AtomicBoolean();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                parallel.forEach(
                    2,
                    p -> {
                      if (p == 0) {
                        Thread.currentThread().interrupt();
                        return;
                      }
                      sleep(200);
                      finished.set(true);
                    }));
    assertTrue(Thread.interrupted(), "the interrupt is kept (and cleared here)");
    assertEquals("interrupted while waiting for the CPU backend's workers", e.getMessage());
    assertTrue(finished.get());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
