package dev.rnn4j.tensor;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.Storage;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major float32 or float64 tensor on a {@link Device}: a shape over a {@link Storage}.
 *
 * <p>Host tensors made from Java arrays ({@link #of}, {@link #wrap}, {@link #zeros}) behave as
 * values: factories copy the caller's array (except {@link #wrap}, which adopts it), accessors
 * return copies, and nothing writes to them. Tensors that backends compute (a module's outputs, its
 * parameters, a loss's gradient) may live on a GPU: {@link #device()} says where, {@link
 * #to(Device)} copies, and the data stays on its device until copied back. Host accessors ({@link
 * #get}, {@link #toFloatArray}, ...) of a device tensor fail and say so, as PyTorch's {@code
 * .numpy()} does.
 *
 * <p>Ownership: a tensor made from a storage owns it, and {@link #close()} releases it (device
 * memory goes back to the backend's caching allocator at once); a {@link #view} owns nothing. A
 * tensor made while a {@link TensorScope} is open on the thread belongs to that scope, which closes
 * it, in the manner of DJL's {@code NDManager}. A device tensor nobody closes is released when it
 * is garbage collected.
 *
 * <p>{@link #toString()} prints as PyTorch prints ({@code tensor([[-0.0819, 0.8100]])}, precision
 * 4, with {@code device='cuda:0'} and {@code dtype=torch.float64} appended where they apply).
 */
public final class Tensor implements AutoCloseable {
  private final Storage storage;
  private final int[] shape;
  private final boolean owner;

  private Tensor(Storage storage, int[] shape, boolean owner) {
    this.storage = storage;
    this.shape = shape;
    this.owner = owner;
  }

  /**
   * A float32 tensor holding a copy of {@code data}, of the given shape.
   *
   * @param data the row-major values, copied
   * @param shape the dimensions; their product must equal the element count
   * @return a new host tensor
   */
  public static Tensor of(float[] data, int... shape) {
    return wrap(data.clone(), shape.clone());
  }

  /**
   * A float64 tensor holding a copy of {@code data}, of the given shape.
   *
   * @param data the row-major values, copied
   * @param shape the dimensions; their product must equal the element count
   * @return a new host tensor
   */
  public static Tensor of(double[] data, int... shape) {
    return wrap(data.clone(), shape.clone());
  }

  /**
   * A float32 tensor that adopts {@code data}: the caller hands the array over and must not modify
   * it.
   *
   * @param data the row-major values, adopted
   * @param shape the dimensions; their product must equal the element count
   * @return a new host tensor over {@code data}
   */
  public static Tensor wrap(float[] data, int... shape) {
    checkLength(data.length, shape);
    return new Tensor(HostStorage.of(data), shape.clone(), true);
  }

  /**
   * A float64 tensor that adopts {@code data}: the caller hands the array over and must not modify
   * it.
   *
   * @param data the row-major values, adopted
   * @param shape the dimensions; their product must equal the element count
   * @return a new host tensor over {@code data}
   */
  public static Tensor wrap(double[] data, int... shape) {
    checkLength(data.length, shape);
    return new Tensor(HostStorage.of(data), shape.clone(), true);
  }

  /**
   * A tensor that owns {@code storage} (a backend's result), of the given shape; it joins the
   * thread's open {@link TensorScope}, if any.
   *
   * @param storage the memory, owned from now on by the tensor
   * @param shape the dimensions; their product must equal the element count
   * @return the owning tensor
   */
  public static Tensor of(Storage storage, int... shape) {
    Objects.requireNonNull(storage, "storage");
    long n = Shape.numel(shape);
    if (n != storage.numel()) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(shape) + "' is invalid for a storage of size " + storage.numel());
    }
    return TensorScope.register(new Tensor(storage, shape.clone(), true));
  }

  /**
   * A tensor over {@code storage} that does not own it (a module's parameter over its kernel's
   * memory): closing it does nothing, and it is valid as long as the storage is.
   *
   * @param storage the memory, borrowed
   * @param shape the dimensions; their product must equal the element count
   * @return a tensor that owns nothing
   */
  public static Tensor viewOf(Storage storage, int... shape) {
    Objects.requireNonNull(storage, "storage");
    if (Shape.numel(shape) != storage.numel()) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(shape) + "' is invalid for a storage of size " + storage.numel());
    }
    return new Tensor(storage, shape.clone(), false);
  }

  /**
   * A host tensor of zeros.
   *
   * @param dtype the element type
   * @param shape the dimensions
   * @return a new host tensor
   */
  public static Tensor zeros(DType dtype, int... shape) {
    int n = Shape.numel(shape);
    return dtype == DType.FLOAT32 ? wrap(new float[n], shape) : wrap(new double[n], shape);
  }

  /**
   * A tensor of zeros on {@code device}.
   *
   * @param dtype the element type
   * @param device where the memory is allocated
   * @param shape the dimensions
   * @return a new tensor that owns its storage
   */
  public static Tensor zeros(DType dtype, Device device, int... shape) {
    if (device.type() == Device.Type.CPU) {
      return zeros(dtype, shape);
    }
    return of(Backends.forDevice(device).allocate(dtype, Shape.numel(shape)), shape);
  }

  private static void checkLength(int length, int[] shape) {
    int n = Shape.numel(shape);
    if (n != length) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(shape) + "' is invalid for input of size " + length);
    }
  }

  /**
   * The memory behind this tensor, for backends and modules; borrowed.
   *
   * @return the storage
   */
  public Storage storage() {
    checkOpen();
    return storage;
  }

  /**
   * Where the data lives.
   *
   * @return the CPU or a CUDA device
   */
  public Device device() {
    return storage.device();
  }

  /**
   * The element type: float32 or float64.
   *
   * @return the dtype of the storage
   */
  public DType dtype() {
    return storage.dtype();
  }

  /**
   * The shape, as a new array.
   *
   * @return the sizes, outermost first; empty for a 0-d tensor
   */
  public int[] shape() {
    return shape.clone();
  }

  /**
   * The number of dimensions.
   *
   * @return {@code len(t.shape)}
   */
  public int dim() {
    return shape.length;
  }

  /**
   * The size of dimension {@code dim}; negative values count from the end, as in PyTorch.
   *
   * @param dim a dimension in [-dim(), dim())
   * @return the size of that dimension
   */
  public int size(int dim) {
    return shape[wrapDim(dim)];
  }

  /**
   * The number of elements.
   *
   * @return the product of the sizes
   */
  public int numel() {
    return (int) storage.numel();
  }

  /**
   * This tensor on {@code device}: {@code this} when it is there already, else a copy (to the host,
   * to a GPU, or between GPUs through the host), as {@code Tensor.to(device)}.
   *
   * @param device the target device
   * @return {@code this}, or a new tensor that owns its copy
   */
  public Tensor to(Device device) {
    Objects.requireNonNull(device, "device");
    checkOpen();
    if (device.equals(device())) {
      return this;
    }
    HostStorage host = host();
    if (host == null) {
      host = HostStorage.zeros(dtype(), numel());
      Backends.forDevice(device()).download(storage, host);
    }
    if (device.type() == Device.Type.CPU) {
      return new Tensor(host, shape.clone(), true);
    }
    return of(Backends.forDevice(device).upload(host), shape);
  }

  /**
   * Whether {@link #close()} has released this tensor's storage (never, for a view).
   *
   * @return true for an owning tensor after {@link #close()}
   */
  public boolean isClosed() {
    return owner && storage.isClosed();
  }

  /** Releases the storage if this tensor owns it; idempotent. Views close nothing. */
  @Override
  public void close() {
    if (owner) {
      storage.close();
    }
  }

  /**
   * The same elements under another shape, as {@code Tensor.view}; one dimension may be -1 and is
   * then inferred. The view shares the storage and does not own it.
   *
   * @param newShape the new sizes, with at most one -1
   * @return a view of the same storage
   */
  public Tensor view(int... newShape) {
    checkOpen();
    int[] resolved = newShape.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < resolved.length; i++) {
      if (resolved[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one dimension can be inferred");
        }
        infer = i;
      } else if (resolved[i] < 0) {
        throw new IllegalArgumentException("invalid shape dimension " + resolved[i]);
      } else {
        known *= resolved[i];
      }
    }
    if (infer >= 0 && known != 0 && numel() % known == 0) {
      resolved[infer] = (int) (numel() / known);
    }
    if (infer >= 0 && resolved[infer] == -1
        || known * (infer >= 0 ? resolved[infer] : 1) != numel()) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(newShape) + "' is invalid for input of size " + numel());
    }
    return new Tensor(storage, resolved, false);
  }

  /**
   * The slice at {@code index} along {@code dim}, which loses that dimension: {@code t.select(dim,
   * index)} in PyTorch, and {@code t[:, index]} for {@code dim} 1. A new tensor on the same device.
   *
   * @param dim the dimension removed, negative counting from the end
   * @param index the position along it, negative counting from the end
   * @return a new tensor of the other dimensions
   */
  public Tensor select(int dim, int index) {
    checkOpen();
    if (shape.length == 0) {
      throw new IllegalArgumentException("select() cannot be applied to a 0-dim tensor.");
    }
    int d = wrapDim(dim);
    int size = shape[d];
    if (index < -size || index >= size) {
      throw new IllegalArgumentException(
          "select(): index "
              + index
              + " out of range for tensor of size "
              + Shape.list(shape)
              + " at dimension "
              + d);
    }
    int i = index < 0 ? index + size : index;
    int outer = 1;
    for (int k = 0; k < d; k++) {
      outer *= shape[k];
    }
    int inner = 1;
    for (int k = d + 1; k < shape.length; k++) {
      inner *= shape[k];
    }
    int[] outShape = new int[shape.length - 1];
    System.arraycopy(shape, 0, outShape, 0, d);
    System.arraycopy(shape, d + 1, outShape, d, shape.length - d - 1);
    int[] rows = new int[outer];
    for (int o = 0; o < outer; o++) {
      rows[o] = o * size + i;
    }
    Backend backend = Backends.forDevice(device());
    Storage out = backend.allocate(dtype(), (long) outer * inner);
    backend.gatherRows(storage, inner, rows, out);
    return of(out, outShape);
  }

  /**
   * The element at {@code index} (one index per dimension), widened to double.
   *
   * @param index one index per dimension
   * @return the element
   */
  public double get(int... index) {
    int flat = flatIndex(index);
    return hostOrFail().get(flat);
  }

  /**
   * The element at flat row-major position {@code i}, widened to double.
   *
   * @param i a position in [0, numel())
   * @return the element
   */
  public double getFlat(int i) {
    if (i < 0 || i >= numel()) {
      throw new IndexOutOfBoundsException(
          "flat index " + i + " is out of bounds for a tensor of " + numel() + " elements");
    }
    return hostOrFail().get(i);
  }

  /**
   * The elements in row-major order as a new float array (float64 values are rounded).
   *
   * @return the elements as float32
   */
  public float[] toFloatArray() {
    HostStorage h = hostOrFail();
    if (h.dtype() == DType.FLOAT32) {
      return h.floats().clone();
    }
    double[] doubles = h.doubles();
    float[] out = new float[doubles.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) doubles[i];
    }
    return out;
  }

  /**
   * The elements in row-major order as a new double array.
   *
   * @return the elements as float64
   */
  public double[] toDoubleArray() {
    HostStorage h = hostOrFail();
    if (h.dtype() == DType.FLOAT64) {
      return h.doubles().clone();
    }
    float[] floats = h.floats();
    double[] out = new double[floats.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = floats[i];
    }
    return out;
  }

  /**
   * This tensor in {@code target} dtype; {@code this} when it already is.
   *
   * @param target the dtype wanted
   * @return {@code this}, or a new host tensor of {@code target}
   */
  public Tensor to(DType target) {
    if (target == dtype()) {
      return this;
    }
    Tensor host = to(Device.CPU);
    Tensor converted =
        target == DType.FLOAT32
            ? wrap(host.toFloatArray(), shape)
            : wrap(host.toDoubleArray(), shape);
    return converted.to(device());
  }

  /**
   * The element-wise sum with a tensor of the same dtype, shape and device, as {@code torch.add}.
   *
   * @param other the tensor added
   * @return a new tensor, {@code this + other}
   */
  public Tensor add(Tensor other) {
    if (other.dtype() != dtype()
        || !Arrays.equals(shape, other.shape)
        || !other.device().equals(device())) {
      throw new IllegalArgumentException(
          "add needs tensors of one dtype, shape and device, got "
              + dtype()
              + " "
              + Shape.list(shape)
              + " on "
              + device()
              + " and "
              + other.dtype()
              + " "
              + Shape.list(other.shape)
              + " on "
              + other.device());
    }
    Backend backend = Backends.forDevice(device());
    Storage sum = backend.allocate(dtype(), numel());
    backend.copy(storage, sum);
    backend.addInPlace(sum, other.storage());
    return of(sum, shape);
  }

  /**
   * Whether both tensors have the same shape and every pair of elements satisfies {@code |a - b| <=
   * atol + rtol * |b|}, as {@code torch.allclose(this, other, rtol, atol)}.
   *
   * @param other the tensor compared, of the same shape
   * @param rtol the relative tolerance
   * @param atol the absolute tolerance
   * @return true if every element pair is close
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
    if (!device().equals(Device.CPU) || !other.device().equals(Device.CPU)) {
      return to(Device.CPU).allClose(other.to(Device.CPU), rtol, atol);
    }
    if (!Arrays.equals(shape, other.shape)) {
      return false;
    }
    for (int i = 0; i < numel(); i++) {
      double a = getFlat(i);
      double b = other.getFlat(i);
      if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
        return false;
      }
    }
    return true;
  }

  private int wrapDim(int dim) {
    int n = shape.length;
    if (dim < -n || dim >= n) {
      throw new IllegalArgumentException(
          "Dimension out of range (expected to be in range of ["
              + -n
              + ", "
              + (n - 1)
              + "], but got "
              + dim
              + ")");
    }
    return dim < 0 ? dim + n : dim;
  }

  private int flatIndex(int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "Expected "
              + shape.length
              + " indices for a tensor of size "
              + Shape.list(shape)
              + ", got "
              + index.length);
    }
    int flat = 0;
    for (int k = 0; k < index.length; k++) {
      if (index[k] < 0 || index[k] >= shape[k]) {
        throw new IndexOutOfBoundsException(
            "index "
                + index[k]
                + " is out of bounds for dimension "
                + k
                + " with size "
                + shape[k]);
      }
      flat = flat * shape[k] + index[k];
    }
    return flat;
  }

  private HostStorage host() {
    checkOpen();
    return storage instanceof HostStorage h ? h : null;
  }

  private HostStorage hostOrFail() {
    HostStorage h = host();
    if (h == null) {
      throw new IllegalStateException(
          "can't convert "
              + device()
              + " device type tensor to a Java array. "
              + "Use Tensor.to(Device.CPU) to copy the tensor to host memory first.");
    }
    return h;
  }

  private void checkOpen() {
    if (owner && storage.isClosed()) {
      throw new IllegalStateException(
          "Tensor of size " + Shape.list(shape) + " on " + device() + " used after close");
    }
  }

  /**
   * Value equality for host tensors: same dtype, same shape, bitwise-equal elements. A device
   * tensor equals only itself (comparing would copy it to the host).
   */
  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof Tensor t) || host() == null || t.host() == null) {
      return false;
    }
    HostStorage a = host();
    HostStorage b = t.host();
    return a.dtype() == b.dtype()
        && Arrays.equals(shape, t.shape)
        && (a.dtype() == DType.FLOAT32
            ? Arrays.equals(a.floats(), b.floats())
            : Arrays.equals(a.doubles(), b.doubles()));
  }

  @Override
  public int hashCode() {
    HostStorage h = host();
    if (h == null) {
      return System.identityHashCode(this);
    }
    return 31 * (31 * h.dtype().hashCode() + Arrays.hashCode(shape))
        + (h.dtype() == DType.FLOAT32 ? Arrays.hashCode(h.floats()) : Arrays.hashCode(h.doubles()));
  }

  /** Prints as PyTorch's {@code print(t)} does with its default print options. */
  @Override
  public String toString() {
    return host() != null
        ? TensorFormatter.format(this, null)
        : TensorFormatter.format(to(Device.CPU), device());
  }
}
