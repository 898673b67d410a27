package dev.rnn4j.tensor;

import java.util.Arrays;

/**
 * A dense, row-major float32 or float64 tensor in host memory.
 *
 * <p>Tensors are immutable values: factories copy the caller's array, accessors return copies, and
 * {@link #view} shares storage only because nothing can write to it. {@link #wrap} is the one exception
 * to copying: it adopts the caller's array, which the caller must not touch afterwards.
 *
 * <p>{@link #toString()} prints as PyTorch prints ({@code tensor([[-0.0819,  0.8100]])}, precision 4,
 * with {@code dtype=torch.float64} appended for float64).
 */
public final class Tensor {
  private final DType dtype;
  private final int[] shape;
  private final float[] floats;
  private final double[] doubles;

  private Tensor(DType dtype, int[] shape, float[] floats, double[] doubles) {
    this.dtype = dtype;
    this.shape = shape;
    this.floats = floats;
    this.doubles = doubles;
  }

  /** A float32 tensor holding a copy of {@code data}, of the given shape. */
  public static Tensor of(float[] data, int... shape) {
    return wrap(data.clone(), shape.clone());
  }

  /** A float64 tensor holding a copy of {@code data}, of the given shape. */
  public static Tensor of(double[] data, int... shape) {
    return wrap(data.clone(), shape.clone());
  }

  /** A float32 tensor that adopts {@code data}: the caller hands the array over and must not modify it. */
  public static Tensor wrap(float[] data, int... shape) {
    checkLength(data.length, shape);
    return new Tensor(DType.FLOAT32, shape.clone(), data, null);
  }

  /** A float64 tensor that adopts {@code data}: the caller hands the array over and must not modify it. */
  public static Tensor wrap(double[] data, int... shape) {
    checkLength(data.length, shape);
    return new Tensor(DType.FLOAT64, shape.clone(), null, data);
  }

  /** A tensor of zeros. */
  public static Tensor zeros(DType dtype, int... shape) {
    int n = Shape.numel(shape);
    return dtype == DType.FLOAT32 ? wrap(new float[n], shape) : wrap(new double[n], shape);
  }

  private static void checkLength(int length, int[] shape) {
    int n = Shape.numel(shape);
    if (n != length) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(shape) + "' is invalid for input of size " + length);
    }
  }

  public DType dtype() {
    return dtype;
  }

  /** The shape, as a new array. */
  public int[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int dim() {
    return shape.length;
  }

  /** The size of dimension {@code dim}; negative values count from the end, as in PyTorch. */
  public int size(int dim) {
    return shape[wrapDim(dim)];
  }

  /** The number of elements. */
  public int numel() {
    return floats != null ? floats.length : doubles.length;
  }

  /**
   * The same elements under another shape, as {@code Tensor.view}; one dimension may be -1 and is then
   * inferred.
   */
  public Tensor view(int... newShape) {
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
    if (infer >= 0 && resolved[infer] == -1 || known * (infer >= 0 ? resolved[infer] : 1) != numel()) {
      throw new IllegalArgumentException(
          "shape '" + Shape.list(newShape) + "' is invalid for input of size " + numel());
    }
    return new Tensor(dtype, resolved, floats, doubles);
  }

  /**
   * The slice at {@code index} along {@code dim}, which loses that dimension: {@code t.select(dim, index)}
   * in PyTorch, and {@code t[:, index]} for {@code dim} 1.
   */
  public Tensor select(int dim, int index) {
    if (shape.length == 0) {
      throw new IllegalArgumentException("select() cannot be applied to a 0-dim tensor.");
    }
    int d = wrapDim(dim);
    int size = shape[d];
    if (index < -size || index >= size) {
      throw new IllegalArgumentException(
          "select(): index " + index + " out of range for tensor of size " + Shape.list(shape)
              + " at dimension " + d);
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
    if (floats != null) {
      float[] out = new float[outer * inner];
      for (int o = 0; o < outer; o++) {
        System.arraycopy(floats, (o * size + i) * inner, out, o * inner, inner);
      }
      return new Tensor(dtype, outShape, out, null);
    }
    double[] out = new double[outer * inner];
    for (int o = 0; o < outer; o++) {
      System.arraycopy(doubles, (o * size + i) * inner, out, o * inner, inner);
    }
    return new Tensor(dtype, outShape, null, out);
  }

  /** The element at {@code index} (one index per dimension), widened to double. */
  public double get(int... index) {
    int flat = flatIndex(index);
    return floats != null ? floats[flat] : doubles[flat];
  }

  /** The element at flat row-major position {@code i}, widened to double. */
  public double getFlat(int i) {
    if (i < 0 || i >= numel()) {
      throw new IndexOutOfBoundsException(
          "flat index " + i + " is out of bounds for a tensor of " + numel() + " elements");
    }
    return floats != null ? floats[i] : doubles[i];
  }

  /** The elements in row-major order as a new float array (float64 values are rounded). */
  public float[] toFloatArray() {
    if (floats != null) {
      return floats.clone();
    }
    float[] out = new float[doubles.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) doubles[i];
    }
    return out;
  }

  /** The elements in row-major order as a new double array. */
  public double[] toDoubleArray() {
    if (doubles != null) {
      return doubles.clone();
    }
    double[] out = new double[floats.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = floats[i];
    }
    return out;
  }

  /** This tensor in {@code target} dtype; {@code this} when it already is. */
  public Tensor to(DType target) {
    if (target == dtype) {
      return this;
    }
    return target == DType.FLOAT32 ? wrap(toFloatArray(), shape) : wrap(toDoubleArray(), shape);
  }

  /** The element-wise sum with a tensor of the same dtype and shape, as {@code torch.add}. */
  public Tensor add(Tensor other) {
    if (other.dtype != dtype || !Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException("add needs tensors of one dtype and shape, got " + dtype + " "
          + Shape.list(shape) + " and " + other.dtype + " " + Shape.list(other.shape));
    }
    if (floats != null) {
      float[] out = new float[floats.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = floats[i] + other.floats[i];
      }
      return new Tensor(dtype, shape, out, null);
    }
    double[] out = new double[doubles.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = doubles[i] + other.doubles[i];
    }
    return new Tensor(dtype, shape, null, out);
  }

  /**
   * Whether both tensors have the same shape and every pair of elements satisfies
   * {@code |a - b| <= atol + rtol * |b|}, as {@code torch.allclose(this, other, rtol, atol)}.
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
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
          "Dimension out of range (expected to be in range of [" + -n + ", " + (n - 1) + "], but got "
              + dim + ")");
    }
    return dim < 0 ? dim + n : dim;
  }

  private int flatIndex(int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "Expected " + shape.length + " indices for a tensor of size " + Shape.list(shape) + ", got "
              + index.length);
    }
    int flat = 0;
    for (int k = 0; k < index.length; k++) {
      if (index[k] < 0 || index[k] >= shape[k]) {
        throw new IndexOutOfBoundsException(
            "index " + index[k] + " is out of bounds for dimension " + k + " with size " + shape[k]);
      }
      flat = flat * shape[k] + index[k];
    }
    return flat;
  }

  /** Value equality: same dtype, same shape, bitwise-equal elements. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor t = (Tensor) o;
    return dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(floats, t.floats)
        && Arrays.equals(doubles, t.doubles);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape))
        + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(doubles));
  }

  /** Prints as PyTorch's {@code print(t)} does with its default print options. */
  @Override
  public String toString() {
    return TensorFormatter.format(this);
  }
}
