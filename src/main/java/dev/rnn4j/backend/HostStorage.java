package dev.rnn4j.backend;

import java.util.Objects;

/**
 * Storage in host memory: a float32 or float64 Java array, whole. The CPU backend computes on
 * these, and every backend copies to and from them ({@link Backend#upload}, {@link
 * Backend#download}).
 *
 * <p>The garbage collector owns the array; {@link #close()} only marks the storage unusable (and,
 * for storages the CPU backend allocated, updates its counters). A version number counts the writes
 * backends make in place, so that what was derived from the values (the CPU kernel's packed
 * weights) is rebuilt only after they change, as PyTorch's {@code _version} does.
 */
public final class HostStorage implements Storage {
  private final float[] floats;
  private final double[] doubles;
  private final Runnable onClose;
  private volatile boolean closed;
  private volatile long version;

  private HostStorage(float[] floats, double[] doubles, Runnable onClose) {
    this.floats = floats;
    this.doubles = doubles;
    this.onClose = onClose;
  }

  /**
   * Adopts {@code data}: the caller hands the array over.
   *
   * @param data the values, adopted
   * @return a float32 storage over {@code data}
   */
  public static HostStorage of(float[] data) {
    return new HostStorage(Objects.requireNonNull(data, "data"), null, null);
  }

  /**
   * Adopts {@code data}: the caller hands the array over.
   *
   * @param data the values, adopted
   * @return a float64 storage over {@code data}
   */
  public static HostStorage of(double[] data) {
    return new HostStorage(null, Objects.requireNonNull(data, "data"), null);
  }

  /**
   * A zero-filled storage of {@code numel} elements.
   *
   * @param dtype the element type
   * @param numel the number of elements
   * @return a new storage of zeros
   */
  public static HostStorage zeros(DType dtype, int numel) {
    return dtype == DType.FLOAT32 ? of(new float[numel]) : of(new double[numel]);
  }

  /**
   * A zero-filled storage whose {@link #close()} runs {@code onClose} once (a backend's
   * accounting).
   *
   * @param dtype the element type
   * @param numel the number of elements
   * @param onClose run once by the first {@link #close()}
   * @return a new storage of zeros
   */
  public static HostStorage tracked(DType dtype, int numel, Runnable onClose) {
    return dtype == DType.FLOAT32
        ? new HostStorage(new float[numel], null, onClose)
        : new HostStorage(null, new double[numel], onClose);
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public DType dtype() {
    return floats != null ? DType.FLOAT32 : DType.FLOAT64;
  }

  @Override
  public long numel() {
    return floats != null ? floats.length : doubles.length;
  }

  /**
   * The array itself (float32 storages only), for code that computes on it; not a copy. Code that
   * writes into it calls {@link #bumpVersion()} afterwards, or what was derived from the values
   * goes stale.
   *
   * @return the float32 values
   */
  public float[] floats() {
    check();
    if (floats == null) {
      throw new IllegalStateException("a float64 storage has no float array");
    }
    return floats;
  }

  /**
   * The array itself (float64 storages only), as {@link #floats()}.
   *
   * @return the float64 values
   */
  public double[] doubles() {
    check();
    if (doubles == null) {
      throw new IllegalStateException("a float32 storage has no double array");
    }
    return doubles;
  }

  /**
   * The element at {@code i}, widened to double.
   *
   * @param i a row-major index in [0, numel)
   * @return the element
   */
  public double get(int i) {
    check();
    return floats != null ? floats[i] : doubles[i];
  }

  /**
   * How many in-place writes the values have had.
   *
   * @return the count of {@link #bumpVersion()} calls
   */
  public long version() {
    return version;
  }

  /** Records an in-place write; every backend operation that writes into this storage calls it. */
  public void bumpVersion() {
    version++;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (onClose != null) {
        onClose.run();
      }
    }
  }

  private void check() {
    if (closed) {
      throw new IllegalStateException(
          "host storage of " + numel() + " " + dtype() + " elements used after close");
    }
  }
}
