package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The mini-batches of one pass over a {@link WindowDataset}: consecutive groups of {@code
 * batchSize} samples in a given order, the last group smaller when the size does not divide evenly
 * (it is kept, as PyTorch's {@code DataLoader} keeps it by default with {@code drop_last=False}).
 *
 * <ul>
 *   <li>{@link #inOrder}: samples 0, 1, 2, ... (validation, prediction);
 *   <li>{@link #shuffled}: the order {@link #permutation}{@code (size, seed, epoch)}, which depends
 *       on the seed and the epoch only. A run resumed at epoch e therefore sees exactly the batches
 *       that the uninterrupted run saw at epoch e, and each epoch sees a different order.
 * </ul>
 *
 * <p>Each {@link Batch} is built when {@link #next()} is called, so one epoch never holds more than
 * one batch of tensors.
 */
public final class BatchIterator implements Iterator<Batch> {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final WindowDataset dataset;
  private final int[] order;
  private final int batchSize;
  private int position;

  private BatchIterator(WindowDataset dataset, int[] order, int batchSize) {
    this.dataset = dataset;
    this.order = order;
    this.batchSize = batchSize;
  }

  /** The samples in index order. */
  public static BatchIterator inOrder(WindowDataset dataset, int batchSize) {
    int[] order = new int[dataset.size()];
    Arrays.setAll(order, i -> i);
    return of(dataset, order, batchSize);
  }

  /** The samples in the order of {@link #permutation}{@code (dataset.size(), seed, epoch)}. */
  public static BatchIterator shuffled(WindowDataset dataset, int batchSize, long seed, int epoch) {
    return of(dataset, permutation(dataset.size(), seed, epoch), batchSize);
  }

  /** The given samples, in the given order (repeats allowed, for samplers of one's own). */
  public static BatchIterator of(WindowDataset dataset, int[] indices, int batchSize) {
    Objects.requireNonNull(dataset, "dataset");
    checkArgument(batchSize >= 1, "batchSize must be at least 1, got %d", batchSize);
    int[] order = indices.clone();
    for (int i = 0; i < order.length; i++) {
      checkArgument(
          order[i] >= 0 && order[i] < dataset.size(),
          "indices[%d] is %d, out of range for a dataset of %d samples",
          i,
          order[i],
          dataset.size());
    }
    return new BatchIterator(dataset, order, batchSize);
  }

  /**
   * A permutation of {@code 0..size-1} that depends only on {@code (seed, epoch)}: a Fisher-Yates
   * shuffle (from the last position down, swapping {@code i} with {@code nextInt(i + 1)}) driven by
   * {@code new SplittableRandom(seed ^ mix64((epoch + 1) * 0x9E3779B97F4A7C15L))}, where {@code
   * mix64} is SplittableRandom's own 64-bit finalizer (Stafford's variant 13). Hashing the epoch,
   * rather than adding it to the seed, keeps the generators of neighbouring epochs from running
   * along the same sequence shifted by one.
   */
  public static int[] permutation(int size, long seed, int epoch) {
    checkArgument(size >= 0, "size must be non-negative, got %d", size);
    checkArgument(epoch >= 0, "epoch must be non-negative, got %d", epoch);
    SplittableRandom random = new SplittableRandom(seed ^ mix64((epoch + 1L) * GOLDEN_GAMMA));
    int[] p = new int[size];
    Arrays.setAll(p, i -> i);
    for (int i = size - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The number of batches in this pass: {@code ceil(samples / batchSize)}. */
  public int numBatches() {
    return (order.length + batchSize - 1) / batchSize;
  }

  @Override
  public boolean hasNext() {
    return position < order.length;
  }

  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("all " + numBatches() + " batches have been returned");
    }
    int n = Math.min(batchSize, order.length - position);
    int[] samples = Arrays.copyOfRange(order, position, position + n);
    position += n;
    float[] input = new float[n * dataset.window() * dataset.numFeatures()];
    float[] target = new float[n * dataset.targetSize()];
    dataset.inputsInto(samples, input);
    dataset.targetsInto(samples, target);
    return new Batch(
        Tensor.wrap(input, n, dataset.window(), dataset.numFeatures()),
        Tensor.wrap(target, n, dataset.targetSize()),
        samples);
  }
}
