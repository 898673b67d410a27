package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.AtomicFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.ClassificationConfig;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.LabelledSequences;
import dev.rnn4j.train.MemoryEstimate;
import dev.rnn4j.train.SequenceClassifier;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j predict}: a trained checkpoint's forecasts for every window of a series, the window
 * that ends with the series' last row included, whose forecast lies wholly beyond the end.
 *
 * <p>The checkpoint's window, horizon, columns, normalization statistics and anchoring apply, so
 * the numbers are those {@link Forecaster} computes in training.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header =
        "Forecasts every window of a time series, or classifies every sequence of a CSV, with a "
            + "checkpoint of train.",
    customSynopsis = {
      "rnn4j predict --checkpoint=CKPT [--csv=FILE] [--output=OUT.csv]",
      "                     [--device=DEVICE] [-hV]"
    },
    description = {
      "Reads the checkpoint's columns from FILE (default: the CSV the checkpoint was trained on, or the "
          + "shipped CO2 series) and forecasts the next H rows (H: the checkpoint's horizon) from every "
          + "window of W consecutive rows (W: its window), normalized and anchored as in training.",
      "",
      "Writes CSV with the header row,h1,...,hH: one line per window, where row is the index (from 0) of "
          + "the first row forecast and h1..hH are in the series' units. The last line, row = the number of "
          + "rows, forecasts beyond the end of the series from its last W rows; the H - 1 lines before it "
          + "forecast partly beyond the end.",
      "",
      "With a checkpoint of train --task classification: reads the checkpoint's id and feature columns "
          + "from FILE (default: its own CSV, or the shipped digits) and writes CSV with the header "
          + "id,label: one line per sequence, in order of first appearance, with its predicted label.",
      "",
      "On any error: one line on stderr, exit code 1, and the output file is left as it was."
    })
final class PredictCommand implements Runnable {
  @Spec private CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "CKPT",
      description =
          "A checkpoint that train wrote: checkpoint.safetensors (the last epoch) or "
              + "best.safetensors (the epoch of lowest validation loss).")
  private Path checkpoint;

  @Option(
      names = "--csv",
      paramLabel = "FILE",
      description = "The series, with the checkpoint's columns (default: the checkpoint's own).")
  private Path csv;

  @Option(
      names = "--output",
      paramLabel = "OUT.csv",
      description = "Receives the forecasts, replaced atomically (default: standard output).")
  private Path output;

  @Mixin private DeviceOption device;

  @Override
  public void run() {
    if (output != null) {
      OutputPaths.checkFile("--output", output);
    }
    if (TrainingFiles.isClassification("--checkpoint", checkpoint)) {
      write(predictClasses());
      return;
    }
    Checkpoint ckpt = TrainingFiles.readCheckpoint("--checkpoint", checkpoint);
    TrainingConfig config = ckpt.config();
    DataConfig data = config.data();
    Backend backend = device.select();
    TimeSeries series =
        TrainingFiles.readSeries(
            data,
            csv == null ? null : csv.toString(),
            csv == null ? "the checkpoint's CSV" : "--csv");
    if (series.length() < data.window()) {
      throw new IllegalArgumentException(
          String.format(
              "%s has %d rows, too few for one window of the " + "checkpoint: %d rows needed",
              series.source(), series.length(), data.window()));
    }
    WindowDataset windows =
        WindowDataset.builder(padded(series, data.horizon()), data.window(), data.horizon())
            .build()
            .normalized(ckpt.normalization());
    MemoryEstimate.inference(
            config.model(),
            DType.FLOAT32,
            config.batchSize(),
            data.window(),
            windows.size(),
            backend.device())
        .checkFits(backend, PredictCommand::advice);
    Tensor forecast;
    try (SequenceModel model = SequenceModel.fromStateDict(config.model(), ckpt.weights())) {
      model.to(backend);
      forecast = new Forecaster(model, data.anchored()).forecast(windows, config.batchSize());
    }
    write(toCsv(windows, forecast));
  }

  /**
   * A classification checkpoint's predicted label for every sequence of the CSV (the checkpoint's
   * id and feature columns; a label column is not needed), as CSV text {@code id,label}.
   */
  private String predictClasses() {
    ClassificationCheckpoint ckpt =
        TrainingFiles.readClassificationCheckpoint("--checkpoint", checkpoint);
    ClassificationConfig config = ckpt.config();
    LabelledSequences sequences;
    if (csv != null) {
      sequences =
          ClassificationTraining.readCsv(csv, config.idColumn(), null, config.features(), "--csv");
    } else if (config.csv() != null) {
      sequences =
          ClassificationTraining.readCsv(
              Path.of(config.csv()),
              config.idColumn(),
              null,
              config.features(),
              "the checkpoint's CSV");
    } else {
      sequences = LabelledSequences.defaultDataset();
    }
    Backend backend = device.select();
    int longest = sequences.sequences().stream().mapToInt(q -> q.length).max().orElse(1);
    MemoryEstimate.inference(
            config.model(),
            DType.FLOAT32,
            config.batchSize(),
            longest,
            sequences.sequences().size(),
            backend.device())
        .checkFits(backend, PredictCommand::advice);
    long[] predicted;
    try (SequenceModel model = SequenceModel.fromStateDict(config.model(), ckpt.weights())) {
      model.to(backend);
      predicted =
          SequenceClassifier.predict(
              model, sequences.sequences(), ckpt.normalization(), config.batchSize());
    }
    StringBuilder text =
        new StringBuilder(config.idColumn()).append(',').append(config.labelColumn()).append('\n');
    for (int i = 0; i < predicted.length; i++) {
      text.append(csvCell(sequences.ids().get(i)))
          .append(',')
          .append(csvCell(ckpt.classes().get((int) predicted[i])))
          .append('\n');
    }
    return text.toString();
  }

  /** What may shrink a prediction's memory: the data; the checkpoint fixes everything else. */
  static String advice(MemoryEstimate.Part part) {
    return part == MemoryEstimate.Part.DATA
        ? "give a shorter --csv"
        : "the checkpoint fixes the model's sizes and batch size";
  }

  /** A cell as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
  private static String csvCell(String value) {
    boolean plain =
        value.chars().noneMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r');
    return plain ? value : '"' + value.replace("\"", "\"\"") + '"';
  }

  /**
   * The series followed by {@code horizon} copies of its last row, so that every window of the
   * series, the last one included, is a sample of a {@link WindowDataset}. The copies are only ever
   * read as targets, which a forecast does not use: {@link Forecaster#forecast} reads a sample's
   * input rows alone.
   */
  private static TimeSeries padded(TimeSeries series, int horizon) {
    int t = series.length();
    int f = series.numColumns();
    double[][] rows = new double[t + horizon][f];
    for (int r = 0; r < rows.length; r++) {
      for (int j = 0; j < f; j++) {
        rows[r][j] = series.get(Math.min(r, t - 1), j);
      }
    }
    return TimeSeries.of(series.columns(), rows);
  }

  /**
   * The CSV text. Written by hand: the cells are numbers and fixed names that never need quoting,
   * and commons-csv stays with dev.rnn4j.train (DependencyRulesTest). Float32 digits: the model
   * computes in float32, so further digits would be noise.
   */
  private static String toCsv(WindowDataset windows, Tensor forecast) {
    int per = windows.targetSize();
    StringBuilder text = new StringBuilder("row");
    for (int h = 1; h <= per; h++) {
      text.append(",h").append(h);
    }
    text.append('\n');
    for (int i = 0; i < windows.size(); i++) {
      text.append(windows.start(i) + windows.window());
      for (int h = 0; h < per; h++) {
        text.append(',').append(Float.toString((float) forecast.getFlat(i * per + h)));
      }
      text.append('\n');
    }
    return text.toString();
  }

  private void write(String text) {
    if (output == null) {
      spec.commandLine().getOut().print(text);
      StandardOutput.check(spec.commandLine());
      return;
    }
    try {
      AtomicFiles.writeString(output, text);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--output", output, e), e);
    }
  }
}
