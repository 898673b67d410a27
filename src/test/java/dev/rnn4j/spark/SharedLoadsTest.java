package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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

/** The cache's concurrency with plain threads: killed loaders, killed waiters, clearing. */
class SharedLoadsTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  @Test
  void aKilledLoaderFailsAloneAndItsWaitersLoadAgain() throws Exception {
    SharedLoads<String, Integer> loads = new SharedLoads<>();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch loading = new CountDownLatch(1);
    Future<Integer> loader =
        threads.submit(
            () ->
                loads.get(
                    "m",
                    () -> {
                      calls.incrementAndGet();
                      loading.countDown();
                      Thread.sleep(60_000); // a load that a kill interrupts
                      return 1;
                    }));
    // Waiters start only once the loader is inside its load: started together, a waiter could ask
    // first.
    assertTrue(loading.await(10, TimeUnit.SECONDS));
    BlockingQueue<Thread> waiting = new LinkedBlockingQueue<>();
    List<Future<Integer>> waiters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiters.add(
          threads.submit(
              () -> {
                waiting.add(Thread.currentThread());
                return loads.get("m", () -> 10 + calls.incrementAndGet());
              }));
    }
    Parked.await(waiting, 3);
    loader.cancel(true); // Spark kills a task by interrupting its thread
    int[] got = new int[3];
    for (int i = 0; i < 3; i++) {
      got[i] = waiters.get(i).get(10, TimeUnit.SECONDS);
    }
    assertArrayEquals(
        new int[] {12, 12, 12}, got, "one waiter loaded again, the others waited for it");
    assertEquals(2, calls.get());
    assertEquals(12, loads.get("m", () -> 99), "the second load is cached");
  }

  @Test
  void theInterruptedLoaderGetsItsOwnFailure() throws Exception {
    SharedLoads<String, Integer> loads = new SharedLoads<>();
    Thread.currentThread().interrupt();
    try {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  loads.get(
                      "m",
                      () -> {
                        Thread.sleep(10);
                        return 1;
                      }));
      assertTrue(e.getCause() instanceof InterruptedException, String.valueOf(e.getCause()));
    } finally {
      Thread.interrupted();
    }
    assertEquals(2, loads.get("m", () -> 2), "nothing was cached");
  }

  @Test
  void aKilledWaiterLeavesWhileTheLoadGoesOn() throws Exception {
    SharedLoads<String, Integer> loads = new SharedLoads<>();
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Future<Integer> loader =
        threads.submit(
            () ->
                loads.get(
                    "m",
                    () -> {
                      loading.countDown();
                      finish.await();
                      return 1;
                    }));
    assertTrue(loading.await(10, TimeUnit.SECONDS));
    BlockingQueue<Thread> waiting = new LinkedBlockingQueue<>();
    CountDownLatch left = new CountDownLatch(1);
    Throwable[] seen = new Throwable[1];
    boolean[] flag = new boolean[1];
    Future<?> waiter =
        threads.submit(
            () -> {
              waiting.add(Thread.currentThread());
              try {
                loads.get("m", () -> 2);
              } catch (IllegalStateException e) {
                seen[0] = e;
                flag[0] = Thread.currentThread().isInterrupted();
              } finally {
                left.countDown();
              }
            });
    Parked.await(waiting, 1);
    waiter.cancel(true);
    assertTrue(left.await(5, TimeUnit.SECONDS), "the killed waiter left");
    assertTrue(seen[0].getCause() instanceof InterruptedException, String.valueOf(seen[0]));
    assertTrue(flag[0], "with its interrupt flag set");
    finish.countDown();
    assertEquals(1, loader.get(10, TimeUnit.SECONDS));
    assertEquals(1, loads.get("m", () -> 2));
  }

  @Test
  void anOrdinaryFailureReachesTheWaitersAndIsNotCached() throws Exception {
    SharedLoads<String, Integer> loads = new SharedLoads<>();
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);
    Future<Integer> loader =
        threads.submit(
            () ->
                loads.get(
                    "m",
                    () -> {
                      loading.countDown();
                      fail.await();
                      throw new IllegalArgumentException("not a readable checkpoint");
                    }));
    assertTrue(loading.await(10, TimeUnit.SECONDS));
    BlockingQueue<Thread> waiting = new LinkedBlockingQueue<>();
    Future<Integer> waiter =
        threads.submit(
            () -> {
              waiting.add(Thread.currentThread());
              return loads.get("m", () -> 2);
            });
    Parked.await(waiting, 1);
    fail.countDown();
    for (Future<Integer> f : List.of(loader, waiter)) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
      assertEquals("not a readable checkpoint", e.getCause().getMessage());
    }
    assertEquals(3, loads.get("m", () -> 3));
  }

  @Test
  void clearClosesEveryValueAndWaitsForLoadsInProgress() throws Exception {
    SharedLoads<String, Integer> loads = new SharedLoads<>();
    loads.get("a", () -> 1);
    loads.get("b", () -> 2);
    CountDownLatch loading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Future<Integer> inFlight =
        threads.submit(
            () ->
                loads.get(
                    "c",
                    () -> {
                      loading.countDown();
                      finish.await();
                      return 3;
                    }));
    assertTrue(loading.await(10, TimeUnit.SECONDS));
    List<Integer> closed = new ArrayList<>();
    BlockingQueue<Thread> clearer = new LinkedBlockingQueue<>();
    Future<?> clearing =
        threads.submit(
            () -> {
              clearer.add(Thread.currentThread());
              loads.clear(
                  v -> {
                    synchronized (closed) {
                      closed.add(v);
                    }
                    if (v != 3) {
                      throw new IllegalStateException("close " + v + " failed");
                    }
                  });
            });
    Parked.await(clearer, 1);
    assertFalse(clearing.isDone(), "clear waits for the load in progress");
    finish.countDown();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> clearing.get(10, TimeUnit.SECONDS));
    assertEquals(3, inFlight.get());
    synchronized (closed) {
      assertEquals(List.of(1, 2, 3), closed.stream().sorted().toList(), "every value closed");
    }
    IllegalStateException first = (IllegalStateException) e.getCause();
    assertEquals(1, first.getSuppressed().length, "the second failure is kept too");
    assertEquals(7, loads.get("a", () -> 7), "forgotten");
  }
}
