package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.nn.RnnUtils;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A map-style dataset of S samples, each a sequence of its own length with a class label or a
 * real-valued target: {@code torch.utils.data.Dataset} for sequence tasks, on the host, immutable.
 *
 * <pre>
 * sequence i   (L_i, H_in) float32, L_i &gt;= 1, the same H_in for every sample
 * label i      a class index in [0, C) (classification), or
 * target i     H_out float32 values (regression)
 * </pre>
 *
 * <p>It feeds the one training loop as a {@link TrainingSet} ({@link #toTrainingSet()}: the
 * sequences padded with 0 to the longest, batch first, with their lengths), and a {@link
 * SequenceLoader} for batches of one's own (evaluation, prediction). {@link #randomSplit} is {@code
 * torch.utils.data.random_split} and {@link #subset} {@code Subset}.
 */
public final class SequenceDataset {
  /** The training and the validation samples of {@link #randomSplit}. */
  public record Split(SequenceDataset train, SequenceDataset validation) {}

  private final List<float[]> sequences; // each row-major (L_i, H_in)
  private final int inputSize;
  private final long[] labels; // null for regression
  private final float[][] targets; // null for classification

  private SequenceDataset(
      List<float[]> sequences, int inputSize, long[] labels, float[][] targets) {
    this.sequences = sequences;
    this.inputSize = inputSize;
    this.labels = labels;
    this.targets = targets;
  }

  /**
   * Sequences with class labels, for cross-entropy.
   *
   * @param sequences S arrays (L_i, H_in), copied
   * @param labels S class indices, each at least 0
   */
  public static SequenceDataset classification(List<float[][]> sequences, long[] labels) {
    List<float[]> flat = flatten(sequences);
    checkArgument(
        labels.length == flat.size(),
        "Expected one label per sequence (%d), got %d",
        flat.size(),
        labels.length);
    for (int i = 0; i < labels.length; i++) {
      checkArgument(
          labels[i] >= 0, "Expected class indices >= 0, got labels[%d] = %d", i, labels[i]);
    }
    return new SequenceDataset(flat, sequences.get(0)[0].length, labels.clone(), null);
  }

  /**
   * Sequences with real-valued targets, for mean squared error.
   *
   * @param sequences S arrays (L_i, H_in), copied
   * @param targets S arrays of H_out values, copied
   */
  public static SequenceDataset regression(List<float[][]> sequences, float[][] targets) {
    List<float[]> flat = flatten(sequences);
    checkArgument(
        targets.length == flat.size(),
        "Expected one target per sequence (%d), got %d",
        flat.size(),
        targets.length);
    float[][] copy = new float[targets.length][];
    for (int i = 0; i < targets.length; i++) {
      checkArgument(
          targets[i].length == targets[0].length && targets[i].length > 0,
          "Expected every target to have %d values, got %d at index %d",
          targets[0].length,
          targets[i].length,
          i);
      copy[i] = targets[i].clone();
    }
    return new SequenceDataset(flat, sequences.get(0)[0].length, null, copy);
  }

  private static List<float[]> flatten(List<float[][]> sequences) {
    Objects.requireNonNull(sequences, "sequences");
    checkArgument(!sequences.isEmpty(), "Expected at least one sequence, got none");
    checkArgument(
        sequences.get(0).length > 0,
        "Expected every sequence to have L >= 1 steps, got 0 at index 0");
    int h = sequences.get(0)[0].length;
    checkArgument(h > 0, "Expected H_in >= 1 features, got 0");
    List<float[]> out = new ArrayList<>(sequences.size());
    for (int i = 0; i < sequences.size(); i++) {
      float[][] s = sequences.get(i);
      checkArgument(
          s.length > 0, "Expected every sequence to have L >= 1 steps, got 0 at index %d", i);
      float[] flat = new float[s.length * h];
      for (int t = 0; t < s.length; t++) {
        checkArgument(
            s[t].length == h,
            "Expected %d features per step (H_in), got %d at sequence %d, step %d",
            h,
            s[t].length,
            i,
            t);
        System.arraycopy(s[t], 0, flat, t * h, h);
      }
      out.add(flat);
    }
    return List.copyOf(out);
  }

  /** S, the number of samples. */
  public int size() {
    return sequences.size();
  }

  /** H_in, the features per step. */
  public int inputSize() {
    return inputSize;
  }

  /** Whether the samples carry class labels (else real-valued targets). */
  public boolean isClassification() {
    return labels != null;
  }

  /** L_i, the length of sample {@code i}. */
  public int length(int i) {
    return sequences.get(i).length / inputSize;
  }

  /** The longest L_i. */
  public int maxLength() {
    int max = 0;
    for (float[] s : sequences) {
      max = Math.max(max, s.length / inputSize);
    }
    return max;
  }

  /** Sample {@code i}'s sequence as a new (L_i, H_in) array. */
  public float[][] sequence(int i) {
    float[] flat = sequences.get(i);
    float[][] out = new float[flat.length / inputSize][];
    for (int t = 0; t < out.length; t++) {
      out[t] = Arrays.copyOfRange(flat, t * inputSize, (t + 1) * inputSize);
    }
    return out;
  }

  /** Sample {@code i}'s class index; classification only. */
  public long label(int i) {
    checkArgument(labels != null, "a regression dataset has targets, not labels");
    return labels[i];
  }

  /** Every sample's class index, in order; classification only. */
  public long[] labels() {
    checkArgument(labels != null, "a regression dataset has targets, not labels");
    return labels.clone();
  }

  /** H_out, the values per target; regression only. */
  public int targetSize() {
    checkArgument(targets != null, "a classification dataset has labels, not targets");
    return targets[0].length;
  }

  /** Sample {@code i}'s target as a new array; regression only. */
  public float[] target(int i) {
    checkArgument(targets != null, "a classification dataset has labels, not targets");
    return targets[i].clone();
  }

  /** {@code torch.utils.data.Subset(dataset, indices)}: the given samples, in the given order. */
  public SequenceDataset subset(int[] indices) {
    List<float[]> picked = new ArrayList<>(indices.length);
    long[] pickedLabels = labels == null ? null : new long[indices.length];
    float[][] pickedTargets = targets == null ? null : new float[indices.length][];
    checkArgument(indices.length > 0, "Expected at least one index, got none");
    for (int k = 0; k < indices.length; k++) {
      int i = indices[k];
      checkArgument(
          i >= 0 && i < size(),
          "index %d is out of bounds for a dataset of size %d (indices[%d])",
          i,
          size(),
          k);
      picked.add(sequences.get(i));
      if (labels != null) {
        pickedLabels[k] = labels[i];
      } else {
        pickedTargets[k] = targets[i];
      }
    }
    return new SequenceDataset(List.copyOf(picked), inputSize, pickedLabels, pickedTargets);
  }

  /**
   * {@code random_split(dataset, [S - V, V])}: V = round(S * validationFraction) samples, at least
   * 1 and at most S - 1, go to validation. The order is {@link BatchIterator#permutation}{@code (S,
   * seed, 0)}, rnn4j's own (not {@code torch.Generator}'s): the first S - V samples of it train,
   * the rest validate, each in that order. The same seed gives the same split on every run.
   *
   * @throws IllegalArgumentException if the fraction is not in (0, 1) or S &lt; 2
   */
  public Split randomSplit(double validationFraction, long seed) {
    checkArgument(
        validationFraction > 0 && validationFraction < 1,
        "validation fraction must be in (0, 1), got %s",
        validationFraction);
    checkArgument(size() >= 2, "Expected at least 2 samples to split, got %d", size());
    int validation =
        (int) Math.min(size() - 1, Math.max(1, Math.round(size() * validationFraction)));
    int[] order = BatchIterator.permutation(size(), seed, 0);
    return new Split(
        subset(Arrays.copyOfRange(order, 0, size() - validation)),
        subset(Arrays.copyOfRange(order, size() - validation, size())));
  }

  /**
   * Each feature's mean and population standard deviation over every step of every sequence (a
   * constant feature gets std 1), as {@link Normalization#fit(TimeSeries, int, int)} computes them.
   *
   * @param columns the H_in feature names
   */
  public Normalization fitNormalization(List<String> columns) {
    checkArgument(
        columns.size() == inputSize,
        "Expected %d feature names (H_in), got %d",
        inputSize,
        columns.size());
    List<double[]> rows = new ArrayList<>();
    for (float[] s : sequences) {
      for (int t = 0; t < s.length / inputSize; t++) {
        double[] row = new double[inputSize];
        for (int j = 0; j < inputSize; j++) {
          row[j] = s[t * inputSize + j];
        }
        rows.add(row);
      }
    }
    TimeSeries steps = TimeSeries.of(columns, rows.toArray(double[][]::new));
    return Normalization.fit(steps, 0, steps.length());
  }

  /**
   * The same samples with every feature standardized by {@code normalization} (in feature order).
   */
  public SequenceDataset normalized(Normalization normalization) {
    List<String> columns = normalization.columns();
    checkArgument(
        normalization.isIdentity() || columns.size() == inputSize,
        "Expected statistics for %d features (H_in), got %d",
        inputSize,
        columns.size());
    if (normalization.isIdentity()) {
      return this;
    }
    List<float[]> out = new ArrayList<>(sequences.size());
    for (float[] s : sequences) {
      float[] n = new float[s.length];
      for (int k = 0; k < s.length; k++) {
        n[k] = (float) normalization.normalize(columns.get(k % inputSize), s[k]);
      }
      out.add(n);
    }
    return new SequenceDataset(List.copyOf(out), inputSize, labels, targets);
  }

  /**
   * The samples {@code indices} padded as {@link RnnUtils#padSequence(List, boolean, double)} pads
   * them: (N, L, H_in) with {@code batchFirst}, else (L, N, H_in), L the longest of them; a new
   * float32 host tensor.
   */
  public Tensor padded(int[] indices, boolean batchFirst, double paddingValue) {
    List<Tensor> picked = new ArrayList<>(indices.length);
    for (int i : indices) {
      float[] s = sequences.get(i);
      picked.add(Tensor.wrap(s, s.length / inputSize, inputSize));
    }
    return RnnUtils.padSequence(picked, batchFirst, paddingValue);
  }

  /** The lengths of samples {@code indices}. */
  public int[] lengths(int[] indices) {
    int[] out = new int[indices.length];
    for (int k = 0; k < indices.length; k++) {
      out[k] = length(indices[k]);
    }
    return out;
  }

  /**
   * Every sample as a host {@link TrainingSet} for {@link Trainer#trainEpoch}: inputs (S, L_max,
   * H_in) batch first, padded with 0, their lengths, and the labels (cross-entropy) or the targets
   * (S, H_out) (MSE). Copy it to the model's device with {@link TrainingSet#to}.
   */
  public TrainingSet toTrainingSet() {
    int[] all = new int[size()];
    Arrays.setAll(all, i -> i);
    Tensor inputs = padded(all, true, 0.0);
    if (labels != null) {
      return TrainingSet.classification(inputs, lengths(all), labels);
    }
    float[] flat = new float[size() * targets[0].length];
    for (int i = 0; i < size(); i++) {
      System.arraycopy(targets[i], 0, flat, i * targets[0].length, targets[0].length);
    }
    return TrainingSet.regression(
        inputs, lengths(all), Tensor.wrap(flat, size(), targets[0].length));
  }

  @Override
  public String toString() {
    return "SequenceDataset("
        + size()
        + " sequences of "
        + inputSize
        + " features, lengths up to "
        + maxLength()
        + (labels != null ? ", class labels)" : ", targets of " + targets[0].length + " values)");
  }
}
