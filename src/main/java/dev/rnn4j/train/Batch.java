package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * One mini-batch of N samples of a {@link WindowDataset}, as float32 tensors ready for a
 * batch-first model ({@code batchFirst=true}).
 *
 * @param input (N, window, F): N samples of {@code window} time steps of F features
 * @param target (N, horizon * K): the next {@code horizon} steps of the K target columns,
 *     step-major
 * @param indices the N sample indices within the dataset, in batch order
 */
public record Batch(Tensor input, Tensor target, int[] indices) {
  /** Checks that the tensors are float32 and agree with the N indices (the indices are copied). */
  public Batch {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(target, "target");
    indices = indices.clone();
    checkArgument(
        input.dtype() == DType.FLOAT32 && target.dtype() == DType.FLOAT32,
        "batch tensors must be float32, got input %s and target %s",
        input.dtype(),
        target.dtype());
    checkArgument(
        input.dim() == 3 && input.size(0) == indices.length,
        "Expected input size (%d, window, F), got %s",
        indices.length,
        Shape.list(input.shape()));
    checkArgument(
        target.dim() == 2 && target.size(0) == indices.length,
        "Expected target size (%d, horizon * K), got %s",
        indices.length,
        Shape.list(target.shape()));
  }

  /** N, the number of samples. */
  public int size() {
    return indices.length;
  }

  /** The sample indices, as a new array. */
  @Override
  public int[] indices() {
    return indices.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Batch other
        && input.equals(other.input)
        && target.equals(other.target)
        && Arrays.equals(indices, other.indices);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, target, Arrays.hashCode(indices));
  }

  @Override
  public String toString() {
    return "Batch(size="
        + indices.length
        + ", input="
        + Shape.list(input.shape())
        + ", target="
        + Shape.list(target.shape())
        + ", indices="
        + Arrays.toString(indices)
        + ")";
  }
}
