package dev.rnn4j.backend.cpu;

import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * A CPU backend's cache of large scratch arrays, the heap's counterpart of a GPU's caching
 * allocator: a {@link Workspace} gives its arrays back when its call ends and the next call of the
 * same shape takes them again, so that a steady loop allocates its step's buffers once.
 *
 * <p>Allocating them anew each call cost more than the arithmetic of smaller cases: arrays of
 * megabytes are humongous objects to G1, whose collections of them shrink the heap and so make the
 * next call fault its pages in again (measured in docs/performance.md: C3's forward pass 6.3 to 35
 * ms from call to call, 7.0 to 7.7 with the heap held at 2 GB).
 *
 * <p>Arrays are kept by exact length, most recently returned first (the likeliest still in cache),
 * up to a quarter of the heap's maximum; an array beyond that, or shorter than {@link #MIN_LENGTH},
 * is left to the garbage collector.
 */
final class ArrayPool<A> {
  /**
   * Elements below which an array comes from the thread's allocation buffer: cheaper than a pool.
   */
  static final int MIN_LENGTH = 4096;

  private final IntFunction<A> allocator;
  private final ToIntFunction<A> length;
  private final Consumer<A> zero;
  private final int elementBytes;
  private final long capacityBytes;
  private final ConcurrentHashMap<Integer, Deque<A>> idle = new ConcurrentHashMap<>();
  private final AtomicLong idleBytes = new AtomicLong();
  private final AtomicLong hits = new AtomicLong();

  ArrayPool(IntFunction<A> allocator, ToIntFunction<A> length, Consumer<A> zero, int elementBytes) {
    this.allocator = allocator;
    this.length = length;
    this.zero = zero;
    this.elementBytes = elementBytes;
    this.capacityBytes = Runtime.getRuntime().maxMemory() / 4;
  }

  /**
   * An array of exactly {@code n} elements, zero-filled when {@code zeroed}, else of any content.
   */
  A take(int n, boolean zeroed) {
    Deque<A> free = n < MIN_LENGTH ? null : idle.get(n);
    A array = free == null ? null : free.pollFirst();
    if (array == null) {
      return allocator.apply(n);
    }
    idleBytes.addAndGet(-(long) n * elementBytes);
    hits.incrementAndGet();
    if (zeroed) {
      zero.accept(array);
    }
    return array;
  }

  /** Takes {@code array} back; its taker must hold no reference to it any more. */
  void give(A array) {
    int n = length.applyAsInt(array);
    long bytes = (long) n * elementBytes;
    if (n < MIN_LENGTH || idleBytes.addAndGet(bytes) > capacityBytes) {
      if (n >= MIN_LENGTH) {
        idleBytes.addAndGet(-bytes);
      }
      return;
    }
    idle.computeIfAbsent(n, key -> new ConcurrentLinkedDeque<>()).addFirst(array);
  }

  /** Leaves every idle array to the garbage collector. */
  void clear() {
    for (Deque<A> free : idle.values()) {
      for (A array = free.pollFirst(); array != null; array = free.pollFirst()) {
        idleBytes.addAndGet(-(long) length.applyAsInt(array) * elementBytes);
      }
    }
  }

  /** Arrays served from the pool rather than the heap, since the pool was made. */
  long hits() {
    return hits.get();
  }

  /** Bytes of the arrays the pool holds now. */
  long idleBytes() {
    return idleBytes.get();
  }
}
