package dev.rnn4j.backend.cuda;

/**
 * The launch geometry of every rnn4j kernel, shared by {@link CudaKernels} and the kernels' CPU
 * twins (which replay the reductions block by block, so they must know the grid the launcher
 * picks).
 */
final class LaunchGeometry {
  /** Threads per block of every launch; the reductions' tree assumes exactly this many. */
  static final int BLOCK = 256;

  /** The most blocks of a grid-stride launch, and so the most partials of one reduction launch. */
  static final int GRID_CAP = 1024;

  private LaunchGeometry() {}

  /**
   * The grid of a launch over {@code n} elements: {@code min(ceil(n / 256), 1024)}, 0 when n is 0.
   */
  static int gridSize(long n) {
    return (int) Math.min((n + BLOCK - 1) / BLOCK, GRID_CAP);
  }
}
