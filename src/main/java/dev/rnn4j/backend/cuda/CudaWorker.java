package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCublas;
import static dev.rnn4j.backend.cuda.NativeCalls.checkCudnn;
import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import dev.rnn4j.tensor.DType;
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
import jcuda.jcudnn.cudnnDropoutDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.runtime.cudaStream_t;

/**
 * What one thread needs to work on a device: a stream, a cuDNN handle and a cuBLAS handle bound to it, the
 * dropout RNG state of that handle, and a pinned staging buffer for transfers. Borrowed from
 * {@link CudaDevice#acquire()} for one call at a time, so no two threads ever share a handle or stream.
 *
 * <p>Transfers go through the staging buffer: {@link #upload} copies host data into the next free region
 * and queues the copy on the stream; {@link #download} queues device-to-host copies, and
 * {@link #finishDownloads()} waits for the stream once and then hands the data over. The regions are
 * reused after every synchronization.
 */
final class CudaWorker implements AutoCloseable {
  private static final long MIN_STAGING = 1 << 20;

  private final CudaDevice device;
  private final CUstream stream = new CUstream();
  private final cudnnHandle cudnn = new cudnnHandle();
  private final cublasHandle cublas = new cublasHandle();
  private PinnedBuffer staging;
  private long stagingUsed;
  private final List<Runnable> pendingDownloads = new ArrayList<>();
  private DeviceBuffer dropoutStates;
  private cudnnDropoutDescriptor dropout;

  CudaWorker(CudaDevice device) {
    this.device = device;
    checkDriver("cuStreamCreate", JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING));
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

  /** Allocates device memory for {@code count} elements of {@code dtype}. */
  DeviceBuffer allocate(DType dtype, long count) {
    return DeviceBuffer.allocate(device, count * dtype.byteSize());
  }

  /** Allocates device memory and queues a fill with zero bytes. */
  DeviceBuffer zeros(DType dtype, long count) {
    DeviceBuffer b = allocate(dtype, count);
    memsetZero(b.pointer(), count * dtype.byteSize());
    return b;
  }

  /** Queues a fill of {@code bytes} bytes at {@code pointer} with zeros. */
  void memsetZero(CUdeviceptr pointer, long bytes) {
    checkDriver("cuMemsetD8Async", JCudaDriver.cuMemsetD8Async(pointer, (byte) 0, bytes, stream));
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(float[] data, int from, int count, CUdeviceptr dst) {
    long bytes = 4L * count;
    long at = reserve(bytes);
    staging.view().asFloatBuffer().position((int) (at / 4)).put(data, from, count);
    copyIn(at, bytes, dst);
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(double[] data, int from, int count, CUdeviceptr dst) {
    long bytes = 8L * count;
    long at = reserve(bytes);
    staging.view().asDoubleBuffer().position((int) (at / 8)).put(data, from, count);
    copyIn(at, bytes, dst);
  }

  /** Queues a copy of {@code data} to {@code dst}. */
  void upload(int[] data, CUdeviceptr dst) {
    long bytes = 4L * data.length;
    long at = reserve(bytes);
    staging.view().asIntBuffer().position((int) (at / 4)).put(data);
    copyIn(at, bytes, dst);
  }

  /**
   * Queues a copy of {@code count} floats from {@code src} into {@code into[from..]}; the array is filled
   * by {@link #finishDownloads()}.
   */
  void download(CUdeviceptr src, float[] into, int from, int count) {
    long bytes = 4L * count;
    long at = reserve(bytes);
    copyOut(src, at, bytes);
    pendingDownloads.add(() -> staging.view().asFloatBuffer().position((int) (at / 4)).get(into, from, count));
  }

  /** As {@link #download(CUdeviceptr, float[], int, int)} for doubles. */
  void download(CUdeviceptr src, double[] into, int from, int count) {
    long bytes = 8L * count;
    long at = reserve(bytes);
    copyOut(src, at, bytes);
    pendingDownloads.add(() -> staging.view().asDoubleBuffer().position((int) (at / 8)).get(into, from, count));
  }

  /** Waits for the stream and completes every queued download; the staging buffer is then free again. */
  void finishDownloads() {
    synchronize();
    for (Runnable r : pendingDownloads) {
      r.run();
    }
    pendingDownloads.clear();
    stagingUsed = 0;
  }

  /**
   * This handle's dropout descriptor with probability {@code p}. The RNG state is made once per handle,
   * seeded with {@code seed} on first use (an expensive kernel), and continued afterwards.
   */
  cudnnDropoutDescriptor dropout(float p, long seed) {
    if (dropout == null) {
      long[] size = new long[1];
      checkCudnn("cudnnDropoutGetStatesSize", JCudnn.cudnnDropoutGetStatesSize(cudnn, size));
      dropoutStates = DeviceBuffer.allocate(device, size[0]);
      cudnnDropoutDescriptor d = new cudnnDropoutDescriptor();
      checkCudnn("cudnnCreateDropoutDescriptor", JCudnn.cudnnCreateDropoutDescriptor(d));
      checkCudnn("cudnnSetDropoutDescriptor", JCudnn.cudnnSetDropoutDescriptor(d, cudnn, p,
          dropoutStates.pointer(), size[0], seed));
      dropout = d;
    } else {
      checkCudnn("cudnnRestoreDropoutDescriptor", JCudnn.cudnnRestoreDropoutDescriptor(dropout, cudnn, p,
          dropoutStates.pointer(), dropoutStates.bytes(), 0));
    }
    return dropout;
  }

  @Override
  public void close() {
    synchronize();
    if (dropout != null) {
      checkCudnn("cudnnDestroyDropoutDescriptor", JCudnn.cudnnDestroyDropoutDescriptor(dropout));
      dropout = null;
      dropoutStates.close();
    }
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
        staging.close();
        staging = new PinnedBuffer(Math.max(aligned, 2 * staging.bytes()));
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
    checkDriver("cuMemcpyDtoHAsync", JCudaDriver.cuMemcpyDtoHAsync(staging.at(at), src, bytes, stream));
  }
}
