package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Small series and checkpoints for the Spark tests: seconds to train, and random weights are
 * enough.
 */
final class Models {
  private Models() {}

  /** {@code rows} rows of a trend with a seasonal wave per column, columns c0, c1, ... */
  static TimeSeries series(int columns, int rows) {
    List<String> names = IntStream.range(0, columns).mapToObj(j -> "c" + j).toList();
    double[][] values = new double[rows][columns];
    for (int t = 0; t < rows; t++) {
      for (int j = 0; j < columns; j++) {
        values[t][j] = 50 + 10 * Math.sin(t / (4.0 + j)) + 0.3 * t + j;
      }
    }
    return TimeSeries.of(names, values);
  }

  /** A GRU forecaster of {@code columns} columns, window 12, horizon 3, after one epoch; seeded. */
  static TrainingConfig config(int columns, long seed) {
    List<String> names = IntStream.range(0, columns).mapToObj(j -> "c" + j).toList();
    DataConfig data = new DataConfig(null, names, 12, 3, 1, 0.2, true, true);
    return TrainingConfig.forData(data, RnnConfig.gru(columns, 8).batchFirst(true).build())
        .withSchedule(1, 16, seed, 1.0);
  }

  /** Trains {@link #config} on {@link #series} into {@code path} and reads it back. */
  static Checkpoint train(int columns, long seed, Path path) throws IOException {
    TrainingConfig config = config(columns, seed);
    Trainer.train(
        config,
        config.data().split(series(columns, 120)),
        null,
        path,
        Backends.cpu(),
        Trainer.Listener.SILENT);
    return Checkpoint.read(path);
  }

  /**
   * {@code config} trained on {@code series} in this process, float64, on the CPU, into {@code
   * path}: the run a Spark fit is held to.
   */
  static Trainer.Result trainInOneProcess(TrainingConfig config, TimeSeries series, Path path)
      throws IOException {
    return Trainer.train(
        config,
        config.data().split(series),
        null,
        path,
        Backends.cpu(),
        DType.FLOAT64,
        Trainer.local(),
        Trainer.Listener.SILENT);
  }

  /** The two checkpoints hold the same parameters, of the same dtypes, within {@code tolerance}. */
  static void assertWeights(Checkpoint expected, Checkpoint actual, double tolerance) {
    Map<String, Tensor> want = expected.weights().asMap();
    Map<String, Tensor> got = actual.weights().asMap();
    assertEquals(want.keySet(), got.keySet());
    for (String name : want.keySet()) {
      assertEquals(want.get(name).dtype(), got.get(name).dtype(), name);
      assertArrayEquals(
          want.get(name).toDoubleArray(), got.get(name).toDoubleArray(), tolerance, name);
    }
  }

  /**
   * What {@code rnn4j predict} computes with {@code ckpt} for every window of {@code series}:
   * (windows, horizon), flattened.
   */
  static double[] forecastsOfEveryWindow(Checkpoint ckpt, TimeSeries series) {
    int window = ckpt.config().data().window();
    int horizon = ckpt.config().data().horizon();
    // Padded with the last row, as the predict command pads, so the last windows are samples too.
    double[][] rows = new double[series.length() + horizon][series.numColumns()];
    for (int t = 0; t < rows.length; t++) {
      for (int j = 0; j < rows[t].length; j++) {
        rows[t][j] = series.get(Math.min(t, series.length() - 1), j);
      }
    }
    WindowDataset all =
        WindowDataset.builder(TimeSeries.of(series.columns(), rows), window, horizon)
            .build()
            .normalized(ckpt.normalization());
    try (SequenceModel model = SequenceModel.fromStateDict(ckpt.config().model(), ckpt.weights())) {
      Tensor forecast = new Forecaster(model, ckpt.config().data().anchored()).forecast(all, 64);
      return forecast.toDoubleArray();
    }
  }
}
