package dev.rnn4j.backend;

/**
 * A backend's counters since it was created, for tests and benchmarks: what its allocator holds and
 * has done, what crossed between host and device, and how often an RNN plan (cuDNN's descriptors,
 * plan and workspace sizes; on the CPU a kernel over one set of parameters) was built.
 *
 * <p>On the CPU the allocator is the heap: the counts cover the storages made by {@link
 * Backend#allocate} and {@link Backend#upload} (parameters, gradients, optimizer state, a step's
 * buffers), not the arrays operations return, which the garbage collector owns; uploads and
 * downloads count the {@code upload} and {@code download} calls, not the small host arrays an
 * operation takes as arguments (row indices, class labels).
 *
 * @param liveBlocks storages allocated and not yet closed
 * @param liveBytes their bytes
 * @param driverAllocations allocations the allocator asked of the driver (the heap on the CPU)
 * @param cacheHits allocations served from freed blocks instead (on the CPU: RNN scratch arrays
 *     served from the backend's pool of them)
 * @param cachedBytes freed bytes the allocator keeps for reuse (on the CPU: that pool's arrays)
 * @param uploads copies from host arrays into the backend's storages ({@link Backend#upload})
 * @param downloads copies from the backend's storages into host arrays ({@link Backend#download})
 * @param planBuilds RNN plans built
 */
public record BackendStats(
    long liveBlocks,
    long liveBytes,
    long driverAllocations,
    long cacheHits,
    long cachedBytes,
    long uploads,
    long downloads,
    long planBuilds) {

  /**
   * What happened between {@code earlier} and this snapshot (live counts are this snapshot's).
   *
   * @param earlier an earlier snapshot of the same backend
   * @return the differences of the counters
   */
  public BackendStats since(BackendStats earlier) {
    return new BackendStats(
        liveBlocks,
        liveBytes,
        driverAllocations - earlier.driverAllocations,
        cacheHits - earlier.cacheHits,
        cachedBytes,
        uploads - earlier.uploads,
        downloads - earlier.downloads,
        planBuilds - earlier.planBuilds);
  }
}
