package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModelConfig;
import java.util.List;
import java.util.Objects;

/**
 * Everything that determines a sequence classification run ({@link SequenceClassifier#train}): the
 * model, the data, the optimizer, the schedule and the seed.
 *
 * @param model many-to-one, batch first, input size H_in = the number of features, out_features =
 *     the number of classes C
 * @param csv the CSV file ({@link LabelledSequences}), or null for the shipped digits
 * @param idColumn the column naming each row's sequence
 * @param labelColumn the column of class labels
 * @param features the H_in feature columns
 * @param validationFraction the share of sequences held out, drawn by {@link
 *     SequenceDataset#randomSplit} with the seed
 * @param normalize whether to z-score every feature with statistics of the training sequences
 * @param optimizer the optimizer and its settings
 * @param epochs the epoch to train up to (a resumed run continues to it)
 * @param batchSize sequences per mini-batch
 * @param seed seeds the split, initialization, shuffling and dropout
 * @param clipNorm the maximum global gradient norm, or 0 for no clipping
 * @param csvSha256 the SHA-256 of the data's bytes ({@link #contentSha256()}) when the run was
 *     configured, or null where unknown (checkpoints written before it was recorded); a resumed run
 *     reads a moved CSV whose content has this checksum
 */
public record ClassificationConfig(
    SequenceModelConfig model,
    String csv,
    String idColumn,
    String labelColumn,
    List<String> features,
    double validationFraction,
    boolean normalize,
    OptimizerConfig optimizer,
    int epochs,
    int batchSize,
    long seed,
    double clipNorm,
    String csvSha256) {
  /** Settings whose data checksum is not known. */
  public ClassificationConfig(
      SequenceModelConfig model,
      String csv,
      String idColumn,
      String labelColumn,
      List<String> features,
      double validationFraction,
      boolean normalize,
      OptimizerConfig optimizer,
      int epochs,
      int batchSize,
      long seed,
      double clipNorm) {
    this(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        null);
  }

  /** Checks every component; a message names the one out of range and its value. */
  public ClassificationConfig {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(idColumn, "idColumn");
    Objects.requireNonNull(labelColumn, "labelColumn");
    Objects.requireNonNull(optimizer, "optimizer");
    features = List.copyOf(features);
    checkArgument(!features.isEmpty(), "at least one feature column is needed, got none");
    checkArgument(
        validationFraction > 0 && validationFraction < 1,
        "validation fraction must be in (0, 1), got %s",
        validationFraction);
    checkArgument(epochs > 0, "epochs must be greater than zero, got %d", epochs);
    checkArgument(batchSize > 0, "batch size must be greater than zero, got %d", batchSize);
    checkArgument(clipNorm >= 0, "clip norm must be positive, or 0 for none, got %s", clipNorm);
    checkArgument(
        model.rnn().inputSize() == features.size(),
        "the model's input_size must be the number of feature columns. Expected %d, got %d",
        features.size(),
        model.rnn().inputSize());
    checkArgument(
        model.manyToOne() && model.outFeatures() >= 2,
        "a classifier is many-to-one with out_features equal to the number of classes (>= 2), "
            + "got out_features=%d%s",
        model.outFeatures(),
        model.manyToOne() ? "" : " (many-to-many)");
    checkArgument(
        model.rnn().batchFirst(), "a classifier reads batch-first sequences; set batch_first");
  }

  /**
   * The schedule and optimizer of {@link TrainingConfig#defaults()} (Adam, learning rate 0.005, 30
   * epochs of batches of 32, clipping at norm 1, seed 42, 20% held out, normalized) for a recurrent
   * stack reading {@code features} and C = {@code numClasses} classes.
   */
  public static ClassificationConfig forData(
      String csv,
      String idColumn,
      String labelColumn,
      List<String> features,
      RnnConfig rnn,
      int numClasses) {
    TrainingConfig d = TrainingConfig.defaults();
    return new ClassificationConfig(
        SequenceModelConfig.manyToOne(rnn, numClasses),
        csv,
        idColumn,
        labelColumn,
        features,
        d.data().validationFraction(),
        d.data().normalize(),
        d.optimizer(),
        d.epochs(),
        d.batchSize(),
        d.seed(),
        d.clipNorm());
  }

  /** The same config with {@code epochs} epochs. */
  public ClassificationConfig withEpochs(int epochs) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /** The same config with another optimizer. */
  public ClassificationConfig withOptimizer(OptimizerConfig optimizer) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /** These settings with another split and normalization. */
  public ClassificationConfig withData(double validationFraction, boolean normalize) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /** The same config with another schedule: epochs, batch size, seed and clipping norm. */
  public ClassificationConfig withSchedule(int epochs, int batchSize, long seed, double clipNorm) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /** These settings reading {@code csv} (null: the shipped digits), the checksum kept. */
  public ClassificationConfig withCsv(String csv) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /** These settings with the data checksum {@code csvSha256}. */
  public ClassificationConfig withCsvSha256(String csvSha256) {
    return new ClassificationConfig(
        model,
        csv,
        idColumn,
        labelColumn,
        features,
        validationFraction,
        normalize,
        optimizer,
        epochs,
        batchSize,
        seed,
        clipNorm,
        csvSha256);
  }

  /**
   * The SHA-256 of the bytes these settings read now: the CSV file's, or the shipped digits'.
   *
   * @throws java.io.UncheckedIOException if the file cannot be read
   */
  public String contentSha256() {
    return DataChecksum.sha256(csv, LabelledSequences.DEFAULT_RESOURCE);
  }

  /** The sequences these settings read, with labels. */
  public LabelledSequences readData() {
    return csv == null
        ? LabelledSequences.defaultDataset()
        : LabelledSequences.readCsv(java.nio.file.Path.of(csv), idColumn, labelColumn, features);
  }
}
