package dev.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;

/** Element-wise comparison that reports where and by how much two tensors differ. */
public final class TensorAssert {
  private TensorAssert() {}

  /**
   * Asserts equal dtype and shape and {@code |actual - expected| <= atol + rtol * |expected|}
   * everywhere; a failure names the first offending index, both values, and the largest error.
   */
  public static void assertClose(
      Tensor expected, Tensor actual, double atol, double rtol, String label) {
    assertEquals(expected.dtype(), actual.dtype(), label + ": dtype");
    assertArrayEquals(
        expected.shape(),
        actual.shape(),
        label
            + ": shape "
            + Shape.list(actual.shape())
            + ", expected "
            + Shape.list(expected.shape()));
    int firstBad = -1;
    double maxErr = 0;
    for (int i = 0; i < expected.numel(); i++) {
      double e = expected.getFlat(i);
      double a = actual.getFlat(i);
      double err = Math.abs(a - e);
      maxErr = Math.max(maxErr, err);
      if (!(err <= atol + rtol * Math.abs(e)) && firstBad < 0) {
        firstBad = i;
      }
    }
    if (firstBad >= 0) {
      fail(
          String.format(
              "%s: element %s (flat %d) is %s, expected %s (atol %g, rtol %g); max abs error %g",
              label,
              Shape.list(unflatten(firstBad, expected.shape())),
              firstBad,
              actual.getFlat(firstBad),
              expected.getFlat(firstBad),
              atol,
              rtol,
              maxErr));
    }
  }

  private static int[] unflatten(int flat, int[] shape) {
    int[] index = new int[shape.length];
    for (int k = shape.length - 1; k >= 0; k--) {
      index[k] = flat % shape[k];
      flat /= shape[k];
    }
    return index;
  }
}
