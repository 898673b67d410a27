package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.ClassificationConfig;
import dev.rnn4j.train.ClassificationStats;
import dev.rnn4j.train.LabelledSequences;
import dev.rnn4j.train.MemoryEstimate;
import dev.rnn4j.train.Metrics;
import dev.rnn4j.train.SequenceClassifier;
import dev.rnn4j.train.SequenceDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code rnn4j train --task classification}: a many-to-one classifier of labelled sequences ({@link
 * LabelledSequences}: one sequence per id, its rows in file order) trained by {@link
 * SequenceClassifier}, one line per epoch (train loss, validation loss, accuracy and macro-F1), a
 * checkpoint after every epoch, and at the end the loss curves and the validation set's confusion
 * matrix as PNG charts. {@code --columns} names the features (default: every column but the id and
 * the label); the forecasting options {@code --window}, {@code --horizon}, {@code --stride} and
 * {@code --no-anchor} do not apply.
 */
final class ClassificationTraining {
  static final String TASK = "classification";
  static final String CONFUSION_PNG = "confusion.png";
  // Learning-rate schedules, early stopping and gradient accumulation run in Trainer.train, the
  // forecaster's loop; SequenceClassifier's epochs do not carry them yet, so asking for them is
  // refused, not ignored.
  private static final List<String> FORECASTING_ONLY =
      List.of(
          "--window",
          "--horizon",
          "--stride",
          "--no-anchor",
          "--accumulate-grad-batches",
          "--lr-scheduler",
          "--step-size",
          "--gamma",
          "--t-max",
          "--eta-min",
          "--start-factor",
          "--end-factor",
          "--total-iters",
          "--factor",
          "--patience",
          "--threshold",
          "--threshold-mode",
          "--cooldown",
          "--min-lr",
          "--early-stopping-patience",
          "--min-delta",
          "--restore-best-weights");

  private final TrainCommand command;
  private final CommandSpec spec;
  private final TrainCommand.DataOptions data;
  private final TrainCommand.ScheduleOptions schedule;
  private final Path out;
  private final Path resume;
  private final boolean force;
  private final DeviceOption device;

  ClassificationTraining(
      TrainCommand command,
      CommandSpec spec,
      TrainCommand.DataOptions data,
      TrainCommand.ScheduleOptions schedule,
      Path out,
      Path resume,
      boolean force,
      DeviceOption device) {
    this.command = command;
    this.spec = spec;
    this.data = data;
    this.schedule = schedule;
    this.out = out;
    this.resume = resume;
    this.force = force;
    this.device = device;
  }

  /**
   * A usage error for any of {@code options} given on the command line: they are not {@code
   * task}'s.
   */
  static void rejectOptions(CommandSpec spec, List<String> options, String task) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (String option : options) {
      if (parsed.hasMatchedOption(option)) {
        throw new ParameterException(
            spec.commandLine(), String.format("%s does not apply to --task %s", option, task));
      }
    }
  }

  /** Trains; {@code progress} receives the progress display as soon as there is one. */
  void run(Consumer<TrainCommand.Progress> progress) {
    PrintWriter stdout = spec.commandLine().getOut();
    ClassificationCheckpoint checkpoint = null;
    ClassificationConfig config;
    LabelledSequences sequences;
    Path dir;
    if (resume == null) {
      rejectOptions(spec, FORECASTING_ONLY, TASK);
      dir = out != null ? out : Path.of("runs", "latest");
      OutputPaths.checkFolder("--out", dir);
      sequences = read();
      config = newConfig(sequences);
      config =
          config.withCsvSha256(
              TrainingFiles.contentSha256("--csv", config.csv(), config::contentSha256));
    } else {
      // TrainCommand has checked that only --epochs, --out and --device accompany --resume.
      checkpoint = TrainingFiles.readClassificationCheckpoint("--resume", resume);
      config = checkpoint.config();
      if (spec.commandLine().getParseResult().hasMatchedOption("--epochs")) {
        try {
          config = config.withEpochs(schedule.epochs);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), Failures.oneLine(e), e);
        }
      }
      config = config.withCsv(TrainingFiles.resumedCsv(data.csv, config.csv(), config.csvSha256()));
      dir = out != null ? out : resume.getParent() != null ? resume.getParent() : Path.of(".");
      OutputPaths.checkFolder("--out", dir);
      sequences = readChecked(config, data.csv != null ? "--csv" : "the checkpoint's CSV");
    }
    RunFolder.check(dir, resume, force);
    Backend backend = device.select();
    SequenceClassifier.Data prepared = SequenceClassifier.prepare(config, sequences);
    SequenceDataset train = prepared.split().train();
    MemoryEstimate.training(
            config.model(),
            config.optimizer(),
            DType.FLOAT32,
            config.batchSize(),
            train.maxLength(),
            train.size(),
            backend.device())
        .checkFits(backend, p -> TrainCommand.advice(p, null));
    printHeader(stdout, config, sequences, prepared, backend, checkpoint);
    Path checkpointPath = dir.resolve(TrainCommand.CHECKPOINT);
    ClassificationStats resumedBest =
        checkpoint == null
            ? null
            : checkpoint.history().stream()
                .min(Comparator.comparingDouble(ClassificationStats::validationLoss))
                .get();
    RunFolder folder =
        RunFolder.open(
            dir,
            resume,
            force,
            resumedBest == null ? Double.POSITIVE_INFINITY : resumedBest.validationLoss(),
            resumedBest == null ? 0 : resumedBest.epoch());
    // Under the run's lock: temporaries of a killed writer can go.
    TrainingFiles.prepareFolder(dir, resume);
    TrainCommand.Progress bar =
        new TrainCommand.Progress(
            stdout, spec.commandLine().getErr(), System.console() != null, config.epochs());
    progress.accept(bar);
    int epochs = config.epochs();
    SequenceClassifier.Result result;
    try (Interruption interruption =
        Interruption.install(
            spec.commandLine().getErr(),
            bar,
            checkpointPath,
            resume,
            checkpoint == null ? 0 : checkpoint.epoch())) {
      result =
          SequenceClassifier.train(
              config,
              prepared,
              checkpoint,
              checkpointPath,
              backend,
              interruption.steps(bar),
              stats -> {
                folder.epochWritten(stats.epoch(), stats.validationLoss());
                bar.printLine(epochLine(stats, epochs));
                interruption.epochWritten(stats.epoch());
              });
      interruption.finished();
    } catch (IOException e) {
      folder.close();
      throw new IllegalArgumentException(Failures.describe("--out", checkpointPath, e), e);
    } catch (RuntimeException e) {
      folder.close();
      throw e;
    }
    try {
      Path lossPng = dir.resolve(TrainCommand.LOSS_PNG);
      Path confusionPng = dir.resolve(CONFUSION_PNG);
      SequenceDataset validation = prepared.split().validation();
      long[][] matrix =
          Metrics.confusionMatrix(
              validation.labels(), result.predictions(), prepared.classes().size());
      String written;
      try {
        drawLoss(lossPng, result.history());
        TrainingFiles.drawPng(
            confusionPng,
            () ->
                Plots.confusionMatrix(
                    confusionPng,
                    String.format(
                        Locale.ROOT,
                        "Validation confusion matrix (%d sequences, accuracy %.3f)",
                        validation.size(),
                        Metrics.accuracyScore(validation.labels(), result.predictions())),
                    prepared.classes(),
                    matrix));
        written = lossPng + ", " + confusionPng;
      } catch (Plots.UnavailableException e) {
        written = "no charts (see the warning above)";
        spec.commandLine()
            .getErr()
            .printf(
                "rnn4j train: warning: %s and %s not drawn: %s%n",
                TrainCommand.LOSS_PNG, CONFUSION_PNG, e.getMessage());
        spec.commandLine().getErr().flush();
      }
      printSummary(stdout, result, prepared, checkpointPath, folder.best(), written);
    } finally {
      result.model().close();
      folder.close();
    }
  }

  private LabelledSequences read() {
    List<String> features =
        spec.commandLine().getParseResult().hasMatchedOption("--columns")
            ? data.columns
            : List.of();
    if (data.csv == null) {
      if (!features.isEmpty()
          || spec.commandLine().getParseResult().hasMatchedOption("--id-column")
          || spec.commandLine().getParseResult().hasMatchedOption("--label-column")) {
        throw new ParameterException(
            spec.commandLine(),
            "--columns, --id-column and --label-column need --csv: the shipped digits have the "
                + "columns id, label and p0 to p7");
      }
      return LabelledSequences.defaultDataset();
    }
    return readCsv(data.csv, data.idColumn, data.labelColumn, features, "--csv");
  }

  /** The checkpoint's data, which must be as it was (the checkpoint's features included). */
  private static LabelledSequences readChecked(ClassificationConfig config, String source) {
    return config.csv() == null
        ? LabelledSequences.defaultDataset()
        : readCsv(
            Path.of(config.csv()),
            config.idColumn(),
            config.labelColumn(),
            config.features(),
            source);
  }

  static LabelledSequences readCsv(
      Path csv, String idColumn, String labelColumn, List<String> features, String source) {
    try {
      return LabelledSequences.readCsv(csv, idColumn, labelColumn, features);
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(Failures.describe(source, csv, e.getCause()), e);
    }
  }

  private ClassificationConfig newConfig(LabelledSequences sequences) {
    TrainCommand.DataOptions d = data;
    try {
      int classes = sequences.classes().size();
      if (classes < 2) {
        throw new IllegalArgumentException(
            String.format(
                "%s has %d class %s in column \"%s\"; a classifier needs at least 2",
                sequences.source(), classes, sequences.classes(), d.labelColumn));
      }
      return ClassificationConfig.forData(
              d.csv == null ? null : d.csv.toAbsolutePath().toString(),
              d.idColumn,
              d.labelColumn,
              sequences.features(),
              command.rnnConfig(sequences.features().size()),
              classes)
          .withData(d.validationFraction, !d.noNormalize)
          .withOptimizer(command.optimizerConfig())
          .withSchedule(schedule.epochs, schedule.batchSize, schedule.seed, schedule.clipNorm);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(sequences.source())) {
        throw e;
      }
      throw new ParameterException(spec.commandLine(), Failures.oneLine(e), e);
    }
  }

  private static void printHeader(
      PrintWriter out,
      ClassificationConfig config,
      LabelledSequences sequences,
      SequenceClassifier.Data data,
      Backend backend,
      ClassificationCheckpoint checkpoint) {
    int shortest = Integer.MAX_VALUE;
    int longest = 0;
    for (float[][] s : sequences.sequences()) {
      shortest = Math.min(shortest, s.length);
      longest = Math.max(longest, s.length);
    }
    out.println("model: " + config.model());
    out.printf(
        Locale.ROOT,
        "data: %s, %d sequences of %s, %d to %d steps, %d classes (%s)%s: %d "
            + "training, %d validation sequences (drawn with seed %d)%n",
        sequences.source(),
        sequences.size(),
        String.join(", ", config.features()),
        shortest,
        longest,
        data.classes().size(),
        String.join(", ", data.classes()),
        config.normalize() ? ", normalized" : "",
        data.split().train().size(),
        data.split().validation().size(),
        config.seed());
    out.printf(
        Locale.ROOT,
        "optimizer: %s; batch size %d, seed %d, %s%n",
        config.optimizer(),
        config.batchSize(),
        config.seed(),
        config.clipNorm() > 0
            ? "gradient norm clipped at " + config.clipNorm()
            : "no gradient clipping");
    out.println("device: " + backend.description());
    if (checkpoint != null) {
      ClassificationStats last = checkpoint.history().get(checkpoint.history().size() - 1);
      out.printf(
          Locale.ROOT,
          "resuming after epoch %d (val accuracy %.3f), up to epoch %d%n",
          checkpoint.epoch(),
          last.validationAccuracy(),
          config.epochs());
    }
    out.flush();
  }

  static String epochLine(ClassificationStats s, int epochs) {
    int width = Integer.toString(epochs).length();
    return String.format(
        Locale.ROOT,
        "epoch %"
            + width
            + "d/%d  train loss %s  val loss %s  "
            + "val accuracy %.3f  val macro-F1 %.3f",
        s.epoch(),
        epochs,
        TrainCommand.loss(s.trainLoss()),
        TrainCommand.loss(s.validationLoss()),
        s.validationAccuracy(),
        s.validationMacroF1());
  }

  private static void printSummary(
      PrintWriter out,
      SequenceClassifier.Result result,
      SequenceClassifier.Data data,
      Path checkpoint,
      String bestFile,
      String charts) {
    List<ClassificationStats> history = result.history();
    ClassificationStats best =
        history.stream()
            .max(Comparator.comparingDouble(ClassificationStats::validationAccuracy))
            .get();
    ClassificationStats last = history.get(history.size() - 1);
    // The majority-class baseline: always predicting the most frequent class of the training part.
    long[] trainLabels = data.split().train().labels();
    long[] counts = new long[data.classes().size()];
    for (long label : trainLabels) {
      counts[(int) label]++;
    }
    int majority = 0;
    for (int c = 1; c < counts.length; c++) {
      majority = counts[c] > counts[majority] ? c : majority;
    }
    long[] validation = data.split().validation().labels();
    long[] constant = new long[validation.length];
    java.util.Arrays.fill(constant, majority);
    out.printf(
        Locale.ROOT,
        "validation accuracy: best %.3f (epoch %d), final %.3f, final macro-F1 "
            + "%.3f; majority class (%s) %.3f%n",
        best.validationAccuracy(),
        best.epoch(),
        last.validationAccuracy(),
        last.validationMacroF1(),
        data.classes().get(majority),
        Metrics.accuracyScore(validation, constant));
    out.printf("wrote %s (epoch %d), %s, %s%n", checkpoint, last.epoch(), bestFile, charts);
    out.flush();
  }

  private static void drawLoss(Path png, List<ClassificationStats> history)
      throws Plots.UnavailableException {
    double[] epochs = history.stream().mapToDouble(ClassificationStats::epoch).toArray();
    TrainingFiles.drawPng(
        png,
        () ->
            Plots.lines(
                png,
                "Loss per epoch",
                "epoch",
                "cross-entropy",
                List.of(
                    new Plots.Line(
                        "training loss",
                        epochs,
                        history.stream().mapToDouble(ClassificationStats::trainLoss).toArray()),
                    new Plots.Line(
                        "validation loss",
                        epochs,
                        history.stream()
                            .mapToDouble(ClassificationStats::validationLoss)
                            .toArray()))));
  }
}
