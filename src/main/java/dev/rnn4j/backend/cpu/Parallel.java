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
 * A fixed set of worker threads for one {@link CpuBackend}: {@link #forEach} runs independent parts
 * of a call, one on the calling thread and the others on daemon workers created on first use. Which
 * thread runs a part never changes a result: parts write disjoint outputs, and sums over parts are
 * taken in part order by the caller.
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
    // Every part has finished when this returns, failed or not: the caller's buffers go back to a
    // pool the moment it does.
    Throwable failure = null;
    try {
      body.accept(0);
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    boolean interrupted = false;
    for (Future<?> f : pending) {
      while (true) {
        try {
          f.get();
          break;
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      if (failure == null) {
        failure =
            new IllegalStateException("interrupted while waiting for the CPU backend's workers");
      }
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
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
          pool =
              Executors.newFixedThreadPool(
                  threads - 1,
                  r -> {
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
