package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * One CUDA device as rnn4j uses it: the device's primary context (the one cuDNN and cuBLAS use too, so
 * that driver kernels, cuDNN and cuBLAS share memory), made current on every thread that works on the
 * device; the PTX module of rnn4j's kernels, loaded once; and a pool of {@link CudaWorker}s, each with its
 * own stream and handles and used by one thread at a time.
 *
 * <p>A device lives as long as the JVM, as a device does in PyTorch; {@link #closeAll()} releases every
 * device once nothing is allocated on it any more (tests and executors that shut down call it).
 */
final class CudaDevice {
  private static final Map<Integer, CudaDevice> OPEN = new ConcurrentHashMap<>();

  private final int ordinal;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final String name;
  private final long totalMemory;
  private final int major;
  private final int minor;
  private final int multiprocessors;
  private final AtomicInteger live = new AtomicInteger();
  private final Deque<CudaWorker> idle = new ConcurrentLinkedDeque<>();
  private final List<CudaWorker> all = new ArrayList<>();
  private CudaKernels kernels;

  private CudaDevice(int ordinal) {
    this.ordinal = ordinal;
    checkDriver("cuDeviceGet(" + ordinal + ")", JCudaDriver.cuDeviceGet(device, ordinal));
    checkDriver("cuDevicePrimaryCtxRetain", JCudaDriver.cuDevicePrimaryCtxRetain(context, device));
    makeCurrent();
    byte[] buffer = new byte[256];
    checkDriver("cuDeviceGetName", JCudaDriver.cuDeviceGetName(buffer, buffer.length, device));
    int end = 0;
    while (end < buffer.length && buffer[end] != 0) {
      end++;
    }
    this.name = new String(buffer, 0, end, StandardCharsets.US_ASCII);
    long[] bytes = new long[1];
    checkDriver("cuDeviceTotalMem", JCudaDriver.cuDeviceTotalMem(bytes, device));
    this.totalMemory = bytes[0];
    this.major = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    this.minor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    this.multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    // cuDNN asks that the first handle exist before others are created concurrently.
    release(newWorker());
  }

  /** Device {@code ordinal}, opened on first use; the driver must have been initialized. */
  static CudaDevice get(int ordinal) {
    return OPEN.computeIfAbsent(ordinal, CudaDevice::new);
  }

  /** The number of devices the driver sees. */
  static int count() {
    int[] n = new int[1];
    checkDriver("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(n));
    return n[0];
  }

  /**
   * Closes every open device: its workers, its kernel module, and its primary context.
   *
   * @throws IllegalStateException when device memory is still allocated (a leak, named by count)
   */
  static synchronized void closeAll() {
    for (CudaDevice d : new ArrayList<>(OPEN.values())) {
      d.close();
      OPEN.remove(d.ordinal);
    }
  }

  /** Device buffers allocated and not yet freed on every open device. */
  static int liveAllocationsOfAll() {
    return OPEN.values().stream().mapToInt(CudaDevice::liveAllocations).sum();
  }

  /** Makes this device's primary context current on the calling thread. */
  void makeCurrent() {
    checkDriver("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(context));
  }

  /**
   * Borrows a worker for the calling thread, with the context made current; give it back with
   * {@link #release}. A worker is never used by two threads at once.
   */
  CudaWorker acquire() {
    makeCurrent();
    CudaWorker w = idle.pollFirst();
    return w != null ? w : newWorker();
  }

  /** Returns a worker borrowed with {@link #acquire}. */
  void release(CudaWorker worker) {
    idle.addFirst(worker);
  }

  /** rnn4j's kernels, loaded into this device's context on first use. */
  synchronized CudaKernels kernels() {
    if (kernels == null) {
      makeCurrent();
      kernels = CudaKernels.load();
    }
    return kernels;
  }

  int ordinal() {
    return ordinal;
  }

  String name() {
    return name;
  }

  long totalMemory() {
    return totalMemory;
  }

  /** The compute capability as {@code major * 10 + minor}, e.g. 90 for Hopper. */
  int computeCapability() {
    return major * 10 + minor;
  }

  /** The device's free memory now, in bytes, as the driver reports it. */
  long freeMemory() {
    makeCurrent();
    long[] free = new long[1];
    long[] total = new long[1];
    checkDriver("cuMemGetInfo", JCudaDriver.cuMemGetInfo(free, total));
    return free[0];
  }

  int multiprocessors() {
    return multiprocessors;
  }

  /** Device buffers allocated and not yet freed. */
  int liveAllocations() {
    return live.get();
  }

  void allocated() {
    live.incrementAndGet();
  }

  void freed() {
    live.decrementAndGet();
  }

  @Override
  public String toString() {
    return "cuda:" + ordinal + " (" + name + ")";
  }

  private synchronized CudaWorker newWorker() {
    makeCurrent();
    CudaWorker w = new CudaWorker(this);
    all.add(w);
    return w;
  }

  private synchronized void close() {
    makeCurrent();
    if (idle.size() != all.size()) {
      throw new IllegalStateException(String.format("%s: %d of %d workers are still in use", this,
          all.size() - idle.size(), all.size()));
    }
    for (CudaWorker w : all) {
      w.close();
    }
    all.clear();
    idle.clear();
    if (kernels != null) {
      kernels.close();
      kernels = null;
    }
    if (live.get() != 0) {
      throw new IllegalStateException(String.format(
          "%s: %d device buffers are still allocated; close their owners first", this, live.get()));
    }
    checkDriver("cuDevicePrimaryCtxRelease", JCudaDriver.cuDevicePrimaryCtxRelease(device));
  }

  private int attribute(int which) {
    int[] value = new int[1];
    checkDriver("cuDeviceGetAttribute(" + which + ")", JCudaDriver.cuDeviceGetAttribute(value, which, device));
    return value[0];
  }
}
