package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train}'s output folder: a run is replaced only with {@code --force}, one writer at a time,
 * and {@code best.safetensors} beside the last checkpoint, which {@code predict}, {@code export}
 * and {@code --resume} take.
 */
@Tag("integration")
@Tag("cli")
class RunFolderTest {
  /**
   * Adam at 0.01 on the small model: the validation loss is lowest at epoch 3 of 4 today, so the
   * best checkpoint is not the last.
   */
  private static final String[] BEST_BEFORE_LAST = {"--epochs", "4", "--lr", "0.01"};

  @TempDir Path tmp;

  private static String refusal(Path dir, String file) {
    return "rnn4j train: --out "
        + dir
        + " already holds a run ("
        + file
        + "): give --force to"
        + " replace it, or continue it with --resume "
        + dir.resolve("checkpoint.safetensors");
  }

  @Test
  void aSecondRunIntoTheFolderIsRefusedUntilForced() throws IOException {
    Path out = tmp.resolve("run");
    assertEquals(0, TrainCommandTest.train(out, "--epochs", "2").exitCode());
    Path ckpt = out.resolve("checkpoint.safetensors");
    byte[] before = Files.readAllBytes(ckpt);

    CliRun again = TrainCommandTest.train(out, "--epochs", "1");
    assertEquals(2, again.exitCode(), again.describe());
    assertEquals("", again.out(), again.describe());
    assertEquals(List.of(refusal(out, "checkpoint.safetensors")), again.errLines());
    assertArrayEquals(before, Files.readAllBytes(ckpt), "the refused run changed the checkpoint");

    // best.safetensors alone is a run too.
    Path onlyBest = tmp.resolve("only-best");
    Files.createDirectories(onlyBest);
    Files.copy(ckpt, onlyBest.resolve("best.safetensors"));
    CliRun intoBest = TrainCommandTest.train(onlyBest, "--epochs", "1");
    assertEquals(2, intoBest.exitCode(), intoBest.describe());
    assertEquals(List.of(refusal(onlyBest, "best.safetensors")), intoBest.errLines());

    CliRun forced = TrainCommandTest.train(out, "--epochs", "1", "--force");
    assertEquals(0, forced.exitCode(), forced.describe());
    assertEquals(1, Checkpoint.read(ckpt).epoch());
    assertEquals(1, Checkpoint.read(out.resolve("best.safetensors")).epoch());
  }

  @Test
  void resumingTheFoldersOwnCheckpointNeedsNoForce() throws IOException {
    Path out = tmp.resolve("run");
    assertEquals(0, TrainCommandTest.train(out, "--epochs", "1").exitCode());
    Path ckpt = out.resolve("checkpoint.safetensors");
    CliRun resumed =
        CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "2", "--device", "cpu");
    assertEquals(0, resumed.exitCode(), resumed.describe());
    assertEquals(2, Checkpoint.read(ckpt).epoch());

    // Going on from best.safetensors would replace the folder's later checkpoint.
    Path best = out.resolve("best.safetensors");
    CliRun fromBest =
        CliRun.of("train", "--resume", best.toString(), "--epochs", "3", "--device", "cpu");
    assertEquals(2, fromBest.exitCode(), fromBest.describe());
    assertEquals(List.of(refusal(out, "checkpoint.safetensors")), fromBest.errLines());
    assertEquals(2, Checkpoint.read(ckpt).epoch());
  }

  @Test
  void bestIsTheFullCheckpointOfTheLowestValidationLoss() throws IOException {
    Path out = tmp.resolve("run");
    CliRun run = TrainCommandTest.train(out, BEST_BEFORE_LAST);
    assertEquals(0, run.exitCode(), run.describe());
    Checkpoint last = Checkpoint.read(out.resolve("checkpoint.safetensors"));
    int bestEpoch = bestEpoch(last.history());
    assertNotEquals(4, bestEpoch, "this setting is meant to be best before its last epoch");

    Path bestFile = out.resolve("best.safetensors");
    Checkpoint best = Checkpoint.read(bestFile);
    assertEquals(bestEpoch, best.epoch());
    assertEquals(last.history().subList(0, bestEpoch), best.history());
    // Training is deterministic: the best epoch's checkpoint is the one a run that ended there
    // wrote, but for the run's length in its config.
    Path shorter = tmp.resolve("shorter");
    String[] settings = BEST_BEFORE_LAST.clone();
    settings[1] = Integer.toString(bestEpoch);
    assertEquals(0, TrainCommandTest.train(shorter, settings).exitCode());
    Checkpoint reference = Checkpoint.read(shorter.resolve("checkpoint.safetensors"));
    assertEquals(reference.weights(), best.weights());
    assertEquals(reference.optimizerState(), best.optimizerState());
    assertEquals(reference.config().withEpochs(4), best.config());

    String summary = run.out().lines().reduce((a, b) -> b).orElseThrow();
    assertTrue(
        summary.startsWith(
            "wrote "
                + out.resolve("checkpoint.safetensors")
                + " (epoch 4), "
                + bestFile
                + " (epoch "
                + bestEpoch
                + ", the lowest validation loss), "),
        summary);
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(
          List.of(
              ".lock", "best.safetensors", "checkpoint.safetensors", "forecast.png", "loss.png"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }

    // predict and export take it as they take the last checkpoint.
    CliRun fromBest = CliRun.of("predict", "--checkpoint", bestFile.toString(), "--device", "cpu");
    CliRun fromShorter =
        CliRun.of(
            "predict",
            "--checkpoint",
            shorter.resolve("checkpoint.safetensors").toString(),
            "--device",
            "cpu");
    assertEquals(0, fromBest.exitCode(), fromBest.describe());
    assertEquals(fromShorter.out(), fromBest.out());
    Path model = tmp.resolve("model");
    CliRun export =
        CliRun.of("export", "--checkpoint", bestFile.toString(), "--output", model.toString());
    assertEquals(0, export.exitCode(), export.describe());
    try (SequenceModel exported = ModelFiles.read(model)) {
      assertEquals(best.weights(), exported.stateDict());
    }
  }

  @Test
  void aResumedRunKeepsTheBestOfAllItsEpochs() throws IOException {
    Path first = tmp.resolve("first");
    String[] settings = BEST_BEFORE_LAST.clone();
    settings[1] = "3";
    assertEquals(0, TrainCommandTest.train(first, settings).exitCode());
    Path ckpt = first.resolve("checkpoint.safetensors");
    // Into another folder: the best epoch so far comes along.
    Path moved = tmp.resolve("moved");
    CliRun resumed =
        CliRun.of(
            "train",
            "--resume",
            ckpt.toString(),
            "--epochs",
            "4",
            "--out",
            moved.toString(),
            "--device",
            "cpu");
    assertEquals(0, resumed.exitCode(), resumed.describe());
    Checkpoint last = Checkpoint.read(moved.resolve("checkpoint.safetensors"));
    int bestEpoch = bestEpoch(last.history());
    assertNotEquals(4, bestEpoch, "this setting is meant to be best before its last epoch");
    assertEquals(bestEpoch, Checkpoint.read(moved.resolve("best.safetensors")).epoch());
    assertArrayEquals(
        Files.readAllBytes(first.resolve("best.safetensors")),
        Files.readAllBytes(moved.resolve("best.safetensors")));
  }

  @Test
  void aFolderHeldByAnotherTrainIsRefused() throws IOException {
    Path out = tmp.resolve("held");
    long pid = ProcessHandle.current().pid();
    String inUse =
        "rnn4j train: "
            + out
            + " is in use by another rnn4j train (pid "
            + pid
            + "); wait for it or choose another --out";
    try (RunFolder held = RunFolder.open(out, null, false, Double.POSITIVE_INFINITY, 0)) {
      assertEquals(pid + "\n", Files.readString(out.resolve(".lock")));
      for (String force : List.of("--epochs=1", "--force")) {
        CliRun run = TrainCommandTest.train(out, force);
        assertEquals(1, run.exitCode(), run.describe());
        assertEquals(List.of(inUse), run.errLines());
      }
    }
    // Released: the lock file stays, and means nothing.
    assertTrue(Files.exists(out.resolve(".lock")));
    CliRun run = TrainCommandTest.train(out, "--epochs", "1");
    assertEquals(0, run.exitCode(), run.describe());
  }

  private static int bestEpoch(List<EpochStats> history) {
    return history.stream()
        .min(Comparator.comparingDouble(EpochStats::validationLoss))
        .orElseThrow()
        .epoch();
  }
}
