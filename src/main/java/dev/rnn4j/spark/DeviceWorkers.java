package dev.rnn4j.spark;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkEnv;

/**
 * rnn4j's own threads for GPU work. Spark's task threads come from a cached pool that reaps idle threads,
 * so anything a backend binds to a thread (a current CUDA context, streams, library handles) would leak
 * with them; every GPU call therefore runs on one of a few long-lived daemon threads per device, named
 * {@code rnn4j-cuda:N-worker-K}. Their number, {@value #CONCURRENCY_CONF} (default 2), caps how many
 * batches run on one GPU at once; further tasks queue. CPU work runs on the caller's thread.
 *
 * <p>A task interrupted while it waits (Spark killed it) cancels its queued batch; a batch already running
 * finishes and the worker stays. {@link #shutdown} stops the workers: {@link Rnn4jPlugin} calls it when the
 * executor stops, and a JVM shutdown hook otherwise.
 */
final class DeviceWorkers {
  static final String CONCURRENCY_CONF = "spark.rnn4j.gpu.concurrentTasks";
  private static final Map<String, ExecutorService> POOLS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(DeviceWorkers::shutdown, "rnn4j-device-workers-shutdown"));
  }

  private DeviceWorkers() {}

  /**
   * Runs {@code work} for {@code device}: inline for {@code cpu}, on the device's workers otherwise, waiting
   * for the result. Exceptions of {@code work} reach the caller unchanged (checked ones wrapped in an
   * {@link IllegalStateException}).
   *
   * @throws IllegalStateException if the caller is interrupted while waiting (its batch is then cancelled,
   *     and the interrupt flag is set again) or the workers were shut down
   */
  static <T> T run(String device, Callable<T> work) {
    if (device.equals("cpu")) {
      return call(work);
    }
    Future<T> future = pool(device).submit(work);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + device + "; its batch was cancelled", e);
    } catch (CancellationException e) {
      throw new IllegalStateException("the batch for " + device + " was cancelled", e);
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
   * Stops every device's workers after the batches they are running; queued batches are cancelled. Later
   * calls of {@link #run} start new workers.
   */
  static synchronized void shutdown() {
    for (String device : POOLS.keySet()) {
      ExecutorService pool = POOLS.remove(device);
      pool.shutdownNow();
      try {
        pool.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static ExecutorService pool(String device) {
    return POOLS.computeIfAbsent(device, d -> {
      int n = concurrency();
      AtomicInteger count = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "rnn4j-" + d + "-worker-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      pool.prestartAllCoreThreads();
      return pool;
    });
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
