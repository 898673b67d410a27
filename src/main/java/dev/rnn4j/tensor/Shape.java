package dev.rnn4j.tensor;

import java.util.Arrays;
import java.util.StringJoiner;

/** Shape arithmetic and the two ways PyTorch writes a shape in its messages. */
public final class Shape {
  private Shape() {}

  /**
   * Writes a shape as PyTorch writes {@code list(t.shape)}: {@code [2, 4, 20]}.
   *
   * @param shape the sizes
   * @return the list spelling
   */
  public static String list(int... shape) {
    return join(shape, "[", "]");
  }

  /**
   * Writes a shape as a Python tuple: {@code (2, 3, 20)}, and {@code (5,)} for one dimension.
   *
   * @param shape the sizes
   * @return the tuple spelling
   */
  public static String tuple(int... shape) {
    return shape.length == 1 ? "(" + shape[0] + ",)" : join(shape, "(", ")");
  }

  /**
   * The number of elements of a shape; fails if a dimension is negative or the count overflows an
   * int.
   *
   * @param shape the sizes
   * @return their product
   */
  public static int numel(int... shape) {
    long n = 1;
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException(
            "Trying to create tensor with negative dimension " + s + ": " + list(shape));
      }
      n *= s;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "A host tensor holds at most "
                + Integer.MAX_VALUE
                + " elements, got shape "
                + list(shape));
      }
    }
    return (int) n;
  }

  /**
   * Row-major strides of a shape.
   *
   * @param shape the sizes
   * @return the element distance between neighbours in each dimension
   */
  public static int[] strides(int... shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
    return strides;
  }

  static String join(int[] shape, String open, String close) {
    StringJoiner j = new StringJoiner(", ", open, close);
    Arrays.stream(shape).forEach(s -> j.add(Integer.toString(s)));
    return j.toString();
  }
}
