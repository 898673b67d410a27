package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.RnnNativeException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Device memory for one device, cached as PyTorch's {@code CUDACachingAllocator} caches it:
 * requests are rounded up to a size class (512 bytes below 1 MiB, 2 MiB above: PyTorch's {@code
 * kMinBlockSize} and {@code kRoundLarge}), a freed block goes onto its class's free list instead of
 * back to the driver, and the next request of that class takes it. Memory goes back to the driver
 * only in {@link #emptyCache()} (and at device shutdown), or when {@code cuMemAlloc} fails: then
 * every cached block is freed and the allocation tried once more, and if that fails too, after a
 * garbage collection has returned the blocks of tensors nobody closed.
 *
 * <p>Reuse without events is safe because all work on a device's memory runs on one stream (the
 * device's worker, {@link CudaDevice}): a block's last use is queued before the work of whoever
 * gets it next. Blocks are never split, so a freed block serves only its own class.
 *
 * <p>Thread-safe: {@link #free} may come from the {@link java.lang.ref.Cleaner}'s thread, and
 * touches no CUDA state; {@link #allocate} and {@link #emptyCache} need the device's context
 * current.
 */
final class CachingAllocator {
  private static final long SMALL_ROUND = 512;
  private static final long GC_WAIT_MILLIS = 200;
  private static final long SMALL_LIMIT = 1L << 20;
  private static final long LARGE_ROUND = 2L << 20;

  private final String device;
  private final Runnable synchronize;
  private final Map<Long, Deque<Address>> free = new TreeMap<>();
  private long liveBlocks;
  private long liveBytes;
  private long driverAllocations;
  private long cacheHits;
  private long cachedBytes;

  /**
   * @param device the device's name, for messages
   * @param synchronize waits for the device's stream: cached blocks may still be read by queued
   *     work until it has run, so nothing is freed to the driver before
   */
  CachingAllocator(String device, Runnable synchronize) {
    this.device = device;
    this.synchronize = synchronize;
  }

  /** A device address with its value readable, for the offsets of views and weight-space blocks. */
  static final class Address extends CUdeviceptr {
    /** The address in bytes (this pointer's native address plus its byte offset). */
    long value() {
      return getNativePointer() + getByteOffset();
    }
  }

  /** One block handed out: its address and its rounded size. */
  record Block(Address pointer, long bytes) {}

  /**
   * The size class of a request of {@code bytes} (at least one class, so that empty tensors have an
   * address).
   */
  static long sizeClass(long bytes) {
    long round = bytes < SMALL_LIMIT ? SMALL_ROUND : LARGE_ROUND;
    return Math.max(round, (bytes + round - 1) / round * round);
  }

  /** A block of at least {@code bytes}, from the cache if one of its class is free. */
  synchronized Block allocate(long bytes) {
    long size = sizeClass(bytes);
    Deque<Address> list = free.get(size);
    Address pointer = list == null ? null : list.pollFirst();
    if (pointer != null) {
      cacheHits++;
      cachedBytes -= size;
    } else {
      pointer = new Address();
      int status = JCudaDriver.cuMemAlloc(pointer, size);
      if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY && cachedBytes > 0) {
        // Cached blocks of other classes may be what the driver lacks: give them back and retry
        // once.
        releaseCached();
        status = JCudaDriver.cuMemAlloc(pointer, size);
      }
      if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
        // Tensors nobody closed come back only when collected: collect, let the cleaner return
        // their
        // blocks, and try a last time.
        collect();
        releaseCached();
        status = JCudaDriver.cuMemAlloc(pointer, size);
      }
      if (status != CUresult.CUDA_SUCCESS) {
        throw new RnnNativeException(
            String.format(
                "cuMemAlloc of %d bytes on %s failed: %s (%d bytes " + "live in %d blocks)",
                size, device, NativeCalls.describe(status), liveBytes, liveBlocks));
      }
      driverAllocations++;
    }
    liveBlocks++;
    liveBytes += size;
    return new Block(pointer, size);
  }

  /** Returns a block to its class's free list; the memory stays allocated for reuse. */
  synchronized void free(Block block) {
    free.computeIfAbsent(block.bytes(), k -> new ArrayDeque<>()).addFirst(block.pointer());
    liveBlocks--;
    liveBytes -= block.bytes();
    cachedBytes += block.bytes();
    notifyAll(); // a collect() may be waiting for the cleaner
  }

  /**
   * The live blocks once the garbage collector has had its chance to return those of tensors nobody
   * closed (at shutdown, where only true leaks should remain): 0, or the count after about a
   * second.
   */
  synchronized long awaitCollected() {
    for (int i = 0; i < 5 && liveBlocks > 0; i++) {
      collect();
    }
    return liveBlocks;
  }

  /**
   * Runs a collection and waits (releasing this monitor, which free() needs) for the cleaner's
   * frees.
   */
  private void collect() {
    long before = liveBlocks;
    System.gc();
    long deadline = System.nanoTime() + GC_WAIT_MILLIS * 1_000_000;
    try {
      while (liveBlocks == before && System.nanoTime() < deadline) {
        wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Frees every cached block to the driver ({@code torch.cuda.empty_cache()}); live blocks stay.
   */
  synchronized void emptyCache() {
    releaseCached();
  }

  synchronized long liveBlocks() {
    return liveBlocks;
  }

  synchronized long liveBytes() {
    return liveBytes;
  }

  synchronized long driverAllocations() {
    return driverAllocations;
  }

  synchronized long cacheHits() {
    return cacheHits;
  }

  synchronized long cachedBytes() {
    return cachedBytes;
  }

  private void releaseCached() {
    synchronize.run();
    int failed = CUresult.CUDA_SUCCESS;
    for (Deque<Address> list : free.values()) {
      for (Address p : list) {
        int status = JCudaDriver.cuMemFree(p); // every block, even after a failure
        if (failed == CUresult.CUDA_SUCCESS) {
          failed = status;
        }
      }
    }
    free.clear();
    cachedBytes = 0;
    NativeCalls.checkDriver("cuMemFree", failed);
  }
}
