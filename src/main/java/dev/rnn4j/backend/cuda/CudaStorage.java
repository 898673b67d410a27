package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.Storage;
import java.util.Objects;
import jcuda.driver.CUdeviceptr;

/**
 * A CUDA backend's storage: either an owning block from the device's {@link CachingAllocator},
 * which {@link #close()} returns to the cache (and the cleaner returns if the owner forgets), or a
 * view of {@code numel} elements at an element offset into an owning storage (an RNN parameter
 * inside cuDNN's weight space), which owns nothing and fails once its parent is closed.
 */
final class CudaStorage implements Storage {
  private final CudaDevice device;
  private final DType dtype;
  private final long numel;
  private final DeviceBuffer buffer;
  private final CudaStorage parent;
  private final long offset;

  private CudaStorage(
      CudaDevice device,
      DType dtype,
      long numel,
      DeviceBuffer buffer,
      CudaStorage parent,
      long offset) {
    this.device = device;
    this.dtype = dtype;
    this.numel = numel;
    this.buffer = buffer;
    this.parent = parent;
    this.offset = offset;
  }

  /** An owning storage of {@code numel} uninitialized elements; the device's lock must be held. */
  static CudaStorage allocate(CudaDevice device, DType dtype, long numel) {
    DeviceBuffer b = DeviceBuffer.allocate(device, numel * dtype.byteSize(), true);
    return new CudaStorage(device, dtype, numel, b, null, 0);
  }

  /** A view of {@code numel} elements from element {@code offset} of this owning storage. */
  CudaStorage view(long offset, long numel) {
    if (parent != null) {
      throw new IllegalStateException("views are taken of owning storages only");
    }
    if (offset < 0 || numel < 0 || offset + numel > this.numel) {
      throw new IllegalArgumentException(
          String.format(
              "view [%d, %d) out of a storage of %d elements", offset, offset + numel, this.numel));
    }
    return new CudaStorage(device, dtype, numel, null, this, offset);
  }

  /** The storage as this backend's, of {@code dtype}: the check every backend operation makes. */
  static CudaStorage of(Storage s, CudaDevice device, String name) {
    Objects.requireNonNull(s, name);
    if (!(s instanceof CudaStorage c) || c.device != device) {
      throw new IllegalArgumentException(
          String.format(
              "%s is on %s, expected a storage of %s", name, s.device(), device.asDevice()));
    }
    return c;
  }

  /** The device address of element 0; fails after close (or after the parent's, for a view). */
  CUdeviceptr pointer() {
    if (parent != null) {
      return parent.pointer().withByteOffset(offset * dtype.byteSize());
    }
    return buffer.pointer();
  }

  /** The address of an owning storage's block, whose value offsets into it are measured from. */
  CachingAllocator.Address base() {
    if (parent != null) {
      throw new IllegalStateException("a view has no block of its own");
    }
    return buffer.pointer();
  }

  long bytes() {
    return numel * dtype.byteSize();
  }

  @Override
  public Device device() {
    return device.asDevice();
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  @Override
  public long numel() {
    return numel;
  }

  @Override
  public boolean isClosed() {
    return buffer != null && buffer.isClosed();
  }

  @Override
  public void close() {
    if (buffer != null) {
      buffer.close();
    }
  }

  @Override
  public String toString() {
    return (parent != null ? "view of " : "") + numel + " " + dtype + " on " + device.asDevice();
  }
}
