package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCublas;
import static dev.rnn4j.backend.cuda.NativeCalls.checkCudnn;
import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnHandle;
import jcuda.runtime.cudaStream_t;

/**
 * What the device's work runs on: a stream, a cuDNN handle and a cuBLAS handle bound to it, and a
 * pinned staging buffer for transfers. Used through {@link CudaDevice#call}, one thread at a time.
 *
 * <p>Transfers go through the staging buffer: {@link #upload} copies host data into the next free
 * region and queues the copy on the stream; {@link #download} queues device-to-host copies, and
 * {@link #finishDownloads()} waits for the stream once and then hands the data over. The regions
 * are reused after every synchronization.
 */
final class CudaWorker implements AutoCloseable {
  private static final long MIN_STAGING = 1 << 20;
  // Transfers move through the staging buffer in pieces of at most this size, so that it stays
  // small
  // and a transfer of any size (over 2 GiB too) fits.
  private static final long MAX_STAGING = 64L << 20;

  private final CudaDevice device;
  private final CUstream stream = new CUstream();
  private final cudnnHandle cudnn = new cudnnHandle();
  private final cublasHandle cublas = new cublasHandle();
  private PinnedBuffer staging;
  private long stagingUsed;
  private final List<Runnable> pendingDownloads = new ArrayList<>();

  CudaWorker(CudaDevice device) {
    this.device = device;
    checkDriver(
        "cuStreamCreate",
        JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING));
    checkCudnn("cudnnCreate", JCudnn.cudnnCreate(cudnn));
    checkCudnn("cudnnSetStream", JCudnn.cudnnSetStream(cudnn, new cudaStream_t(stream)));
    checkCublas("cublasCreate", JCublas2.cublasCreate(cublas));
    checkCublas("cublasSetStream", JCublas2.cublasSetStream(cublas, new cudaStream_t(stream)));
    this.staging = new PinnedBuffer(MIN_STAGING);
  }

  CudaDevice device() {
    return device;
  }

  CUstream stream() {
    return stream;
  }

  cudnnHandle cudnn() {
    return cudnn;
  }

  cublasHandle cublas() {
    return cublas;
  }

  /** Waits until everything queued on this worker's stream has run. */
  void synchronize() {
    checkDriver("cuStreamSynchronize", JCudaDriver.cuStreamSynchronize(stream));
  }

  /** Queues a copy of {@code bytes} bytes from {@code src} to {@code dst}, both on the device. */
  void copy(CUdeviceptr src, CUdeviceptr dst, long bytes) {
    if (bytes > 0) {
      checkDriver("cuMemcpyDtoDAsync", JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream));
    }
  }

  /** Queues a fill of {@code bytes} bytes at {@code pointer} with zeros. */
  void memsetZero(CUdeviceptr pointer, long bytes) {
    checkDriver("cuMemsetD8Async", JCudaDriver.cuMemsetD8Async(pointer, (byte) 0, bytes, stream));
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(float[] data, int from, int count, CUdeviceptr dst) {
    for (int done = 0; done < count; ) {
      int n = Math.min(count - done, (int) (MAX_STAGING / 4));
      long at = reserve(4L * n);
      staging.view().asFloatBuffer().position((int) (at / 4)).put(data, from + done, n);
      copyIn(at, 4L * n, dst.withByteOffset(4L * done));
      done += n;
    }
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(double[] data, int from, int count, CUdeviceptr dst) {
    for (int done = 0; done < count; ) {
      int n = Math.min(count - done, (int) (MAX_STAGING / 8));
      long at = reserve(8L * n);
      staging.view().asDoubleBuffer().position((int) (at / 8)).put(data, from + done, n);
      copyIn(at, 8L * n, dst.withByteOffset(8L * done));
      done += n;
    }
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(int[] data, CUdeviceptr dst) {
    for (int done = 0; done < data.length; ) {
      int n = Math.min(data.length - done, (int) (MAX_STAGING / 4));
      long at = reserve(4L * n);
      staging.view().asIntBuffer().position((int) (at / 4)).put(data, done, n);
      copyIn(at, 4L * n, dst.withByteOffset(4L * done));
      done += n;
    }
  }

  /**
   * Queues a copy of {@code count} floats from {@code src} into {@code into[from..]}; the array is
   * filled by {@link #finishDownloads()}.
   */
  void download(CUdeviceptr src, float[] into, int from, int count) {
    for (int done = 0; done < count; ) {
      int n = Math.min(count - done, (int) (MAX_STAGING / 4));
      long at = reserve(4L * n);
      copyOut(src.withByteOffset(4L * done), at, 4L * n);
      int to = from + done;
      pendingDownloads.add(
          () -> staging.view().asFloatBuffer().position((int) (at / 4)).get(into, to, n));
      done += n;
    }
  }

  /** As {@link #download(CUdeviceptr, float[], int, int)} for doubles. */
  void download(CUdeviceptr src, double[] into, int from, int count) {
    for (int done = 0; done < count; ) {
      int n = Math.min(count - done, (int) (MAX_STAGING / 8));
      long at = reserve(8L * n);
      copyOut(src.withByteOffset(8L * done), at, 8L * n);
      int to = from + done;
      pendingDownloads.add(
          () -> staging.view().asDoubleBuffer().position((int) (at / 8)).get(into, to, n));
      done += n;
    }
  }

  /**
   * Waits for the stream and completes every queued download; the staging buffer is then free
   * again.
   */
  void finishDownloads() {
    synchronize();
    for (Runnable r : pendingDownloads) {
      r.run();
    }
    pendingDownloads.clear();
    stagingUsed = 0;
  }

  @Override
  public void close() {
    synchronize();
    checkCublas("cublasDestroy", JCublas2.cublasDestroy(cublas));
    checkCudnn("cudnnDestroy", JCudnn.cudnnDestroy(cudnn));
    staging.close();
    checkDriver("cuStreamDestroy", JCudaDriver.cuStreamDestroy(stream));
  }

  private long reserve(long bytes) {
    long aligned = (bytes + 15) & ~15L;
    if (stagingUsed + aligned > staging.bytes()) {
      // Queued copies may still read the old buffer, and pending downloads still need it.
      finishDownloads();
      if (aligned > staging.bytes()) {
        // The new buffer first: if pinning fails, the old one stays usable.
        PinnedBuffer larger =
            new PinnedBuffer(Math.min(MAX_STAGING, Math.max(aligned, 2 * staging.bytes())));
        staging.close();
        staging = larger;
      }
    }
    long at = stagingUsed;
    stagingUsed += aligned;
    return at;
  }

  private void copyIn(long at, long bytes, CUdeviceptr dst) {
    Pointer src = staging.at(at);
    checkDriver("cuMemcpyHtoDAsync", JCudaDriver.cuMemcpyHtoDAsync(dst, src, bytes, stream));
  }

  private void copyOut(CUdeviceptr src, long at, long bytes) {
    checkDriver(
        "cuMemcpyDtoHAsync", JCudaDriver.cuMemcpyDtoHAsync(staging.at(at), src, bytes, stream));
  }
}
