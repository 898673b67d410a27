package dev.rnn4j.backend;

/**
 * Memory for {@link #numel()} elements of one {@link DType} on one {@link Device}: a Java array on
 * the CPU ({@link HostStorage}), a block of device memory on a GPU. Backends create storages and
 * compute on them; {@code dev.rnn4j.tensor.Tensor} gives one a shape.
 *
 * <p>A storage has one owner, who closes it: device memory then goes back to its backend's caching
 * allocator at once. A view (an RNN parameter inside cuDNN's weight space, say) owns nothing:
 * closing it does nothing, and it lives as long as what it views. Use after close fails with {@link
 * IllegalStateException}.
 */
public interface Storage extends AutoCloseable {
  /**
   * Where the memory is.
   *
   * @return the device holding the elements
   */
  Device device();

  /**
   * The element type.
   *
   * @return float32 or float64
   */
  DType dtype();

  /**
   * The number of elements.
   *
   * @return the element count
   */
  long numel();

  /**
   * Whether {@link #close()} has run (always false for a view).
   *
   * @return true once closed
   */
  boolean isClosed();

  /** Releases the memory; idempotent; a view's close does nothing. */
  @Override
  void close();
}
