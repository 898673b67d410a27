package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import dev.rnn4j.backend.Device;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * One CUDA device as rnn4j uses it: the device's primary context (the one cuDNN and cuBLAS use too,
 * so that driver kernels, cuDNN and cuBLAS share memory), made current on every thread that works
 * on the device; the PTX module of rnn4j's kernels, loaded once; its {@link CachingAllocator}; and
 * its one {@link CudaWorker}, whose stream runs all of the device's work.
 *
 * <p>One stream is what makes the cache's reuse safe without events (a freed block's last use is
 * queued before its next owner's work), and what PyTorch's default stream gives its users. Threads
 * take turns through {@link #call}, which holds the device's lock; the work itself is queued and
 * runs while the caller goes on, so the lock is held for the enqueueing only, except around
 * transfers to the host.
 *
 * <p>A device lives as long as the JVM, as a device does in PyTorch; {@link #closeAll()} releases
 * every device once nothing is allocated on it any more (tests and executors that shut down call
 * it). The counters (transfers, plan builds) run from the device's opening.
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
  private final ReentrantLock lock = new ReentrantLock();
  private final CachingAllocator allocator;
  private final AtomicLong uploads = new AtomicLong();
  private final AtomicLong downloads = new AtomicLong();
  private final AtomicLong planBuilds = new AtomicLong();
  private final CudaWorker worker;
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
    this.allocator = new CachingAllocator("cuda:" + ordinal, this::synchronize);
    this.worker = new CudaWorker(this);
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
   * Closes every open device: its cached memory, its worker, its kernel module, and its primary
   * context.
   *
   * @throws IllegalStateException when device memory is still allocated (a leak, named by count)
   */
  static synchronized void closeAll() {
    for (CudaDevice d : new ArrayList<>(OPEN.values())) {
      d.close();
      OPEN.remove(d.ordinal);
    }
  }

  /** Blocks handed out by the allocators of every open device and not yet returned. */
  static int liveAllocationsOfAll() {
    return OPEN.values().stream().mapToInt(CudaDevice::liveAllocations).sum();
  }

  /** Makes this device's primary context current on the calling thread. */
  void makeCurrent() {
    checkDriver("cuCtxSetCurrent", JCudaDriver.cuCtxSetCurrent(context));
  }

  /**
   * Runs {@code work} with the device's worker, holding the device's lock (reentrant: work may call
   * back into the device) with the context current on this thread.
   */
  <T> T call(Function<CudaWorker, T> work) {
    lock.lock();
    try {
      makeCurrent();
      return work.apply(worker);
    } finally {
      lock.unlock();
    }
  }

  /** {@link #call} for work without a result. */
  void run(Consumer<CudaWorker> work) {
    call(
        w -> {
          work.accept(w);
          return null;
        });
  }

  /** Waits until everything queued on the device's stream has run. */
  void synchronize() {
    worker.synchronize();
  }

  CachingAllocator allocator() {
    return allocator;
  }

  /** Frees every cached block to the driver, after the queued work has run. */
  void emptyCache() {
    run(w -> allocator.emptyCache());
  }

  /** The device as the backend SPI names it. */
  Device asDevice() {
    return Device.cuda(ordinal);
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

  /** Blocks handed out by the allocator and not yet returned. */
  int liveAllocations() {
    return (int) allocator.liveBlocks();
  }

  void countUpload() {
    uploads.incrementAndGet();
  }

  void countDownload() {
    downloads.incrementAndGet();
  }

  void countPlanBuild() {
    planBuilds.incrementAndGet();
  }

  long uploads() {
    return uploads.get();
  }

  long downloads() {
    return downloads.get();
  }

  long planBuilds() {
    return planBuilds.get();
  }

  @Override
  public String toString() {
    return "cuda:" + ordinal + " (" + name + ")";
  }

  private void close() {
    lock.lock();
    try {
      makeCurrent();
      worker.synchronize();
      long live = allocator.awaitCollected();
      if (live != 0) {
        throw new IllegalStateException(
            String.format(
                "%s: %d device blocks (%d bytes) are still allocated; close their owners first",
                this, live, allocator.liveBytes()));
      }
      allocator.emptyCache();
      worker.close();
      if (kernels != null) {
        kernels.close();
        kernels = null;
      }
      checkDriver("cuDevicePrimaryCtxRelease", JCudaDriver.cuDevicePrimaryCtxRelease(device));
    } finally {
      lock.unlock();
    }
  }

  private int attribute(int which) {
    int[] value = new int[1];
    checkDriver(
        "cuDeviceGetAttribute(" + which + ")",
        JCudaDriver.cuDeviceGetAttribute(value, which, device));
    return value[0];
  }
}
