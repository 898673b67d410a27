package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sequence classification with the one training loop: a many-to-one {@link SequenceModel} whose C
 * outputs are logits, fitted with cross-entropy by {@link Trainer#trainEpoch} on a {@link
 * TrainingSet} made from a {@link SequenceDataset}, and evaluated after each epoch on the held-out
 * sequences (loss, accuracy, macro-F1).
 *
 * <p>A run is deterministic for a seed: the split ({@link SequenceDataset#randomSplit}), the
 * initialization, the shuffle and dropout derive from it and the epoch, so a run resumed from a
 * {@link ClassificationCheckpoint} ends bit for bit where the uninterrupted run ends.
 */
public final class SequenceClassifier {
  /**
   * The data of a run: the class vocabulary (sorted labels), the normalization fitted on the
   * training sequences, and both parts, normalized.
   */
  public record Data(
      List<String> classes, Normalization normalization, SequenceDataset.Split split) {}

  /**
   * What a run leaves: the trained model (the caller closes it), its data, the history of every
   * epoch (resumed ones included) and the validation predictions of the last epoch.
   */
  public record Result(
      SequenceModel model, Data data, List<ClassificationStats> history, long[] predictions) {}

  private SequenceClassifier() {}

  /**
   * Splits {@code sequences} with the config's seed and fraction, indexes the labels by their
   * sorted vocabulary and normalizes the features with the training part's statistics (if asked).
   */
  public static Data prepare(ClassificationConfig config, LabelledSequences sequences) {
    List<String> classes = sequences.classes();
    if (classes.size() != config.model().outFeatures()) {
      throw new IllegalArgumentException(
          String.format(
              "%s has %d classes %s, but the model has %d outputs",
              sequences.source(), classes.size(), classes, config.model().outFeatures()));
    }
    SequenceDataset.Split split =
        sequences.toDataset(classes).randomSplit(config.validationFraction(), config.seed());
    Normalization normalization =
        config.normalize()
            ? split.train().fitNormalization(sequences.features())
            : Normalization.identity();
    return new Data(
        classes,
        normalization,
        new SequenceDataset.Split(
            split.train().normalized(normalization), split.validation().normalized(normalization)));
  }

  /**
   * Trains up to {@code config.epochs()}, writing {@code checkpoint} after every epoch.
   *
   * @param resume the checkpoint to continue from, or null; its model, data and optimizer type must
   *     be {@code config}'s, and its classes and statistics {@code data}'s
   * @param steps told of every step (through {@link Trainer.Listener#onStep}), or null
   * @param epochs told of every epoch after its checkpoint
   * @throws TrainingDivergedException when a loss is not finite; the last checkpoint stays as it
   *     was
   */
  public static Result train(
      ClassificationConfig config,
      Data data,
      ClassificationCheckpoint resume,
      Path checkpoint,
      Backend backend,
      Trainer.Listener steps,
      Consumer<ClassificationStats> epochs)
      throws IOException {
    SequenceDataset train = data.split().train();
    MemoryEstimate.training(
            config.model(),
            config.optimizer(),
            DType.FLOAT32,
            config.batchSize(),
            train.maxLength(),
            train.size(),
            backend.device())
        .checkFits(backend);
    List<ClassificationStats> history = new ArrayList<>();
    int start = 0;
    SequenceModel model;
    if (resume == null) {
      model = SequenceModel.create(config.model(), config.seed());
    } else {
      checkResumable(config, data, resume);
      model = SequenceModel.fromStateDict(config.model(), resume.weights());
      history.addAll(resume.history());
      start = resume.epoch();
    }
    model.to(backend);
    long[] predictions = null;
    try (Optimizer optimizer = config.optimizer().create(model.parameters());
        TrainingSet host = data.split().train().toTrainingSet();
        TrainingSet onDevice = host.to(model.device())) {
      if (resume != null) {
        optimizer.loadState(resume.optimizerState());
      }
      for (int epoch = start + 1; epoch <= config.epochs(); epoch++) {
        model.train();
        model.manualSeed(Trainer.epochSeed(config.seed(), epoch));
        double trainLoss =
            Trainer.trainEpoch(
                model,
                optimizer,
                onDevice,
                config.batchSize(),
                config.seed(),
                epoch,
                config.clipNorm(),
                steps);
        Evaluation eval = evaluate(model, data.split().validation(), config.batchSize());
        if (!Double.isFinite(eval.loss())) {
          throw new TrainingDivergedException(
              String.format(
                  "the validation loss became %s at epoch %d; "
                      + "stopped, and the last checkpoint was left as it was",
                  eval.loss(), epoch));
        }
        ClassificationStats stats =
            new ClassificationStats(epoch, trainLoss, eval.loss(), eval.accuracy(), eval.macroF1());
        history.add(stats);
        new ClassificationCheckpoint(
                config,
                data.classes(),
                data.normalization(),
                model.stateDict(),
                optimizer.state(),
                epoch,
                history)
            .write(checkpoint);
        predictions = eval.predictions();
        epochs.accept(stats);
      }
    } catch (RuntimeException | IOException e) {
      model.close();
      throw e;
    }
    if (predictions == null) {
      predictions = evaluate(model, data.split().validation(), config.batchSize()).predictions();
    }
    return new Result(model, data, history, predictions);
  }

  /**
   * A model's mean cross-entropy, accuracy, macro-F1 and predicted classes on labelled sequences.
   *
   * @param predictions the argmax class of each sequence, in the dataset's order
   */
  public record Evaluation(double loss, double accuracy, double macroF1, long[] predictions) {}

  /** Evaluates {@code model} (put in evaluation mode) on {@code dataset}, in batches. */
  public static Evaluation evaluate(SequenceModel model, SequenceDataset dataset, int batchSize) {
    double sum = 0;
    long[] predicted = new long[dataset.size()];
    model.eval();
    SequenceLoader loader =
        SequenceLoader.builder(dataset).batchSize(batchSize).batchFirst(true).build();
    int at = 0;
    for (Iterator<SequenceBatch> it = loader.iterator(0); it.hasNext(); ) {
      SequenceBatch batch = it.next();
      try (TensorScope scope = TensorScope.open()) {
        Tensor logits = model.forward(batch.input(), batch.lengths()).to(Device.CPU);
        sum += CrossEntropyLoss.compute(logits, batch.labels()).value() * batch.size();
        for (long p : argmax(logits)) {
          predicted[at++] = p;
        }
      } finally {
        batch.input().close();
      }
    }
    long[] labels = dataset.labels();
    return new Evaluation(
        sum / dataset.size(),
        Metrics.accuracyScore(labels, predicted),
        Metrics.f1Score(labels, predicted),
        predicted);
  }

  /**
   * The predicted class of each sequence, in order, after normalizing its features as in training
   * (no labels needed).
   */
  public static long[] predict(
      SequenceModel model, List<float[][]> sequences, Normalization normalization, int batchSize) {
    // Placeholder labels: evaluate's loss is then meaningless, its argmax is what is wanted.
    SequenceDataset dataset =
        SequenceDataset.classification(sequences, new long[sequences.size()])
            .normalized(normalization);
    return evaluate(model, dataset, batchSize).predictions();
  }

  /** The index of each row's largest logit (the first of equal ones, as {@code torch.argmax}). */
  static long[] argmax(Tensor logits) {
    int n = logits.size(0);
    int c = logits.size(1);
    double[] v = logits.toDoubleArray();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int k = 1; k < c; k++) {
        if (v[i * c + k] > v[i * c + best]) {
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  }

  private static void checkResumable(
      ClassificationConfig config, Data data, ClassificationCheckpoint resume) {
    ClassificationConfig saved = resume.config();
    require(saved.model().equals(config.model()), "model", saved.model(), config.model());
    // A moved CSV is the same data when the checksum recorded for it is the same.
    ClassificationConfig comparable =
        saved.csvSha256() == null ? saved : saved.withCsv(config.csv());
    require(
        comparable.withEpochs(1).withOptimizer(config.optimizer()).equals(config.withEpochs(1)),
        "data or schedule",
        saved,
        config);
    require(
        saved.optimizer().type().equals(config.optimizer().type()),
        "optimizer",
        saved.optimizer().type(),
        config.optimizer().type());
    require(resume.classes().equals(data.classes()), "classes", resume.classes(), data.classes());
    require(
        resume.normalization().equals(data.normalization()),
        "normalization statistics (the data changed)",
        resume.normalization().toJson(),
        data.normalization().toJson());
    if (resume.epoch() >= config.epochs()) {
      throw new IllegalArgumentException(
          String.format(
              "the checkpoint has already completed %d epochs; "
                  + "ask for more than that to continue",
              resume.epoch()));
    }
  }

  private static void require(boolean same, String what, Object saved, Object asked) {
    if (!same) {
      throw new IllegalArgumentException(
          String.format(
              "the checkpoint does not match this run: its %s is %s, this run's is %s",
              what, saved, asked));
    }
  }
}
