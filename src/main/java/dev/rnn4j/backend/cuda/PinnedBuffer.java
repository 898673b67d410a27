package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked host memory for transfers: copies from it run asynchronously on a stream, where
 * copies from Java arrays (which JCuda pins only for the length of the call) are synchronous. Owned
 * by one {@link CudaWorker}; freed by {@link #close()} after the worker's stream has synchronized.
 */
final class PinnedBuffer implements AutoCloseable {
  private final Pointer pointer = new Pointer();
  private final long bytes;
  private final ByteBuffer view;
  private boolean closed;

  PinnedBuffer(long bytes) {
    this.bytes = bytes;
    checkDriver("cuMemAllocHost(" + bytes + " bytes)", JCudaDriver.cuMemAllocHost(pointer, bytes));
    try {
      this.view = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    } catch (RuntimeException e) {
      JCudaDriver.cuMemFreeHost(pointer); // best effort: the view's failure is the one to report
      throw e;
    }
  }

  long bytes() {
    return bytes;
  }

  /** The host address {@code offset} bytes in, for {@code cuMemcpy*Async}. */
  Pointer at(long offset) {
    return pointer.withByteOffset(offset);
  }

  /** A native-order view of the whole buffer. */
  ByteBuffer view() {
    return view;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      checkDriver("cuMemFreeHost", JCudaDriver.cuMemFreeHost(pointer));
    }
  }
}
