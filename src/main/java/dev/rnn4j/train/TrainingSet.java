package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * The samples of a supervised sequence task, kept where the model trains: S input sequences, batch
 * first {@code (S, L, H_in)} and padded to L, their lengths (or none, when every sequence has L
 * steps), and their targets, with the loss that compares them with the model's prediction:
 *
 * <pre>
 * regression (MSE)              many-to-one targets (S, out_features); many-to-many (S, L, out_features)
 * classification (cross-entropy) many-to-one labels S class indices; many-to-many S * L (row-major (S, L)),
 *                                -100 ({@link CrossEntropyLoss#IGNORE_INDEX}) where a step does not count
 * </pre>
 *
 * <p>{@link Trainer#trainEpoch} gathers each mini-batch from it with one row gather on the device,
 * so a step moves no data between host and device. {@link #to(Device)} copies the set there once;
 * close what you copied.
 */
public final class TrainingSet implements AutoCloseable {
  /** How prediction and target are compared. */
  public enum Loss {
    /** {@link MseLoss}. */
    MSE,
    /** {@link CrossEntropyLoss} on class indices. */
    CROSS_ENTROPY
  }

  private final Tensor inputs;
  private final int[] lengths;
  private final Tensor targets;
  private final long[] labels;
  private final Loss loss;
  private final boolean owner;

  private TrainingSet(
      Tensor inputs, int[] lengths, Tensor targets, long[] labels, Loss loss, boolean owner) {
    this.inputs = inputs;
    this.lengths = lengths;
    this.targets = targets;
    this.labels = labels;
    this.loss = loss;
    this.owner = owner;
  }

  /**
   * Samples with real-valued targets, fitted with mean squared error.
   *
   * @param inputs (S, L, H_in)
   * @param lengths S lengths in [1, L], or null when all are L
   * @param targets (S, ...) with S rows: one row per sample of what the model predicts for it
   */
  public static TrainingSet regression(Tensor inputs, int[] lengths, Tensor targets) {
    checkInputs(inputs, lengths);
    Objects.requireNonNull(targets, "targets");
    checkArgument(
        targets.dim() >= 1 && targets.size(0) == inputs.size(0),
        "Expected targets with one row per sample (%d), got size %s",
        inputs.size(0),
        Shape.list(targets.shape()));
    checkArgument(
        targets.dtype() == inputs.dtype() && targets.device().equals(inputs.device()),
        "Expected targets of the inputs' dtype and device (%s on %s), got %s on %s",
        inputs.dtype(),
        inputs.device(),
        targets.dtype(),
        targets.device());
    return new TrainingSet(inputs, copy(lengths), targets, null, Loss.MSE, false);
  }

  /**
   * Samples with class labels, fitted with cross-entropy.
   *
   * @param inputs (S, L, H_in)
   * @param lengths S lengths in [1, L], or null when all are L
   * @param labels S class indices (many-to-one) or S * L (many-to-many, row-major (S, L))
   */
  public static TrainingSet classification(Tensor inputs, int[] lengths, long[] labels) {
    checkInputs(inputs, lengths);
    Objects.requireNonNull(labels, "labels");
    int s = inputs.size(0);
    checkArgument(
        labels.length == s || labels.length == s * inputs.size(1),
        "Expected one label per sample (%d) or per step (%d), got %d",
        s,
        s * inputs.size(1),
        labels.length);
    return new TrainingSet(inputs, copy(lengths), null, labels.clone(), Loss.CROSS_ENTROPY, false);
  }

  private static void checkInputs(Tensor inputs, int[] lengths) {
    Objects.requireNonNull(inputs, "inputs");
    checkArgument(
        inputs.dim() == 3,
        "Expected inputs of shape (S, L, H_in), got size %s",
        Shape.list(inputs.shape()));
    if (lengths != null) {
      checkArgument(
          lengths.length == inputs.size(0),
          "Expected %d lengths, got %d",
          inputs.size(0),
          lengths.length);
      for (int i = 0; i < lengths.length; i++) {
        checkArgument(
            lengths[i] >= 1 && lengths[i] <= inputs.size(1),
            "Expected every length in [1, %d], got lengths[%d] = %d",
            inputs.size(1),
            i,
            lengths[i]);
      }
    }
  }

  private static int[] copy(int[] a) {
    return a == null ? null : a.clone();
  }

  /** The same samples on {@code device} (this set when they are there already); close the copy. */
  public TrainingSet to(Device device) {
    if (inputs.device().equals(device)) {
      return this;
    }
    return new TrainingSet(
        inputs.to(device),
        lengths,
        targets == null ? null : targets.to(device),
        labels,
        loss,
        true);
  }

  /** S. */
  public int size() {
    return inputs.size(0);
  }

  /** The loss this set trains with: MSE for targets, cross-entropy for labels. */
  public Loss loss() {
    return loss;
  }

  /** Where the inputs, lengths and targets or labels live (the model's device). */
  public Device device() {
    return inputs.device();
  }

  /** The samples' lengths, or null. */
  int[] lengths(int[] samples) {
    if (lengths == null) {
      return null;
    }
    int[] out = new int[samples.length];
    for (int i = 0; i < samples.length; i++) {
      out[i] = lengths[samples[i]];
    }
    return out;
  }

  /**
   * A mini-batch's input in the model's layout, on the set's device, gathered from the samples'
   * rows (and transposed to (L, N, H_in) for a model that is not batch first); the caller owns it.
   */
  Tensor input(int[] samples, SequenceModelConfig model) {
    int steps = inputs.size(1);
    int features = inputs.size(2);
    Backend backend = Backends.forDevice(device());
    Storage batch = backend.allocate(inputs.dtype(), (long) samples.length * steps * features);
    backend.gatherRows(inputs.storage(), steps * features, samples, batch);
    if (model.rnn().batchFirst()) {
      return Tensor.of(batch, samples.length, steps, features);
    }
    Storage sequenceMajor =
        backend.allocate(inputs.dtype(), (long) samples.length * steps * features);
    backend.transpose01(batch, sequenceMajor, samples.length, steps, features);
    batch.close();
    return Tensor.of(sequenceMajor, steps, samples.length, features);
  }

  /** The loss of a prediction for {@code samples}, and its gradient (the caller owns both). */
  LossResult loss(Tensor prediction, int[] samples, SequenceModelConfig model) {
    if (loss == Loss.MSE) {
      return MseLoss.compute(prediction, regressionTargets(samples, model));
    }
    // Cross-entropy reads (rows, C); the gradient goes back in the prediction's shape ((L, N, C)
    // for a
    // sequence-first many-to-many model), a view of the loss's own gradient.
    LossResult rows =
        CrossEntropyLoss.compute(prediction.view(-1, model.outFeatures()), labels(samples, model));
    return new LossResult(rows.loss(), rows.gradient().view(prediction.shape()));
  }

  private Tensor regressionTargets(int[] samples, SequenceModelConfig model) {
    int[] shape = targets.shape();
    int width = targets.numel() / targets.size(0);
    Backend backend = Backends.forDevice(device());
    Storage batch = backend.allocate(targets.dtype(), (long) samples.length * width);
    backend.gatherRows(targets.storage(), width, samples, batch);
    shape[0] = samples.length;
    if (model.manyToOne() || model.rnn().batchFirst()) {
      return Tensor.of(batch, shape);
    }
    // A sequence-first many-to-many prediction is (L, N, out): the targets follow.
    Storage sequenceMajor = backend.allocate(targets.dtype(), (long) samples.length * width);
    backend.transpose01(batch, sequenceMajor, samples.length, shape[1], width / shape[1]);
    batch.close();
    return Tensor.of(sequenceMajor, shape[1], samples.length, width / shape[1]);
  }

  private long[] labels(int[] samples, SequenceModelConfig model) {
    if (labels.length == size()) {
      long[] out = new long[samples.length];
      for (int i = 0; i < samples.length; i++) {
        out[i] = labels[samples[i]];
      }
      return out;
    }
    int steps = inputs.size(1);
    long[] out = new long[samples.length * steps];
    for (int i = 0; i < samples.length; i++) {
      for (int t = 0; t < steps; t++) {
        int row = model.rnn().batchFirst() ? i * steps + t : t * samples.length + i;
        out[row] = labels[samples[i] * steps + t];
      }
    }
    return out;
  }

  /**
   * Releases the copies {@link #to(Device)} made; a set made from the caller's tensors owns
   * nothing.
   */
  @Override
  public void close() {
    if (owner) {
      inputs.close();
      if (targets != null) {
        targets.close();
      }
    }
  }

  @Override
  public String toString() {
    return "TrainingSet("
        + size()
        + " samples of size "
        + Shape.list(Arrays.copyOfRange(inputs.shape(), 1, 3))
        + ", loss="
        + loss
        + ", device="
        + device()
        + ")";
  }
}
