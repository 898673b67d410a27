package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModelConfig;
import java.util.Objects;

/**
 * Everything that determines a training run, so that the same configuration gives the same model
 * bit for bit: the model, the data, the optimizer, the schedule and the seed.
 *
 * @param model the forecaster; its input size is the number of data columns, its output size the
 *     horizon times the number of target columns
 * @param data where the windows come from
 * @param optimizer the optimizer and its settings
 * @param epochs the epoch to train up to (a resumed run continues to it)
 * @param batchSize samples per mini-batch
 * @param seed seeds initialization, shuffling and dropout
 * @param clipNorm the maximum global gradient norm, or 0 for no clipping
 * @param scheduler the learning-rate scheduler, stepped once per epoch (ReduceLROnPlateau with the
 *     validation loss), or null for a constant learning rate
 * @param earlyStopping early stopping on the validation loss, or null to train every epoch
 * @param accumulateGradBatches mini-batches per optimizer step, at least 1 (PyTorch Lightning's
 *     {@code accumulate_grad_batches}): each step's gradient is that of the mean loss over every
 *     sample of {@code accumulateGradBatches} consecutive mini-batches of {@code batchSize}, taken
 *     in the order one mini-batch per step would take them, one mini-batch's forward and backward
 *     at a time. The last step of an epoch takes the mini-batches that are left (the last of them
 *     short when {@code batchSize} does not divide the epoch's samples). So the steps are those of
 *     a run with batches of {@code accumulateGradBatches * batchSize}, equal up to the order of
 *     floating-point sums, with one mini-batch's activations in memory at a time; on Spark the
 *     tasks exchange once per step. An epoch has {@code ceil(ceil(S / batchSize) /
 *     accumulateGradBatches)} steps for S training samples; the listener hears of these steps and
 *     the optimizer counts them, and schedulers still step once per epoch. Dropout is seeded as
 *     without accumulation: once per epoch in one process, whose masks then follow one another
 *     through the epoch's mini-batches, and on Spark once per share of each of these steps.
 */
public record TrainingConfig(
    SequenceModelConfig model,
    DataConfig data,
    OptimizerConfig optimizer,
    int epochs,
    int batchSize,
    long seed,
    double clipNorm,
    SchedulerConfig scheduler,
    EarlyStoppingConfig earlyStopping,
    int accumulateGradBatches) {
  /** A run without a scheduler or early stopping, one mini-batch per step. */
  public TrainingConfig(
      SequenceModelConfig model,
      DataConfig data,
      OptimizerConfig optimizer,
      int epochs,
      int batchSize,
      long seed,
      double clipNorm) {
    this(model, data, optimizer, epochs, batchSize, seed, clipNorm, null, null);
  }

  /** A run of one mini-batch per step. */
  public TrainingConfig(
      SequenceModelConfig model,
      DataConfig data,
      OptimizerConfig optimizer,
      int epochs,
      int batchSize,
      long seed,
      double clipNorm,
      SchedulerConfig scheduler,
      EarlyStoppingConfig earlyStopping) {
    this(model, data, optimizer, epochs, batchSize, seed, clipNorm, scheduler, earlyStopping, 1);
  }

  /** Checks every component; the scheduler and early stopping may be null (not used). */
  public TrainingConfig {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(optimizer, "optimizer");
    checkArgument(epochs > 0, "epochs must be greater than zero, got %d", epochs);
    checkArgument(batchSize > 0, "batch size must be greater than zero, got %d", batchSize);
    checkArgument(
        accumulateGradBatches >= 1,
        "accumulate_grad_batches must be a positive integer. Expected >= 1, got %d",
        accumulateGradBatches);
    checkArgument(clipNorm >= 0, "clip norm must be positive, or 0 for none, got %s", clipNorm);
    checkArgument(
        model.rnn().inputSize() == data.columns().size(),
        "the model's input_size must be the number of data columns. Expected %d, got %d",
        data.columns().size(),
        model.rnn().inputSize());
    checkArgument(
        model.manyToOne() && model.outFeatures() == data.horizon(),
        "a forecaster is many-to-one with out_features equal to the horizon. Expected %d, got %d%s",
        data.horizon(),
        model.outFeatures(),
        model.manyToOne() ? "" : " (many-to-many)");
    checkArgument(
        model.rnn().batchFirst(), "a forecaster reads batch-first windows; set batch_first");
  }

  /**
   * The default run: an LSTM forecaster (hidden size 32, 2 layers) on the shipped CO2 series, Adam
   * with learning rate 0.005, 30 epochs of batches of 32, gradients clipped at norm 1.
   */
  public static TrainingConfig defaults() {
    DataConfig data = DataConfig.defaults();
    return forData(
        data, RnnConfig.lstm(data.columns().size(), 32).numLayers(2).batchFirst(true).build());
  }

  /**
   * The default schedule and optimizer for {@code data} and a recurrent stack of the right input
   * size.
   */
  public static TrainingConfig forData(DataConfig data, RnnConfig rnn) {
    return new TrainingConfig(
        SequenceModelConfig.manyToOne(rnn, data.horizon()),
        data,
        OptimizerConfig.adam(0.005),
        30,
        32,
        42,
        1.0);
  }

  /** The same config reading {@code data}, which must have the same columns and horizon. */
  public TrainingConfig withData(DataConfig data) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** The same config with {@code epochs} epochs. */
  public TrainingConfig withEpochs(int epochs) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** The same config with another optimizer. */
  public TrainingConfig withOptimizer(OptimizerConfig optimizer) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** The same config with another schedule: epochs, batch size, seed and clipping norm. */
  public TrainingConfig withSchedule(int epochs, int batchSize, long seed, double clipNorm) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** This run with {@code scheduler} (null for none). */
  public TrainingConfig withScheduler(SchedulerConfig scheduler) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** This run with {@code earlyStopping} (null for none). */
  public TrainingConfig withEarlyStopping(EarlyStoppingConfig earlyStopping) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }

  /** This run with {@code accumulateGradBatches} mini-batches per optimizer step (at least 1). */
  public TrainingConfig withAccumulateGradBatches(int accumulateGradBatches) {
    return new TrainingConfig(
        model,
        data,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        scheduler,
        earlyStopping,
        accumulateGradBatches);
  }
}
