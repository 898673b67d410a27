package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** {@code torch.nn.utils.rnn}'s helpers for batches of sequences of different lengths. */
public final class RnnUtils {
  private RnnUtils() {}

  /**
   * {@code pad_sequence(sequences)}: batch_first=False, padding_value=0.0.
   *
   * @see #padSequence(List, boolean, double)
   */
  public static Tensor padSequence(List<Tensor> sequences) {
    return padSequence(sequences, false, 0.0);
  }

  /**
   * {@code torch.nn.utils.rnn.pad_sequence(sequences, batch_first, padding_value)} with {@code
   * padding_side='right'}: stacks B sequences of shapes (L_i, *) into one tensor, each sequence at
   * the start of its row and the steps after L_i filled with {@code paddingValue}.
   *
   * <pre>
   * sequences   B tensors (L_i, *), the same trailing sizes * and dtype (float32 or float64)
   * result      (B, L_max, *) with batchFirst, else (L_max, B, *); the sequences' dtype, on the host
   * </pre>
   *
   * <p>Sequences on another device are copied to the host first; the result is a new host tensor.
   * Lengths are not sorted (PyTorch keeps the given order too).
   *
   * @throws IllegalArgumentException if the list is empty, a sequence has no dimension, or the
   *     trailing sizes or dtypes differ (naming the index)
   */
  public static Tensor padSequence(
      List<Tensor> sequences, boolean batchFirst, double paddingValue) {
    Objects.requireNonNull(sequences, "sequences");
    checkArgument(!sequences.isEmpty(), "received an empty list of sequences");
    Tensor first = Objects.requireNonNull(sequences.get(0), "sequences[0]");
    checkArgument(
        first.dim() >= 1,
        "Expected every sequence to have at least one dimension (L, *), got size %s at index 0",
        Shape.list(first.shape()));
    int[] trailing = Arrays.copyOfRange(first.shape(), 1, first.dim());
    DType dtype = first.dtype();
    int maxLength = 0;
    for (int i = 0; i < sequences.size(); i++) {
      Tensor s = Objects.requireNonNull(sequences.get(i), "sequences[" + i + "]");
      checkArgument(
          s.dim() >= 1 && Arrays.equals(trailing, Arrays.copyOfRange(s.shape(), 1, s.dim())),
          "Expected every sequence to have size (L, %s), got %s at index %d",
          String.join(", ", Arrays.stream(trailing).mapToObj(Integer::toString).toList()),
          Shape.list(s.shape()),
          i);
      checkArgument(
          s.dtype() == dtype,
          "Expected every sequence to have dtype %s, got %s at index %d",
          dtype,
          s.dtype(),
          i);
      maxLength = Math.max(maxLength, s.size(0));
    }
    int width = Shape.numel(trailing);
    int b = sequences.size();
    double[] out = new double[b * maxLength * width];
    Arrays.fill(out, paddingValue);
    for (int i = 0; i < b; i++) {
      Tensor s = sequences.get(i);
      Tensor host = s.to(Device.CPU);
      double[] values = host.toDoubleArray();
      if (host != s) {
        host.close();
      }
      for (int t = 0; t < s.size(0); t++) {
        int row = batchFirst ? i * maxLength + t : t * b + i;
        System.arraycopy(values, t * width, out, row * width, width);
      }
    }
    int[] shape = new int[trailing.length + 2];
    shape[0] = batchFirst ? b : maxLength;
    shape[1] = batchFirst ? maxLength : b;
    System.arraycopy(trailing, 0, shape, 2, trailing.length);
    Tensor padded = Tensor.wrap(out, shape);
    if (dtype == DType.FLOAT64) {
      return padded;
    }
    Tensor narrowed = padded.to(DType.FLOAT32);
    padded.close();
    return narrowed;
  }
}
