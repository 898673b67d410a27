package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.Forecaster;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j predict} on a checkpoint of a short {@code train} run. */
@Tag("integration")
@Tag("cli")
class PredictCommandTest {
  private static final String HEADER = "row,h1,h2,h3,h4,h5,h6";

  @TempDir static Path shared;

  @TempDir Path tmp;

  private static Path checkpoint;

  @BeforeAll
  static void train() {
    Path out = shared.resolve("run");
    CliRun run = TrainCommandTest.train(out, "--epochs", "2");
    assertEquals(0, run.exitCode(), run.describe());
    checkpoint = out.resolve("checkpoint.safetensors");
  }

  private static CliRun predict(String... extra) {
    String[] args = {"predict", "--checkpoint", checkpoint.toString(), "--device", "cpu"};
    String[] all = Arrays.copyOf(args, args.length + extra.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    return CliRun.of(all);
  }

  @Test
  void forecastsEveryWindowAndBeyondTheEnd() {
    CliRun run = predict();
    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.err(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals(HEADER, lines.get(0));

    double[] co2 = TimeSeries.defaultDataset().column(TimeSeries.DEFAULT_COLUMN);
    double min = Arrays.stream(co2).min().getAsDouble();
    double max = Arrays.stream(co2).max().getAsDouble();
    double margin = 0.05 * (max - min);
    // Windows start at rows 0 .. T - 24; the last one, row T, forecasts beyond the end.
    assertEquals(co2.length - 24 + 1, lines.size() - 1, "lines after the header");
    for (int i = 1; i < lines.size(); i++) {
      String[] cells = lines.get(i).split(",");
      assertEquals(7, cells.length, lines.get(i));
      assertEquals(24 + i - 1, Integer.parseInt(cells[0]), lines.get(i));
      for (int h = 1; h <= 6; h++) {
        double v = Double.parseDouble(cells[h]);
        assertTrue(
            Double.isFinite(v) && v > min - margin && v < max + margin,
            "line "
                + i
                + ": "
                + lines.get(i)
                + " is outside the series' range ["
                + min
                + ", "
                + max
                + "]");
      }
    }
    assertEquals(Integer.toString(co2.length), lines.get(lines.size() - 1).split(",")[0]);
  }

  /** The forecasts are those the trainer's own forecaster makes of the validation samples. */
  @Test
  void matchesTheForecasterOnTheValidationWindows() throws IOException {
    List<String> lines = predict().out().lines().toList();
    Checkpoint ckpt = Checkpoint.read(checkpoint);
    TrainingConfig config = ckpt.config();
    WindowDataset validation = config.data().split(config.data().readSeries()).validation();
    Tensor expected;
    try (SequenceModel model = SequenceModel.fromStateDict(config.model(), ckpt.weights())) {
      expected = new Forecaster(model, config.data().anchored()).forecast(validation, 7);
    }
    for (int i = 0; i < validation.size(); i++) {
      int row = validation.start(i) + validation.window();
      String[] cells = lines.get(row - validation.window() + 1).split(",");
      assertEquals(row, Integer.parseInt(cells[0]));
      for (int h = 0; h < 6; h++) {
        assertEquals(
            expected.getFlat(i * 6 + h),
            Double.parseDouble(cells[h + 1]),
            1e-3,
            "row " + row + ", h" + (h + 1));
      }
    }
  }

  @Test
  void writesTheOutputFileAndReadsAnotherCsv() throws IOException {
    Path csv = tmp.resolve("series.csv");
    StringBuilder sb = new StringBuilder("month,co2_ppm\n");
    for (int t = 0; t < 40; t++) {
      sb.append(t).append(',').append(400 + 0.2 * t + 3 * Math.sin(t * Math.PI / 6)).append('\n');
    }
    Files.writeString(csv, sb);
    Path output = tmp.resolve("forecast.csv");

    CliRun run = predict("--csv", csv.toString(), "--output", output.toString());
    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    List<String> lines = Files.readAllLines(output);
    assertEquals(HEADER, lines.get(0));
    assertEquals(40 - 24 + 1, lines.size() - 1);
    assertTrue(lines.get(lines.size() - 1).startsWith("40,"), lines.get(lines.size() - 1));
  }

  @Test
  void badInputFailsWithOneLine() throws IOException {
    Path shortCsv = tmp.resolve("short.csv");
    Files.writeString(shortCsv, "co2_ppm\n400\n401\n402\n");
    Path other = tmp.resolve("other.csv");
    Files.writeString(other, "ppm\n400\n");
    Path corrupt = tmp.resolve("corrupt.safetensors");
    Files.copy(checkpoint, corrupt);
    TrainCommandTest.flipLastByte(corrupt);

    assertOneLine(
        predict("--csv", shortCsv.toString()),
        "rnn4j predict: "
            + shortCsv
            + " has 3 rows, too few for one window of the checkpoint: 24 rows needed");
    assertOneLine(
        predict("--csv", other.toString()),
        "rnn4j predict: " + other + " has no column \"co2_ppm\"; its columns are: ppm");
    assertOneLine(
        CliRun.of("predict", "--checkpoint", corrupt.toString(), "--device", "cpu"),
        "rnn4j predict: not a readable checkpoint: "
            + corrupt
            + ": tensor data checksum mismatch (stored ");
    Path output = tmp.resolve("absent-dir").resolve("out.csv");
    assertOneLine(
        predict("--output", output.toString()),
        "rnn4j predict: --output " + output + ": no such directory: " + output.getParent());
  }

  private static void assertOneLine(CliRun run, String prefix) {
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(
        run.err().startsWith(prefix),
        "expected a line starting with " + prefix + "\n" + run.describe());
  }
}
