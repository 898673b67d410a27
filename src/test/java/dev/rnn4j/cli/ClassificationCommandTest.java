package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.ClassificationStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j train --task classification} and {@code predict} on its checkpoint, end to end. */
@Tag("integration")
@Tag("cli")
class ClassificationCommandTest {
  @TempDir Path tmp;

  /** 12 sequences of 2 features: "up" ramps and "down" ramps, lengths 3 to 5, ids interleaved. */
  private Path tinyCsv() throws IOException {
    StringBuilder csv = new StringBuilder("seq,feature_a,kind,feature_b\n");
    for (int t = 0; t < 5; t++) {
      for (int i = 0; i < 12; i++) {
        if (t < 3 + i % 3) {
          double v = (i % 2 == 0 ? 1 : -1) * t * 0.5 + i * 0.01;
          csv.append("s")
              .append(i)
              .append(',')
              .append(v)
              .append(',')
              .append(i % 2 == 0 ? "up" : "down")
              .append(',')
              .append(-v)
              .append('\n');
        }
      }
    }
    Path file = tmp.resolve("tiny.csv");
    Files.writeString(file, csv.toString());
    return file;
  }

  private static CliRun train(Path out, Path csv, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--task",
                "classification",
                "--out",
                out.toString(),
                "--csv",
                csv.toString(),
                "--id-column",
                "seq",
                "--label-column",
                "kind",
                "--hidden-size",
                "6",
                "--num-layers",
                "1",
                "--batch-size",
                "4",
                "--lr",
                "0.05",
                "--validation-fraction",
                "0.25",
                "--device",
                "cpu"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void trainsResumesAndPredicts() throws IOException {
    Path csv = tinyCsv();
    Path out = tmp.resolve("run");
    CliRun run = train(out, csv, "--epochs", "3");
    assertEquals(0, run.exitCode(), run.describe());
    assertEquals("", run.err(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertEquals(
        "model: SequenceModel(rnn=LSTM(2, 6, batch_first=True), head=Linear(in_features=6, "
            + "out_features=2, bias=True), many_to_one=True)",
        lines.get(0),
        run.describe());
    assertTrue(
        lines
            .get(1)
            .startsWith(
                "data: "
                    + csv
                    + ", 12 sequences of feature_a, feature_b, 3 to 5 steps, 2 classes (down, up),"
                    + " normalized: 9 training, 3 validation sequences"),
        run.describe());
    List<String> epochs = lines.stream().filter(l -> l.startsWith("epoch ")).toList();
    assertEquals(3, epochs.size(), run.describe());
    assertTrue(
        epochs
            .get(2)
            .matches(
                "epoch 3/3  train loss \\d\\.\\d{6}  val loss \\d\\.\\d{6}  "
                    + "val accuracy \\d\\.\\d{3}  val macro-F1 \\d\\.\\d{3}"),
        epochs.get(2));
    assertTrue(Files.size(out.resolve("confusion.png")) > 1000);
    assertTrue(Files.size(out.resolve("loss.png")) > 1000);

    Path ckptFile = out.resolve("checkpoint.safetensors");
    ClassificationCheckpoint ckpt = ClassificationCheckpoint.read(ckptFile);
    assertEquals(List.of("down", "up"), ckpt.classes());
    assertEquals(List.of("feature_a", "feature_b"), ckpt.config().features());
    assertEquals(3, ckpt.epoch());
    // best.safetensors: the checkpoint of the lowest validation loss, named by the summary.
    ClassificationStats best =
        ckpt.history().stream()
            .min(Comparator.comparingDouble(ClassificationStats::validationLoss))
            .orElseThrow();
    Path bestFile = out.resolve("best.safetensors");
    ClassificationCheckpoint bestCkpt = ClassificationCheckpoint.read(bestFile);
    assertEquals(best.epoch(), bestCkpt.epoch());
    assertEquals(ckpt.history().subList(0, best.epoch()), bestCkpt.history());
    assertTrue(
        run.out()
            .contains(
                ", " + bestFile + " (epoch " + best.epoch() + ", the lowest validation loss), "),
        run.describe());

    // Two epochs, then one more from the checkpoint: the same weights as three in one go.
    Path split = tmp.resolve("split");
    assertEquals(0, train(split, csv, "--epochs", "2").exitCode());
    CliRun resumed =
        CliRun.of(
            "train",
            "--resume",
            split.resolve("checkpoint.safetensors").toString(),
            "--epochs",
            "3",
            "--device",
            "cpu");
    assertEquals(0, resumed.exitCode(), resumed.describe());
    ClassificationCheckpoint end =
        ClassificationCheckpoint.read(split.resolve("checkpoint.safetensors"));
    for (String name : ckpt.weights().names()) {
      assertArrayEquals(
          ckpt.weights().get(name).toFloatArray(), end.weights().get(name).toFloatArray(), name);
    }

    CliRun predicted = CliRun.of("predict", "--checkpoint", ckptFile.toString(), "--device", "cpu");
    assertEquals(0, predicted.exitCode(), predicted.describe());
    List<String> rows = predicted.out().lines().toList();
    assertEquals("seq,kind", rows.get(0));
    assertEquals(13, rows.size(), predicted.out());
    for (int i = 0; i < 12; i++) {
      assertTrue(rows.get(i + 1).matches("s" + i + ",(up|down)"), rows.get(i + 1));
    }
  }

  @Test
  void badCsvInputIsRefusedWithOneLineNamingTheRowAndColumn() throws IOException {
    Path bad = tmp.resolve("bad.csv");
    Files.writeString(bad, "seq,feature_a,kind,feature_b\ns0,1,up,2\ns0,x,up,2\n");
    CliRun run = train(tmp.resolve("a"), bad, "--epochs", "1");
    assertEquals(1, run.exitCode(), run.describe());
    assertEquals(
        List.of(
            "rnn4j train: "
                + bad
                + " line 3, column \"feature_a\": expected a number, got "
                + "\"x\""),
        run.errLines());

    Files.writeString(bad, "seq,feature_a,kind,feature_b\ns0,1,up,2\ns1,1,down,2\ns0,1,down,2\n");
    run = train(tmp.resolve("b"), bad, "--epochs", "1");
    assertEquals(
        List.of(
            "rnn4j train: "
                + bad
                + " line 4, column \"kind\": sequence \"s0\" has label "
                + "\"down\" here but \"up\" on line 2"),
        run.errLines(),
        run.describe());

    Files.writeString(bad, "seq,feature_a,kind\ns0,1,up\n");
    run = train(tmp.resolve("c"), bad, "--epochs", "1");
    assertEquals(1, run.errLines().size(), run.describe());
    assertEquals(
        "rnn4j train: "
            + bad
            + " has 1 class [up] in column \"kind\"; a classifier needs at "
            + "least 2",
        run.errLines().get(0));
  }

  @Test
  void forecastingOptionsDoNotApplyToClassification() {
    CliRun run = CliRun.of("train", "--task", "classification", "--window", "4", "--device", "cpu");
    assertEquals(2, run.exitCode(), run.describe());
    assertEquals("--window does not apply to --task classification", run.errLines().get(0));
    run = CliRun.of("train", "--label-column", "x", "--device", "cpu");
    assertEquals(2, run.exitCode(), run.describe());
    assertEquals("--label-column does not apply to --task forecasting", run.errLines().get(0));
    run =
        CliRun.of(
            "train",
            "--task",
            "classification",
            "--early-stopping-patience",
            "3",
            "--device",
            "cpu");
    assertEquals(2, run.exitCode(), run.describe());
    assertEquals(
        "--early-stopping-patience does not apply to --task classification", run.errLines().get(0));
  }
}
