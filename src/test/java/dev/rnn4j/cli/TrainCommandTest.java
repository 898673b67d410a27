package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code rnn4j train} end to end, on small models so that the class runs in seconds. */
@Tag("integration")
@Tag("cli")
class TrainCommandTest {
  /** A small model on the shipped series: an epoch takes a fraction of a second. */
  static final List<String> SMALL =
      List.of("--hidden-size", "8", "--num-layers", "1", "--device", "cpu");

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final Pattern EPOCH_LINE =
      Pattern.compile(
          "epoch +\\d+/\\d+  train loss \\d+\\.\\d{6}  val loss \\d+\\.\\d{6}  val RMSE \\d+\\.\\d{3} "
              + "\\(naive \\d+\\.\\d{3}\\)  MAE \\d+\\.\\d{3}  MAPE \\d+\\.\\d{3}%");
  private static final Pattern DIVERGED =
      Pattern.compile(
          "rnn4j train: the training loss became \\S+ at epoch (\\d+), step (\\d+) of \\d+; .*");

  @TempDir Path tmp;

  static CliRun train(Path out, String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--out", out.toString()));
    args.addAll(SMALL);
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<String> epochLines(CliRun run) {
    return run.out().lines().filter(l -> l.startsWith("epoch ")).toList();
  }

  @Test
  void trainsAndWritesTheCheckpointAndBothCharts() throws IOException {
    Path out = tmp.resolve("new").resolve("run"); // created, parents included
    CliRun run = train(out, "--epochs", "2");

    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.err(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals(
        "model: SequenceModel(rnn=LSTM(1, 8, batch_first=True), head=Linear(in_features=8, "
            + "out_features=6, bias=True), many_to_one=True)",
        lines.get(0),
        run.describe());
    assertTrue(
        lines
            .get(1)
            .startsWith(
                "data: co2-mauna-loa-monthly.csv, 821 rows of co2_ppm; window 24, " + "horizon 6"),
        run.describe());
    assertTrue(lines.get(3).startsWith("device: cpu"), run.describe());
    List<String> epochs = epochLines(run);
    assertEquals(2, epochs.size(), run.describe());
    assertTrue(epochs.get(0).startsWith("epoch 1/2  "), run.describe());
    assertTrue(epochs.get(1).startsWith("epoch 2/2  "), run.describe());
    epochs.forEach(l -> assertTrue(EPOCH_LINE.matcher(l).matches(), l));
    assertTrue(lines.get(lines.size() - 2).startsWith("validation RMSE: best "), run.describe());
    assertTrue(
        lines.get(lines.size() - 1).startsWith("wrote " + out.resolve("checkpoint.safetensors")),
        run.describe());

    Checkpoint ckpt = Checkpoint.read(out.resolve("checkpoint.safetensors"));
    assertEquals(2, ckpt.epoch());
    assertEquals(2, ckpt.history().size());
    assertEquals(8, ckpt.config().model().rnn().hiddenSize());
    for (String png : List.of("loss.png", "forecast.png")) {
      byte[] bytes = Files.readAllBytes(out.resolve(png));
      assertTrue(bytes.length > 1000, png + " has " + bytes.length + " bytes");
      assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, PNG_MAGIC.length), png);
    }
    try (var files = Files.list(out)) {
      assertEquals(
          List.of(
              ".lock", "best.safetensors", "checkpoint.safetensors", "forecast.png", "loss.png"),
          files.map(f -> f.getFileName().toString()).sorted().toList(),
          "a temporary file was left behind in " + out);
    }
  }

  @Test
  void aResumedRunEndsBitForBitWhereTheUninterruptedRunEnds() throws IOException {
    Path interrupted = tmp.resolve("interrupted");
    Path whole = tmp.resolve("whole");
    assertEquals(0, train(interrupted, "--epochs", "2").exitCode());
    Path ckpt = interrupted.resolve("checkpoint.safetensors");
    // No --out: the checkpoint's own folder.
    CliRun resumed =
        CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "4", "--device", "cpu");
    assertEquals(0, train(whole, "--epochs", "4").exitCode());

    assertEquals(0, resumed.exitCode(), resumed.describe());
    assertTrue(resumed.out().contains("resuming after epoch 2 ("), resumed.describe());
    List<String> epochs = epochLines(resumed);
    assertEquals(2, epochs.size(), resumed.describe());
    assertTrue(epochs.get(0).startsWith("epoch 3/4  "), resumed.describe());
    Checkpoint a = Checkpoint.read(ckpt);
    Checkpoint b = Checkpoint.read(whole.resolve("checkpoint.safetensors"));
    assertEquals(4, a.epoch());
    assertEquals(b.weights(), a.weights());
    assertEquals(b.optimizerState(), a.optimizerState());
    assertEquals(b.history(), a.history());
  }

  @Test
  void resumingAFinishedRunWithoutMoreEpochsSaysSo() {
    Path out = tmp.resolve("done");
    assertEquals(0, train(out, "--epochs", "1").exitCode());
    CliRun run =
        CliRun.of(
            "train",
            "--resume",
            out.resolve("checkpoint.safetensors").toString(),
            "--device",
            "cpu");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(run.err().contains("already completed 1 epochs"), run.describe());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--hidden-size=16", "--lr=0.1", "--columns=x", "--no-anchor", "--seed=1"})
  void resumeWithAnotherSettingIsAUsageError(String option) {
    CliRun run =
        CliRun.of("train", "--resume", tmp.resolve("absent.safetensors").toString(), option);
    assertEquals(2, run.exitCode(), run.describe());
    assertEquals("", run.out(), run.describe());
    String name = option.split("=")[0];
    assertTrue(
        run.errLines().get(0).startsWith(name + " cannot be given with --resume"), run.describe());
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    for (List<String> args :
        List.of(
            List.of("--mode", "lstm2"),
            List.of("--optimizer", "rmsprop"),
            List.of("--dropout", "1.5"),
            List.of("--mode", "gru", "--proj-size", "4"),
            List.of("--optimizer", "adam", "--momentum", "0.9"),
            List.of("--window", "0"))) {
      List<String> all =
          new ArrayList<>(List.of("train", "--out", tmp.resolve("unused").toString()));
      all.addAll(args);
      CliRun run = CliRun.of(all.toArray(String[]::new));
      assertEquals(2, run.exitCode(), args + ": " + run.describe());
      assertEquals("", run.out(), args + ": " + run.describe());
    }
    assertFalse(Files.exists(tmp.resolve("unused")));
  }

  @Test
  void aCorruptCheckpointFailsWithOneLineAboutItsChecksum() throws IOException {
    Path out = tmp.resolve("corrupt");
    assertEquals(0, train(out, "--epochs", "1").exitCode());
    Path ckpt = out.resolve("checkpoint.safetensors");
    flipLastByte(ckpt);

    CliRun run =
        CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "2", "--device", "cpu");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(
        run.err()
            .startsWith(
                "rnn4j train: not a readable checkpoint: "
                    + ckpt
                    + ": tensor data checksum mismatch (stored "),
        run.describe());
  }

  /**
   * The last byte of a safetensors file is in its data section: the last value of the last tensor.
   */
  static void flipLastByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 0x01;
    Files.write(file, bytes);
  }

  @Test
  void aMissingCheckpointFailsWithOneLine() {
    Path absent = tmp.resolve("absent.safetensors");
    CliRun run = CliRun.of("train", "--resume", absent.toString(), "--device", "cpu");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(
        List.of("rnn4j train: --resume " + absent + ": no such file or directory"), run.errLines());
  }

  @Test
  void badCsvFilesFailWithOneLine() throws IOException {
    Path good = tmp.resolve("good.csv");
    Path text = tmp.resolve("text.csv");
    Path shortCsv = tmp.resolve("short.csv");
    Files.writeString(good, csv(60));
    Files.writeString(text, csv(60).replace("\n7," + (107 + Math.sin(7)) + "\n", "\n7,n/a\n"));
    Files.writeString(shortCsv, csv(20));
    Path out = tmp.resolve("csv-run");

    assertOneLineFailure(
        train(out, "--csv", good.toString(), "--columns", "co2"),
        "rnn4j train: " + good + " has no column \"co2\"; its columns are: t, value");
    assertOneLineFailure(
        train(out, "--csv", text.toString(), "--columns", "value"),
        "rnn4j train: " + text + " line 9, column \"value\": expected a number, got \"n/a\"");
    assertOneLineFailure(
        train(out, "--csv", shortCsv.toString(), "--columns", "value"),
        "rnn4j train: series of 20 rows is too short for one window: window 24 + horizon 6 = 30 rows needed");
    assertOneLineFailure(
        train(out, "--csv", tmp.resolve("absent.csv").toString(), "--columns", "value"),
        "rnn4j train: --csv " + tmp.resolve("absent.csv") + ": no such file or directory");
    assertFalse(Files.exists(out), "a failed run created its output folder");

    CliRun ok =
        train(
            out,
            "--csv",
            good.toString(),
            "--columns",
            "value",
            "--window",
            "8",
            "--horizon",
            "2",
            "--epochs",
            "1");
    assertEquals(0, ok.exitCode(), ok.describe());
    assertTrue(
        ok.out().contains("data: " + good + ", 60 rows of value; window 8, horizon 2"),
        ok.describe());
  }

  /** A header {@code t,value} and {@code rows} rows of a noisy rising line. */
  static String csv(int rows) {
    StringBuilder sb = new StringBuilder("t,value\n");
    for (int t = 0; t < rows; t++) {
      sb.append(t).append(',').append(100 + t + Math.sin(t)).append('\n');
    }
    return sb.toString();
  }

  private static void assertOneLineFailure(CliRun run, String prefix) {
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    assertTrue(
        run.err().startsWith(prefix),
        "expected a line starting with " + prefix + "\n" + run.describe());
  }

  @Test
  void divergingInTheFirstEpochLeavesAnEarlierCheckpointAsItWas() throws IOException {
    Path out = tmp.resolve("diverge-first");
    assertEquals(0, train(out, "--epochs", "1").exitCode());
    Path ckpt = out.resolve("checkpoint.safetensors");
    byte[] before = Files.readAllBytes(ckpt);

    CliRun run = train(out, "--epochs", "3", "--optimizer", "sgd", "--lr", "1e30", "--force");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    Matcher m = DIVERGED.matcher(run.errLines().get(0));
    assertTrue(m.matches(), run.describe());
    assertEquals("1", m.group(1), run.describe());
    assertArrayEquals(before, Files.readAllBytes(ckpt), "the checkpoint changed");
  }

  /**
   * Plain SGD at learning rate 10 without clipping on this model finishes its first epoch with huge
   * but finite losses and overflows in the second (epoch 2, step 1, today). The checkpoint must
   * then be the last good epoch's, equal to a run that stopped there.
   */
  @Test
  void divergingLaterLeavesTheLastGoodEpochsCheckpoint() throws IOException {
    String[] sgd = {"--optimizer", "sgd", "--lr", "10", "--clip-norm", "0"};
    Path out = tmp.resolve("diverge-later");
    CliRun run = train(out, concat(sgd, "--epochs", "4"));
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(1, run.errLines().size(), run.describe());
    Matcher m = DIVERGED.matcher(run.errLines().get(0));
    assertTrue(m.matches(), run.describe());
    int epoch = Integer.parseInt(m.group(1));
    assertTrue(
        epoch >= 2,
        "this setting is meant to diverge after a first good epoch:\n" + run.describe());
    assertEquals(epoch - 1, epochLines(run).size(), run.describe());

    Path reference = tmp.resolve("stopped-before");
    assertEquals(
        0, train(reference, concat(sgd, "--epochs", Integer.toString(epoch - 1))).exitCode());
    Checkpoint left = Checkpoint.read(out.resolve("checkpoint.safetensors"));
    Checkpoint expected = Checkpoint.read(reference.resolve("checkpoint.safetensors"));
    assertEquals(epoch - 1, left.epoch());
    assertEquals(expected.weights(), left.weights());
    assertFalse(Files.exists(out.resolve("loss.png")), "charts were drawn for a failed run");
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void helpDescribesTheOptions() {
    CliRun run = CliRun.of("train", "--help");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(run.out().contains("Usage: rnn4j train"), run.describe());
    for (String option :
        List.of(
            "--mode",
            "--hidden-size",
            "--csv",
            "--columns",
            "--optimizer",
            "--lr",
            "--epochs",
            "--clip-norm",
            "--out",
            "--force",
            "--resume",
            "--device")) {
      assertTrue(run.out().contains(option), option + "\n" + run.describe());
    }
  }
}
