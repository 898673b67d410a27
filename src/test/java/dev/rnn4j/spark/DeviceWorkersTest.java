package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * rnn4j's device threads, with work that touches no GPU: the device name only picks the pool, so
 * these run anywhere.
 */
class DeviceWorkersTest {
  @AfterEach
  void stopWorkers() {
    DeviceWorkers.shutdown();
  }

  @Test
  void cpuWorkRunsOnTheCallersThread() {
    assertEquals(
        Thread.currentThread().getName(),
        DeviceWorkers.run("cpu", () -> Thread.currentThread().getName()));
  }

  @Test
  void gpuWorkRunsOnLongLivedWorkersAtMostTheCapAtOnce() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    // The first batches wait for each other, so that the cap is reached however slowly the tasks
    // start.
    CountDownLatch together = new CountDownLatch(DeviceWorkers.concurrency());
    ExecutorService tasks = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        futures.add(
            tasks.submit(
                () ->
                    DeviceWorkers.run(
                        "cuda:7",
                        () -> {
                          most.accumulateAndGet(running.incrementAndGet(), Math::max);
                          threads.add(Thread.currentThread().getName());
                          together.countDown();
                          assertTrue(
                              together.await(10, TimeUnit.SECONDS),
                              "the first batches ran together");
                          Thread.sleep(20);
                          running.decrementAndGet();
                          return null;
                        })));
      }
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      tasks.shutdownNow();
    }
    assertEquals(
        DeviceWorkers.concurrency(), most.get(), "spark.rnn4j.gpu.concurrentTasks at once");
    assertEquals(Set.of("rnn4j-cuda:7-worker-1", "rnn4j-cuda:7-worker-2"), threads);
  }

  @Test
  void exceptionsReachTheCallerUnchanged() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DeviceWorkers.run(
                    "cuda:7",
                    () -> {
                      throw new IllegalArgumentException("bad window");
                    }));
    assertEquals("bad window", e.getMessage());
  }

  @Test
  void anInterruptedTaskCancelsItsQueuedBatchAndTheWorkersSurvive() throws Exception {
    CountDownLatch busy = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService tasks = Executors.newFixedThreadPool(3);
    AtomicInteger ranQueued = new AtomicInteger();
    try {
      for (int i = 0; i < 2; i++) {
        tasks.submit(
            () ->
                DeviceWorkers.run(
                    "cuda:7",
                    () -> {
                      busy.countDown();
                      release.await();
                      return null;
                    }));
      }
      assertTrue(busy.await(10, TimeUnit.SECONDS));
      CountDownLatch handled = new CountDownLatch(1);
      BlockingQueue<Thread> waiting = new LinkedBlockingQueue<>();
      Future<?> queued =
          tasks.submit(
              () -> {
                waiting.add(Thread.currentThread());
                try {
                  return DeviceWorkers.run("cuda:7", ranQueued::incrementAndGet);
                } finally {
                  handled.countDown();
                }
              });
      Parked.await(waiting, 1);
      queued.cancel(true); // Spark kills a task by interrupting its thread
      // The batch is cancelled when the task's thread sees the interrupt; only then may a worker
      // free up.
      assertTrue(handled.await(10, TimeUnit.SECONDS));
      release.countDown();
      assertEquals(1, DeviceWorkers.run("cuda:7", () -> 1), "the workers still serve");
      assertEquals(0, ranQueued.get(), "the cancelled batch never ran");
    } finally {
      tasks.shutdownNow();
    }
  }

  @Test
  void whatAnAbandonedBatchProducesIsClosed() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch left = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    ExecutorService tasks = Executors.newSingleThreadExecutor();
    try {
      Future<?> task =
          tasks.submit(
              () -> {
                try {
                  return DeviceWorkers.run(
                      "cuda:7",
                      () -> {
                        running.countDown();
                        release.await();
                        return (AutoCloseable)
                            closed::countDown; // stands for a model loaded onto the GPU
                      });
                } finally {
                  left.countDown();
                }
              });
      assertTrue(running.await(10, TimeUnit.SECONDS));
      task.cancel(true); // Spark kills the task while its batch runs on a worker
      assertTrue(left.await(10, TimeUnit.SECONDS), "the killed task stopped waiting");
      assertEquals(1, closed.getCount(), "nothing is closed before the batch ends");
      release.countDown();
      assertTrue(
          closed.await(10, TimeUnit.SECONDS),
          "the batch's result was closed, since nobody receives it");
    } finally {
      tasks.shutdownNow();
    }
  }

  @Test
  void shutdownStopsTheWorkers() throws Exception {
    DeviceWorkers.run("cuda:7", () -> null);
    assertEquals(1, DeviceWorkers.devices());
    DeviceWorkers.shutdown();
    assertEquals(0, DeviceWorkers.devices());
    assertWorkersEnd();
  }

  @Test
  void shutdownCancelsQueuedBatchesAndTheirCallersLeavePromptly() throws Exception {
    CountDownLatch busy = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService tasks = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 2; i++) {
        tasks.submit(
            () ->
                DeviceWorkers.run(
                    "cuda:7",
                    () -> {
                      busy.countDown();
                      release.await();
                      return null;
                    }));
      }
      assertTrue(busy.await(10, TimeUnit.SECONDS));
      BlockingQueue<Thread> waiting = new LinkedBlockingQueue<>();
      Future<Integer> queued =
          tasks.submit(
              () -> {
                waiting.add(Thread.currentThread());
                return DeviceWorkers.run("cuda:7", () -> 1);
              });
      Parked.await(waiting, 1);
      // shutdown() waits for the running batches, which wait for the test: run it aside.
      Future<?> stopping = tasks.submit(DeviceWorkers::shutdown);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
      assertEquals(
          "the batch for cuda:7 was cancelled: rnn4j's workers were shut down while it was queued",
          e.getCause().getMessage());
      assertTrue(e.getCause().getCause() instanceof CancellationException);
      release.countDown();
      stopping.get(10, TimeUnit.SECONDS);
      assertEquals(0, DeviceWorkers.devices());
    } finally {
      release.countDown();
      tasks.shutdownNow();
    }
  }

  @Test
  void anInterruptedShutdownStillStopsEveryPoolAndKeepsTheInterrupt() throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService tasks = Executors.newFixedThreadPool(2);
    try {
      tasks.submit(
          () ->
              DeviceWorkers.run(
                  "cuda:7",
                  () -> {
                    busy.countDown();
                    release.await();
                    return null;
                  }));
      DeviceWorkers.run("cuda:8", () -> null);
      assertTrue(busy.await(10, TimeUnit.SECONDS));
      // A batch can start before the map records its new pool (submitted inside compute()): wait
      // for it.
      for (int i = 0; i < 100 && DeviceWorkers.devices() < 2; i++) {
        Thread.sleep(10);
      }
      assertEquals(2, DeviceWorkers.devices());
      Thread.currentThread().interrupt();
      DeviceWorkers.shutdown();
      assertTrue(Thread.interrupted(), "the interrupt flag is set again");
      assertEquals(0, DeviceWorkers.devices());
      release.countDown();
      assertWorkersEnd();
    } finally {
      Thread.interrupted();
      release.countDown();
      tasks.shutdownNow();
    }
  }

  /**
   * Fails unless every worker thread ends within 5 s: a stopped pool's last thread exits just after
   * the pool reports itself terminated, so the threads are waited for rather than checked at once.
   */
  private static void assertWorkersEnd() throws InterruptedException {
    long live = liveWorkers();
    for (int i = 0; i < 100 && live > 0; i++) {
      Thread.sleep(50);
      live = liveWorkers();
    }
    assertEquals(0, live, "live rnn4j worker threads");
  }

  private static long liveWorkers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("rnn4j-cuda:") && t.isAlive())
        .count();
  }
}
