package dev.rnn4j.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed set of worker threads for one {@link CpuBackend}: {@link #forEach} runs independent parts of a
 * call, one on the calling thread and the others on daemon workers created on first use. Which thread
 * runs a part never changes a result: parts write disjoint outputs, and sums over parts are taken in part
 * order by the caller.
 */
final class Parallel {
  private static final AtomicInteger POOLS = new AtomicInteger();
  private final int threads;
  private volatile ExecutorService workers;

  Parallel(int threads) {
    this.threads = threads;
  }

  int threads() {
    return threads;
  }

  /** Runs {@code body} for parts {@code 0 .. parts - 1}, at most {@link #threads()} at a time. */
  void forEach(int parts, IntConsumer body) {
    if (parts <= 1 || threads <= 1) {
      for (int p = 0; p < parts; p++) {
        body.accept(p);
      }
      return;
    }
    ExecutorService pool = workers();
    List<Future<?>> pending = new ArrayList<>();
    for (int p = 1; p < parts; p++) {
      int part = p;
      pending.add(pool.submit(() -> body.accept(part)));
    }
    RuntimeException failure = null;
    try {
      body.accept(0);
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : pending) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the CPU backend's workers", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private ExecutorService workers() {
    ExecutorService pool = workers;
    if (pool == null) {
      synchronized (this) {
        pool = workers;
        if (pool == null) {
          int id = POOLS.incrementAndGet();
          AtomicInteger n = new AtomicInteger();
          pool = Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "rnn4j-cpu-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          workers = pool;
        }
      }
    }
    return pool;
  }
}
