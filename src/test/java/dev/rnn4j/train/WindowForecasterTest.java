package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw windows forecast as the trainer's own forecaster forecasts them, and checkpoints as bytes.
 */
class WindowForecasterTest {
  @TempDir Path tmp;

  private Checkpoint trained(int columns) throws IOException {
    List<String> names = IntStream.range(0, columns).mapToObj(j -> "c" + j).toList();
    TimeSeries series = series(names);
    DataConfig data = new DataConfig(null, names, 10, 3, 1, 0.2, true, true);
    TrainingConfig config =
        TrainingConfig.forData(data, RnnConfig.gru(columns, 6).batchFirst(true).build())
            .withSchedule(2, 16, 3, 1.0);
    Path path = tmp.resolve("c.safetensors");
    Trainer.train(
        config,
        data.split(series),
        null,
        path,
        Backends.cpu(),
        new Trainer.Listener() {
          @Override
          public void onStep(int epoch, int step, int steps, double runningLoss) {}

          @Override
          public void onEpoch(EpochStats stats) {}
        });
    return Checkpoint.read(path);
  }

  @Test
  void rawWindowsGiveForecasterForecastsBitForBit() throws IOException {
    for (int columns : new int[] {1, 2}) {
      Checkpoint ckpt = trained(columns);
      WindowDataset validation =
          ckpt.config().data().split(series(ckpt.config().data().columns())).validation();
      Tensor expected;
      try (SequenceModel model =
          SequenceModel.fromStateDict(ckpt.config().model(), ckpt.weights())) {
        expected = new Forecaster(model, true).forecast(validation, 7);
      }
      int n = validation.size();
      int per = 10 * columns;
      double[] windows = new double[n * per];
      for (int i = 0; i < n; i++) {
        for (int w = 0; w < 10; w++) {
          for (int j = 0; j < columns; j++) {
            windows[i * per + w * columns + j] =
                validation.series().get(validation.start(i) + w, j);
          }
        }
      }
      try (WindowForecaster f = WindowForecaster.of(ckpt, Backends.cpu())) {
        assertArrayEquals(expected.toDoubleArray(), f.forecast(windows, n), 0.0);
      }
    }
  }

  /** 90 rows of a trend with a seasonal wave per column. */
  private static TimeSeries series(List<String> names) {
    double[][] rows = new double[90][names.size()];
    for (int t = 0; t < rows.length; t++) {
      for (int j = 0; j < names.size(); j++) {
        rows[t][j] = 50 + 10 * Math.sin(t / (4.0 + j)) + 0.3 * t;
      }
    }
    return TimeSeries.of(names, rows);
  }

  @Test
  void aWrongNumberOfValuesNamesTheLayout() throws IOException {
    try (WindowForecaster f = WindowForecaster.of(trained(1), Backends.cpu())) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> f.forecast(new double[19], 2));
      assertEquals(
          "windows must hold n * window * F values. Expected 2 * 10 * 1 = 20, got 19",
          e.getMessage());
    }
  }

  @Test
  void aCheckpointSurvivesBytes() throws IOException {
    Checkpoint ckpt = trained(1);
    Checkpoint back = Checkpoint.parse(ckpt.toByteArray(), "memory");
    assertEquals(ckpt.weights(), back.weights());
    assertEquals(ckpt.history(), back.history());
    assertArrayEquals(Files.readAllBytes(tmp.resolve("c.safetensors")), ckpt.toByteArray());
    byte[] corrupt = ckpt.toByteArray();
    corrupt[corrupt.length - 1] ^= 1;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.parse(corrupt, "memory"));
    // A flipped weight byte is the data section's checksum's to find (the metadata's is intact).
    assertTrue(
        e.getMessage().contains("memory: tensor data checksum mismatch (stored "), e.getMessage());
  }
}
