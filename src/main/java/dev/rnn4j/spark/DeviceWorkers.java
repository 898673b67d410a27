package dev.rnn4j.spark;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rnn4j's own threads for GPU work, a few long-lived daemon threads per device named {@code
 * rnn4j-cuda:N-worker-K}. Their number, {@value #CONCURRENCY_CONF} (default 2), caps how many
 * batches run on one GPU at once, whichever tasks and models they come from; further batches queue.
 * The CUDA backend binds nothing to threads and serializes the calls on one model, so the cap
 * matters across models: it bounds the device memory that concurrent batches take and their
 * contention for the GPU, and it keeps the threads that make GPU calls a small, fixed set rather
 * than Spark's task threads, which come and go. CPU work runs on the caller's thread.
 *
 * <p>A task interrupted while it waits (Spark killed it) cancels its queued batch; a batch already
 * running finishes and the worker stays. {@link #shutdown} stops the workers: {@link Rnn4jPlugin}
 * calls it when the executor stops, and a JVM shutdown hook otherwise (after closing the cached
 * models, {@link ExecutorRuntime#shutdown}).
 */
final class DeviceWorkers {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceWorkers.class);
  static final String CONCURRENCY_CONF = "spark.rnn4j.gpu.concurrentTasks";
  private static final ConcurrentHashMap<String, ThreadPoolExecutor> POOLS =
      new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorRuntime::shutdown, "rnn4j-shutdown"));
  }

  private DeviceWorkers() {}

  /**
   * Runs {@code work} for {@code device}: inline for {@code cpu}, on the device's workers
   * otherwise, waiting for the result. Exceptions of {@code work} reach the caller unchanged
   * (checked ones wrapped in an {@link IllegalStateException}).
   *
   * @throws IllegalStateException if the caller is interrupted while waiting (its batch is then
   *     cancelled, and the interrupt flag is set again) or the workers were shut down while the
   *     batch was queued
   */
  static <T> T run(String device, Callable<T> work) {
    if (device.equals("cpu")) {
      return call(work);
    }
    Batch<T> future = submit(device, work);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.abandon();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for " + device + "; its batch was cancelled", e);
    } catch (CancellationException e) {
      throw new IllegalStateException(
          "the batch for "
              + device
              + " was cancelled: rnn4j's workers were shut "
              + "down while it was queued",
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause.getMessage(), cause);
    }
  }

  /** The configured number of workers per GPU. */
  static int concurrency() {
    SparkEnv env = SparkEnv.get();
    int n = env == null ? 2 : env.conf().getInt(CONCURRENCY_CONF, 2);
    checkArgument(n >= 1, "%s must be at least 1, got %d", CONCURRENCY_CONF, n);
    return n;
  }

  /** The number of devices with workers now. */
  static int devices() {
    return POOLS.size();
  }

  /**
   * Stops every device's workers after the batches they are running (which are not interrupted);
   * queued batches are cancelled, and their callers get an {@link IllegalStateException}. Later
   * calls of {@link #run} start new workers, as does a call that creates its device's pool while
   * this runs. Waits up to 10 s per device for running batches; interrupted meanwhile, it still
   * stops every pool and sets the interrupt flag again.
   */
  static synchronized void shutdown() {
    List<ThreadPoolExecutor> stopping = new ArrayList<>();
    for (String device : POOLS.keySet()) {
      // remove() takes the lock that submit()'s compute() holds: a batch is either queued on this
      // pool, and cancelled below, or it goes to a new pool; it is never rejected.
      ThreadPoolExecutor pool = POOLS.remove(device);
      if (pool != null) {
        pool.shutdown();
        List<Runnable> queued = new ArrayList<>();
        pool.getQueue().drainTo(queued);
        for (Runnable r : queued) {
          ((Future<?>) r).cancel(false);
        }
        stopping.add(pool);
      }
    }
    // Every pool is already shut down: an interrupt only ends the waiting for running batches.
    boolean interrupted = false;
    for (int i = 0; i < stopping.size() && !interrupted; i++) {
      try {
        stopping.get(i).awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> Batch<T> submit(String device, Callable<T> work) {
    Batch<T> batch = new Batch<>(work);
    POOLS.compute(
        device,
        (d, pool) -> {
          ThreadPoolExecutor p = pool != null ? pool : newPool(d);
          p.execute(batch);
          return p;
        });
    return batch;
  }

  /**
   * A queued batch that its caller may abandon (a killed task). Abandoned before it runs, it never
   * runs; abandoned while or after it runs, what it produced is closed when it is {@link
   * AutoCloseable} (a model loaded onto a GPU), since nobody else will ever see it.
   */
  static final class Batch<T> extends FutureTask<T> {
    private boolean abandoned;
    private T produced;

    Batch(Callable<T> work) {
      super(work);
    }

    synchronized void abandon() {
      abandoned = true;
      if (!cancel(false) && produced != null) {
        closeQuietly(produced);
      }
    }

    @Override
    protected void set(T value) {
      synchronized (this) {
        if (abandoned) {
          closeQuietly(value);
          return;
        }
        produced = value;
      }
      super.set(value);
    }

    private static void closeQuietly(Object value) {
      if (value instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("closing the result of an abandoned batch failed: {}", e.toString());
        }
      }
    }
  }

  private static ThreadPoolExecutor newPool(String device) {
    int n = concurrency();
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            n,
            n,
            0,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "rnn4j-" + device + "-worker-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.prestartAllCoreThreads();
    return pool;
  }

  private static <T> T call(Callable<T> work) {
    try {
      return work.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
