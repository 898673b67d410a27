package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import dev.rnn4j.backend.RnnNativeException;
import java.lang.ref.Cleaner;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device memory with one owner, freed by {@link #close()}. A {@link Cleaner} frees a buffer that its owner
 * forgot (and logs it, since that is a bug); {@link CudaDevice#liveAllocations()} counts what is allocated.
 */
final class DeviceBuffer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceBuffer.class);
  private static final Cleaner CLEANER = Cleaner.create();

  private final CudaDevice device;
  private final long bytes;
  private final Release release;
  private final Cleaner.Cleanable cleanable;

  private DeviceBuffer(CudaDevice device, long bytes, CUdeviceptr pointer) {
    this.device = device;
    this.bytes = bytes;
    this.release = new Release(device, pointer, bytes);
    this.cleanable = CLEANER.register(this, release);
  }

  /**
   * Allocates {@code bytes} (at least one word, so that empty tensors have an address) on {@code device},
   * whose context must be current on the calling thread.
   */
  static DeviceBuffer allocate(CudaDevice device, long bytes) {
    CUdeviceptr pointer = new CUdeviceptr();
    long size = Math.max(bytes, 8);
    int status = JCudaDriver.cuMemAlloc(pointer, size);
    if (status != 0) {
      throw new RnnNativeException(String.format("cuMemAlloc of %d bytes on %s failed: %s", size, device,
          NativeCalls.describe(status)));
    }
    device.allocated();
    return new DeviceBuffer(device, bytes, pointer);
  }

  /** The device address; valid until {@link #close()}. */
  CUdeviceptr pointer() {
    if (release.freed) {
      throw new IllegalStateException("device buffer of " + bytes + " bytes on " + device + " is closed");
    }
    return release.pointer;
  }

  /** The size asked for, in bytes. */
  long bytes() {
    return bytes;
  }

  /** Frees the memory (with the device's context current on this thread); idempotent. */
  @Override
  public void close() {
    release.explicit = true;
    cleanable.clean();
  }

  private static final class Release implements Runnable {
    private final CudaDevice device;
    private final CUdeviceptr pointer;
    private final long bytes;
    private volatile boolean freed;
    private volatile boolean explicit;

    Release(CudaDevice device, CUdeviceptr pointer, long bytes) {
      this.device = device;
      this.pointer = pointer;
      this.bytes = bytes;
    }

    @Override
    public void run() {
      if (freed) {
        return;
      }
      freed = true;
      if (!explicit) {
        LOG.warn("a device buffer of {} bytes on {} was never closed; freed by the cleaner", bytes, device);
      }
      device.makeCurrent();
      checkDriver("cuMemFree", JCudaDriver.cuMemFree(pointer));
      device.freed();
    }
  }
}
