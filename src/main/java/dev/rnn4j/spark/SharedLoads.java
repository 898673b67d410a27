package dev.rnn4j.spark;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Values loaded once per key by whichever thread asks first, while later askers wait for that load:
 * the concurrency of {@link ExecutorRuntime}'s cache, apart from what it loads.
 *
 * <p>A failed load is not kept: its waiters get its failure, and the next request loads again. A
 * load that failed because its own thread was interrupted (Spark kills speculative and cancelled
 * tasks that way) is that thread's business only: it alone gets the failure, and the waiters load
 * again themselves. Waiters wait interruptibly, so a killed waiter leaves while the load goes on.
 */
final class SharedLoads<K, V> {
  private final ConcurrentHashMap<K, CompletableFuture<V>> values = new ConcurrentHashMap<>();

  /**
   * What a waiter sees of a load whose thread was interrupted: a cue to load again, never thrown
   * out.
   */
  private static final class LoaderInterrupted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LoaderInterrupted() {
      super(null, null, false, false);
    }
  }

  /**
   * The value of {@code key}, from {@code load} on this thread if no other thread has loaded or is
   * loading it. {@code load}'s exceptions reach its caller unchanged (checked ones wrapped in an
   * {@link IllegalStateException}), and reach its waiters too unless the loading thread was
   * interrupted.
   *
   * @throws IllegalStateException if this thread is interrupted while it waits for another's load
   *     (the interrupt flag is set again)
   */
  V get(K key, Callable<V> load) {
    while (true) {
      CompletableFuture<V> mine = new CompletableFuture<>();
      CompletableFuture<V> existing = values.putIfAbsent(key, mine);
      if (existing == null) {
        return load(key, mine, load);
      }
      try {
        return existing.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "interrupted while waiting for another task's load of " + key, e);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof LoaderInterrupted)) {
          throw rethrow(e.getCause());
        }
        // The loader was killed; its future is gone from the map, so this thread may load instead.
      }
    }
  }

  private V load(K key, CompletableFuture<V> mine, Callable<V> load) {
    V value;
    try {
      value = load.call();
    } catch (Exception | Error e) {
      values.remove(key, mine);
      mine.completeExceptionally(interrupted(e) ? new LoaderInterrupted() : e);
      throw rethrow(e);
    }
    mine.complete(value);
    return value;
  }

  /**
   * Forgets every value, then closes each with {@code close}, waiting for loads still running; a
   * failed load has nothing to close. Every value is closed even when some {@code close} fails.
   *
   * @throws RuntimeException the first failure of {@code close}, the later ones suppressed in it
   */
  void clear(Consumer<V> close) {
    // Removed key by key: a load that starts meanwhile is either taken here or stays cached, never
    // lost.
    List<CompletableFuture<V>> all = new ArrayList<>();
    for (K key : values.keySet()) {
      CompletableFuture<V> f = values.remove(key);
      if (f != null) {
        all.add(f);
      }
    }
    RuntimeException failure = null;
    for (CompletableFuture<V> f : all) {
      // join() does not give up when this thread is interrupted: a load in progress is waited for,
      // so that its value is closed too rather than left open.
      V value = f.handle((v, e) -> v).join();
      if (value == null) {
        continue;
      }
      try {
        close.accept(value);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static boolean interrupted(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || t instanceof InterruptedIOException
          || t instanceof ClosedByInterruptException) {
        return true;
      }
    }
    return false;
  }

  private static RuntimeException rethrow(Throwable e) {
    if (e instanceof RuntimeException r) {
      return r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e.getMessage(), e);
  }
}
