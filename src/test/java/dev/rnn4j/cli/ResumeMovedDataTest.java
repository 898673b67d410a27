package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.Checksums;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.ClassificationCheckpoint;
import dev.rnn4j.train.LabelledSequences;
import dev.rnn4j.train.LegacyCheckpoints;
import dev.rnn4j.train.TimeSeries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --resume CKPT --csv FILE}: a run whose data moved resumes when the file's content
 * has the checksum the checkpoint recorded, and says so when it has not.
 */
@Tag("integration")
@Tag("cli")
class ResumeMovedDataTest {
  private static final List<String> DATA =
      List.of("--columns", "value", "--window", "8", "--horizon", "2");

  @TempDir Path tmp;

  @Test
  void movedCsvResumesWhenItsChecksumMatchesAndEndsAsTheUninterruptedRun() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data")).resolve("series.csv");
    Files.writeString(data, TrainCommandTest.csv(60));
    String sha = Checksums.sha256(data);
    Path run = tmp.resolve("run");
    ok(train(run, "--csv", data.toString(), "--epochs", "1"));
    Path ckpt = run.resolve(TrainCommand.CHECKPOINT);
    assertEquals(sha, Checkpoint.read(ckpt).config().data().csvSha256());

    Path moved = Files.move(tmp.resolve("data"), tmp.resolve("moved")).resolve("series.csv");
    CliRun lost = resume(ckpt, "--epochs", "2");
    assertEquals(
        List.of(
            "rnn4j train: the checkpoint's CSV "
                + data.toAbsolutePath()
                + ": no such file or "
                + "directory; if it moved, pass --csv FILE with --resume (its content must have "
                + "the checksum "
                + sha.substring(0, 12)
                + "...)"),
        lost.errLines(),
        lost.describe());
    assertEquals(1, lost.exitCode(), lost.describe());

    Path other = tmp.resolve("other.csv");
    Files.writeString(other, TrainCommandTest.csv(61));
    CliRun wrong = resume(ckpt, "--epochs", "2", "--csv", other.toString());
    assertEquals(1, wrong.exitCode(), wrong.describe());
    assertEquals(
        List.of(
            "rnn4j train: --csv "
                + other
                + ": content checksum "
                + Checksums.sha256(other).substring(0, 12)
                + "... does not match the checkpoint's "
                + "data (expected "
                + sha.substring(0, 12)
                + "..., the checksum of "
                + data.toAbsolutePath()
                + " when the run began)"),
        wrong.errLines(),
        wrong.describe());

    ok(resume(ckpt, "--epochs", "2", "--csv", moved.toString()));
    Checkpoint resumed = Checkpoint.read(ckpt);
    assertEquals(2, resumed.epoch());
    assertEquals(moved.toAbsolutePath().toString(), resumed.config().data().csv());
    assertEquals(sha, resumed.config().data().csvSha256());

    // The stored path is now the new one: resuming again needs no --csv.
    ok(resume(ckpt, "--epochs", "3"));
    Checkpoint third = Checkpoint.read(ckpt);
    assertEquals(3, third.epoch());

    Path whole = tmp.resolve("whole");
    ok(train(whole, "--csv", moved.toString(), "--epochs", "3"));
    Checkpoint uninterrupted = Checkpoint.read(whole.resolve(TrainCommand.CHECKPOINT));
    for (String name : uninterrupted.weights().names()) {
      assertArrayEquals(
          uninterrupted.weights().get(name).toFloatArray(),
          third.weights().get(name).toFloatArray(),
          name);
    }
  }

  @Test
  void theShippedSeriesHasAChecksumTooAndACopyOfItStandsIn() throws IOException {
    Path run = tmp.resolve("run");
    CliRun first = TrainCommandTest.train(run, "--epochs", "1", "--window", "8", "--horizon", "2");
    ok(first);
    Path ckpt = run.resolve(TrainCommand.CHECKPOINT);
    Path copy = tmp.resolve("co2.csv");
    try (InputStream in = TimeSeries.class.getResourceAsStream(TimeSeries.DEFAULT_RESOURCE)) {
      Files.copy(in, copy);
    }
    assertEquals(Checksums.sha256(copy), Checkpoint.read(ckpt).config().data().csvSha256());
    ok(resume(ckpt, "--epochs", "2", "--csv", copy.toString()));
    assertEquals(copy.toAbsolutePath().toString(), Checkpoint.read(ckpt).config().data().csv());
  }

  @Test
  void aCheckpointWithoutChecksumResumesAsBeforeAndRefusesCsv() throws IOException {
    Path data = tmp.resolve("series.csv");
    Files.writeString(data, TrainCommandTest.csv(60));
    Path run = tmp.resolve("run");
    ok(train(run, "--csv", data.toString(), "--epochs", "1"));
    Path legacy = Files.createDirectories(tmp.resolve("legacy")).resolve("checkpoint.safetensors");
    LegacyCheckpoints.write(run.resolve(TrainCommand.CHECKPOINT), legacy);
    assertNull(Checkpoint.read(legacy).config().data().csvSha256());

    CliRun refused = resume(legacy, "--epochs", "2", "--csv", data.toString());
    assertEquals(1, refused.exitCode(), refused.describe());
    assertEquals(
        List.of(
            "rnn4j train: --csv "
                + data
                + ": the checkpoint records no checksum of its data (an "
                + "earlier rnn4j wrote it), so no other file can stand in for "
                + data.toAbsolutePath()
                + "; resume without --csv"),
        refused.errLines());

    ok(resume(legacy, "--epochs", "2"));
    assertEquals(2, Checkpoint.read(legacy).epoch());
  }

  @Test
  void classificationRunsResumeFromAMovedCsvToo() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data")).resolve("tiny.csv");
    StringBuilder csv = new StringBuilder("seq,value,kind\n");
    for (int t = 0; t < 4; t++) {
      for (int i = 0; i < 8; i++) {
        csv.append('s')
            .append(i)
            .append(',')
            .append((i % 2 == 0 ? 1 : -1) * t * 0.5 + i * 0.01)
            .append(',')
            .append(i % 2 == 0 ? "up" : "down")
            .append('\n');
      }
    }
    Files.writeString(data, csv.toString());
    Path run = tmp.resolve("run");
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--task",
                "classification",
                "--out",
                run.toString(),
                "--csv",
                data.toString(),
                "--id-column",
                "seq",
                "--label-column",
                "kind",
                "--hidden-size",
                "4",
                "--num-layers",
                "1",
                "--batch-size",
                "4",
                "--validation-fraction",
                "0.25",
                "--device",
                "cpu",
                "--epochs",
                "1"));
    ok(CliRun.of(args.toArray(String[]::new)));
    Path ckpt = run.resolve(TrainCommand.CHECKPOINT);
    String sha = Checksums.sha256(data);
    assertEquals(sha, ClassificationCheckpoint.read(ckpt).config().csvSha256());

    Path moved = Files.move(tmp.resolve("data"), tmp.resolve("moved")).resolve("tiny.csv");
    Path other = tmp.resolve("other.csv");
    Files.writeString(other, csv.toString().replace("up", "UP"));
    CliRun wrong = resume(ckpt, "--epochs", "2", "--csv", other.toString());
    assertEquals(1, wrong.exitCode(), wrong.describe());
    assertTrue(
        wrong.err().startsWith("rnn4j train: --csv " + other + ": content checksum "),
        wrong.describe());
    assertEquals(1, wrong.errLines().size(), wrong.describe());

    ok(resume(ckpt, "--epochs", "2", "--csv", moved.toString()));
    ClassificationCheckpoint resumed = ClassificationCheckpoint.read(ckpt);
    assertEquals(2, resumed.epoch());
    assertEquals(moved.toAbsolutePath().toString(), resumed.config().csv());
  }

  @Test
  void theShippedDigitsHaveAChecksum() throws IOException {
    Path copy = tmp.resolve("digits-rows.csv");
    try (InputStream in =
        LabelledSequences.class.getResourceAsStream(LabelledSequences.DEFAULT_RESOURCE)) {
      Files.copy(in, copy);
    }
    dev.rnn4j.train.ClassificationConfig shipped =
        dev.rnn4j.train.ClassificationConfig.forData(
            null,
            "id",
            "label",
            List.of("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"),
            dev.rnn4j.nn.RnnConfig.lstm(8, 4).batchFirst(true).build(),
            2);
    assertEquals(Checksums.sha256(copy), shipped.contentSha256());
  }

  private static CliRun train(Path out, String... extra) {
    List<String> all = new ArrayList<>(List.of(extra));
    all.addAll(DATA);
    return TrainCommandTest.train(out, all.toArray(String[]::new));
  }

  private static CliRun resume(Path ckpt, String... extra) {
    List<String> args =
        new ArrayList<>(List.of("train", "--resume", ckpt.toString(), "--device", "cpu"));
    args.addAll(List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static void ok(CliRun run) {
    assertEquals(0, run.exitCode(), run.describe());
  }
}
