package dev.rnn4j.backend.cuda;

import java.lang.ref.Cleaner;
import jcuda.driver.CUdeviceptr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block of device memory from its device's {@link CachingAllocator}, with one owner; {@link
 * #close()} returns it to the cache. A {@link Cleaner} returns a block that its owner forgot: for
 * rnn4j's own buffers (workspaces, reserve spaces) that is a bug and is logged, for tensors'
 * storages it is the garbage-collected lifetime a user may rely on, and is quiet.
 */
final class DeviceBuffer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceBuffer.class);
  private static final Cleaner CLEANER = Cleaner.create();

  private final CudaDevice device;
  private final long bytes;
  private final Release release;
  private final Cleaner.Cleanable cleanable;

  private DeviceBuffer(CudaDevice device, long bytes, CachingAllocator.Block block, boolean quiet) {
    this.device = device;
    this.bytes = bytes;
    this.release = new Release(device, block, quiet);
    this.cleanable = CLEANER.register(this, release);
  }

  /**
   * {@code bytes} of uninitialized memory on {@code device}, whose lock the calling thread holds.
   *
   * @param quiet whether the cleaner may return a forgotten buffer without a warning
   */
  static DeviceBuffer allocate(CudaDevice device, long bytes, boolean quiet) {
    return new DeviceBuffer(device, bytes, device.allocator().allocate(bytes), quiet);
  }

  /**
   * An rnn4j-internal buffer of {@code bytes}; see {@link #allocate(CudaDevice, long, boolean)}.
   */
  static DeviceBuffer allocate(CudaDevice device, long bytes) {
    return allocate(device, bytes, false);
  }

  /** The device address; valid until {@link #close()}. */
  CachingAllocator.Address pointer() {
    if (release.returned) {
      throw new IllegalStateException(
          "device buffer of " + bytes + " bytes on " + device + " is closed");
    }
    return release.block.pointer();
  }

  /** The address {@code offset} bytes in. */
  CUdeviceptr at(long offset) {
    return pointer().withByteOffset(offset);
  }

  /** The size asked for, in bytes. */
  long bytes() {
    return bytes;
  }

  boolean isClosed() {
    return release.returned;
  }

  /** Returns the block to the cache; idempotent. */
  @Override
  public void close() {
    release.explicit = true;
    cleanable.clean();
  }

  private static final class Release implements Runnable {
    private final CudaDevice device;
    private final CachingAllocator.Block block;
    private final boolean quiet;
    private volatile boolean returned;
    private volatile boolean explicit;

    Release(CudaDevice device, CachingAllocator.Block block, boolean quiet) {
      this.device = device;
      this.block = block;
      this.quiet = quiet;
    }

    @Override
    public void run() {
      if (returned) {
        return;
      }
      returned = true;
      if (!explicit && !quiet) {
        LOG.warn(
            "a device buffer of {} bytes on {} was never closed; returned by the cleaner",
            block.bytes(),
            device);
      }
      device.allocator().free(block);
    }
  }
}
