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
 * megabytes are humongous objects to G1, whose collections of them shrink the heap and so make
 * later calls fault its pages in again (docs/bench-2026-12-07-zen5/levers.txt: before this pool,
 * C3's forward pass took 2.48 times PyTorch's time with the JVM's default heap, 1.12 with the heap
 * held at 2 GiB).
 *
 * <p>Arrays are kept by size class, most recently returned first (the likeliest still in cache), up
 * to a quarter of the heap's maximum for all the JVM's pools together; an array beyond that, or
 * shorter than {@link #MIN_LENGTH}, is left to the garbage collector. A class holds the lengths
 * from one eighth of a power of two above the class below it up to its own, so that passes whose
 * lengths vary a little (batches of sequences cut to their own length) share arrays, at most 12.5%
 * longer than asked; the pool's users read no array's length.
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
  private final ConcurrentHashMap<Integer, Deque<A>> idle = new ConcurrentHashMap<>();
  private final AtomicLong idleBytes = new AtomicLong();
  // Every pool's idle bytes in this JVM (each backend has one per element type), against one cap.
  private static final AtomicLong ALL_IDLE_BYTES = new AtomicLong();
  private static final long CAPACITY_BYTES = Runtime.getRuntime().maxMemory() / 4;
  private final AtomicLong hits = new AtomicLong();

  ArrayPool(IntFunction<A> allocator, ToIntFunction<A> length, Consumer<A> zero, int elementBytes) {
    this.allocator = allocator;
    this.length = length;
    this.zero = zero;
    this.elementBytes = elementBytes;
  }

  /**
   * An array of at least {@code n} elements (its size class), zero-filled when {@code zeroed}, else
   * of any content.
   */
  A take(int n, boolean zeroed) {
    int size = sizeClass(n);
    Deque<A> free = n < MIN_LENGTH ? null : idle.get(size);
    A array = free == null ? null : free.pollFirst();
    if (array == null) {
      return allocator.apply(size);
    }
    idleBytes.addAndGet(-(long) size * elementBytes);
    ALL_IDLE_BYTES.addAndGet(-(long) size * elementBytes);
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
    if (n < MIN_LENGTH) {
      return;
    }
    if (ALL_IDLE_BYTES.addAndGet(bytes) > CAPACITY_BYTES) {
      ALL_IDLE_BYTES.addAndGet(-bytes);
      return;
    }
    idleBytes.addAndGet(bytes);
    idle.computeIfAbsent(n, key -> new ConcurrentLinkedDeque<>()).addFirst(array);
  }

  /**
   * {@code n} rounded up to a multiple of an eighth of its highest power of two: 4096, 4608, ...,
   * 7680, 8192, 9216, ...; {@code n} itself below {@link #MIN_LENGTH} or where rounding would
   * overflow.
   */
  static int sizeClass(int n) {
    if (n < MIN_LENGTH) {
      return n;
    }
    int shift = 31 - Integer.numberOfLeadingZeros(n) - 3;
    long size = (((long) n + (1 << shift) - 1) >> shift) << shift;
    return size > Integer.MAX_VALUE ? n : (int) size;
  }

  /** Leaves every idle array to the garbage collector. */
  void clear() {
    for (Deque<A> free : idle.values()) {
      for (A array = free.pollFirst(); array != null; array = free.pollFirst()) {
        long bytes = (long) length.applyAsInt(array) * elementBytes;
        idleBytes.addAndGet(-bytes);
        ALL_IDLE_BYTES.addAndGet(-bytes);
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
