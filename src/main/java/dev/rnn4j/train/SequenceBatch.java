package dev.rnn4j.train;

import dev.rnn4j.tensor.Tensor;

/**
 * One batch of a {@link SequenceLoader}: N samples of a {@link SequenceDataset}, padded to the
 * longest of them, L. The caller owns (and may close) the tensors.
 *
 * @param input float32 (N, L, H_in) with batch_first, else (L, N, H_in); 0 (or the loader's padding
 *     value) after each sequence's length
 * @param lengths the N lengths, in batch order: {@code SequenceModel.forward(input, lengths)}
 * @param labels N class indices (classification), or null
 * @param targets float32 (N, H_out) (regression), or null
 * @param indices the N sample indices within the dataset, in batch order
 */
public record SequenceBatch(
    Tensor input, int[] lengths, long[] labels, Tensor targets, int[] indices) {
  /** N. */
  public int size() {
    return indices.length;
  }
}
