package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * {@code torch.utils.data.DataLoader(dataset, batch_size, shuffle, generator, drop_last)} over a
 * {@link SequenceDataset} with {@code collate_fn} padding each batch ({@code pad_sequence}) and
 * returning its lengths: batches of (input, lengths, labels or targets) as {@link SequenceBatch}es.
 *
 * <p>PyTorch's defaults: batch_size 1, shuffle false, drop_last false; and the model's layout,
 * batch_first false (set it as the model's {@code batchFirst}). With {@code shuffle}, the order of
 * epoch e is {@link BatchIterator#permutation}{@code (S, seed, e)}: rnn4j's own shuffle, not {@code
 * torch.Generator}'s, the same on every run for the same seed, and the order in which {@link
 * Trainer#trainEpoch} visits a {@link TrainingSet} of the same samples for (seed, e). As a {@code
 * DataLoader} reshuffles each time it is iterated, the k-th {@link #iterator()} is epoch k (from
 * 1); {@link #iterator(int)} names the epoch.
 *
 * <p>Batches are built as they are asked for (one batch of tensors at a time); the last one is
 * smaller when N does not divide S, or left out with {@code dropLast}.
 */
public final class SequenceLoader implements Iterable<SequenceBatch> {
  private final SequenceDataset dataset;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;
  private final boolean batchFirst;
  private final double paddingValue;
  private int epochs;

  private SequenceLoader(Builder b) {
    this.dataset = b.dataset;
    this.batchSize = b.batchSize;
    this.shuffle = b.shuffle;
    this.seed = b.seed;
    this.dropLast = b.dropLast;
    this.batchFirst = b.batchFirst;
    this.paddingValue = b.paddingValue;
  }

  /**
   * A loader over {@code dataset} with PyTorch's defaults, to change with the builder's setters.
   */
  public static Builder builder(SequenceDataset dataset) {
    return new Builder(Objects.requireNonNull(dataset, "dataset"));
  }

  /** The loader's settings; each setter is the {@code DataLoader} argument of the same name. */
  public static final class Builder {
    private final SequenceDataset dataset;
    private int batchSize = 1;
    private boolean shuffle;
    private long seed;
    private boolean dropLast;
    private boolean batchFirst;
    private double paddingValue;

    private Builder(SequenceDataset dataset) {
      this.dataset = dataset;
    }

    /** {@code batch_size}, default 1. */
    public Builder batchSize(int batchSize) {
      checkArgument(
          batchSize >= 1,
          "batch_size should be a positive integer value. Expected >= 1, got %d",
          batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** {@code shuffle}, default false: reshuffle at every epoch. */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** The shuffle's seed ({@code generator=torch.Generator().manual_seed(seed)}), default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** {@code drop_last}, default false. */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** {@code pad_sequence}'s {@code batch_first}, default false. */
    public Builder batchFirst(boolean batchFirst) {
      this.batchFirst = batchFirst;
      return this;
    }

    /** {@code pad_sequence}'s {@code padding_value}, default 0. */
    public Builder paddingValue(double paddingValue) {
      this.paddingValue = paddingValue;
      return this;
    }

    /** The loader with these settings. */
    public SequenceLoader build() {
      return new SequenceLoader(this);
    }
  }

  /** {@code len(loader)}: ceil(S / N), or floor with {@code dropLast}. */
  public int numBatches() {
    return dropLast ? dataset.size() / batchSize : (dataset.size() + batchSize - 1) / batchSize;
  }

  /** The sample order of {@code epoch}: 0, 1, ... without shuffle. */
  public int[] order(int epoch) {
    if (shuffle) {
      return BatchIterator.permutation(dataset.size(), seed, epoch);
    }
    int[] order = new int[dataset.size()];
    Arrays.setAll(order, i -> i);
    return order;
  }

  /** The batches of the next epoch: the first call is epoch 1, the next epoch 2, and so on. */
  @Override
  public synchronized Iterator<SequenceBatch> iterator() {
    return iterator(++epochs);
  }

  /** The batches of {@code epoch}. */
  public Iterator<SequenceBatch> iterator(int epoch) {
    int[] order = order(epoch);
    int batches = numBatches();
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < batches;
      }

      @Override
      public SequenceBatch next() {
        if (!hasNext()) {
          throw new NoSuchElementException("all " + batches + " batches have been returned");
        }
        int from = next++ * batchSize;
        int[] indices = Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize));
        return batch(indices);
      }
    };
  }

  private SequenceBatch batch(int[] indices) {
    Tensor input = dataset.padded(indices, batchFirst, paddingValue);
    if (dataset.isClassification()) {
      long[] labels = new long[indices.length];
      for (int k = 0; k < indices.length; k++) {
        labels[k] = dataset.label(indices[k]);
      }
      return new SequenceBatch(input, dataset.lengths(indices), labels, null, indices);
    }
    int h = dataset.targetSize();
    float[] targets = new float[indices.length * h];
    for (int k = 0; k < indices.length; k++) {
      System.arraycopy(dataset.target(indices[k]), 0, targets, k * h, h);
    }
    return new SequenceBatch(
        input, dataset.lengths(indices), null, Tensor.wrap(targets, indices.length, h), indices);
  }
}
