package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EarlyStoppingConfig;
import dev.rnn4j.train.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j train} with {@code --lr-scheduler} and early stopping, on small models. */
@Tag("integration")
@Tag("cli")
class TrainCommandScheduleTest {
  @TempDir Path tmp;

  private static List<String> epochLines(CliRun run) {
    return run.out().lines().filter(l -> l.startsWith("epoch ")).toList();
  }

  @Test
  void aStepSchedulerSetsTheLearningRateAndIsInTheCheckpoint() throws IOException {
    Path out = tmp.resolve("step");
    CliRun run =
        TrainCommandTest.train(
            out,
            "--epochs",
            "2",
            "--optimizer",
            "sgd",
            "--lr",
            "0.1",
            "--lr-scheduler",
            "step",
            "--step-size",
            "1",
            "--gamma",
            "0.5");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(
        run.out().contains("lr scheduler StepLR(step_size=1, gamma=0.5); batch size 32"),
        run.describe());
    Checkpoint c = Checkpoint.read(out.resolve("checkpoint.safetensors"));
    assertEquals(new SchedulerConfig.Step(1, 0.5), c.config().scheduler());
    assertEquals(List.of(0.025), c.schedulerState().get("_last_lr"));
  }

  @Test
  void eachSchedulerTakesPyTorchsDefaults() throws IOException {
    for (String name : List.of("cosine", "linear", "plateau")) {
      Path out = tmp.resolve(name);
      CliRun run = TrainCommandTest.train(out, "--epochs", "1", "--lr-scheduler", name);
      assertEquals(0, run.exitCode(), run.describe());
      SchedulerConfig expected =
          switch (name) {
            case "cosine" -> SchedulerConfig.cosineAnnealingLr(1); // T_max defaults to --epochs
            case "linear" -> SchedulerConfig.linearLr();
            default -> SchedulerConfig.reduceLrOnPlateau();
          };
      assertEquals(
          expected, Checkpoint.read(out.resolve("checkpoint.safetensors")).config().scheduler());
    }
  }

  @Test
  void earlyStoppingStopsAndTheSummarySaysWhenAndWhichEpochWasBest() throws IOException {
    Path out = tmp.resolve("stop");
    // Nothing improves on the first epoch by more than 10: stops at epoch 1 + 1.
    CliRun run =
        TrainCommandTest.train(
            out,
            "--epochs",
            "6",
            "--early-stopping-patience",
            "1",
            "--min-delta",
            "10",
            "--restore-best-weights");
    assertEquals(0, run.exitCode(), run.describe());
    assertTrue(
        run.out()
            .contains(
                "; early stopping after 1 epochs without improvement by more than 10.0, best"
                    + " weights restored; batch size"),
        run.describe());
    assertEquals(2, epochLines(run).size(), run.describe());
    List<String> lines = run.out().lines().toList();
    String summary = lines.get(lines.size() - 3);
    assertTrue(
        summary.matches(
            "early stopping: stopped at epoch 2, the validation loss not improved by more than"
                + " 10\\.0 for 1 epochs; best epoch [12] \\(val loss \\d+\\.\\d{6}\\), its weights"
                + " restored"),
        run.describe());
    Checkpoint c = Checkpoint.read(out.resolve("checkpoint.safetensors"));
    assertEquals(new EarlyStoppingConfig(1, 10.0, true), c.config().earlyStopping());
    assertEquals(2, c.earlyStopping().stoppedEpoch());
    assertNotNull(c.bestWeights());

    CliRun resumed =
        CliRun.of(
            "train",
            "--resume",
            out.resolve("checkpoint.safetensors").toString(),
            "--epochs",
            "8",
            "--device",
            "cpu");
    assertEquals(1, resumed.exitCode(), resumed.describe());
    assertEquals(
        List.of(
            "rnn4j train: the checkpoint's run stopped early at epoch 2: its validation loss had"
                + " not improved by more than 10.0 for 1 epochs; there is nothing to continue"),
        resumed.errLines());
  }

  @Test
  void accumulatedGradientsAreInTheSummaryAndTheCheckpointAndAResumedRunKeepsThem()
      throws IOException {
    Path interrupted = tmp.resolve("accumulated");
    CliRun first =
        TrainCommandTest.train(
            interrupted, "--epochs", "1", "--batch-size", "16", "--accumulate-grad-batches", "2");
    assertEquals(0, first.exitCode(), first.describe());
    assertTrue(
        first.out().contains("batch size 16 (gradients of 2 mini-batches per step), seed"),
        first.describe());
    Path ckpt = interrupted.resolve("checkpoint.safetensors");
    assertEquals(2, Checkpoint.read(ckpt).config().accumulateGradBatches());
    CliRun resumed =
        CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "2", "--device", "cpu");
    assertEquals(0, resumed.exitCode(), resumed.describe());
    Path whole = tmp.resolve("whole-accumulated");
    assertEquals(
        0,
        TrainCommandTest.train(
                whole, "--epochs", "2", "--batch-size", "16", "--accumulate-grad-batches", "2")
            .exitCode());
    Checkpoint a = Checkpoint.read(ckpt);
    Checkpoint b = Checkpoint.read(whole.resolve("checkpoint.safetensors"));
    assertEquals(2, a.config().accumulateGradBatches());
    assertEquals(b.weights(), a.weights());
    assertEquals(b.optimizerState(), a.optimizerState());
    assertEquals(b.history(), a.history());
    CliRun zero = TrainCommandTest.train(tmp.resolve("zero"), "--accumulate-grad-batches", "0");
    assertEquals(2, zero.exitCode(), zero.describe());
    assertEquals(
        "accumulate_grad_batches must be a positive integer. Expected >= 1, got 0",
        zero.errLines().get(0),
        zero.describe());
  }

  @Test
  void aResumedRunWithASchedulerAndEarlyStoppingEndsBitForBitWhereTheWholeRunEnds()
      throws IOException {
    String[] settings = {
      "--optimizer",
      "sgd",
      "--lr",
      "0.05",
      "--lr-scheduler",
      "plateau",
      "--patience",
      "0",
      "--factor",
      "0.5",
      "--threshold",
      "0.01",
      "--early-stopping-patience",
      "3",
      "--restore-best-weights"
    };
    Path interrupted = tmp.resolve("interrupted");
    Path whole = tmp.resolve("whole");
    assertEquals(
        0, TrainCommandTest.train(interrupted, concat(settings, "--epochs", "2")).exitCode());
    Path ckpt = interrupted.resolve("checkpoint.safetensors");
    CliRun resumed =
        CliRun.of("train", "--resume", ckpt.toString(), "--epochs", "4", "--device", "cpu");
    assertEquals(0, resumed.exitCode(), resumed.describe());
    assertEquals(0, TrainCommandTest.train(whole, concat(settings, "--epochs", "4")).exitCode());
    Checkpoint a = Checkpoint.read(ckpt);
    Checkpoint b = Checkpoint.read(whole.resolve("checkpoint.safetensors"));
    assertEquals(b.weights(), a.weights());
    assertEquals(b.optimizerState(), a.optimizerState());
    assertEquals(b.schedulerState(), a.schedulerState());
    assertEquals(b.earlyStopping(), a.earlyStopping());
    assertEquals(b.bestWeights(), a.bestWeights());
    assertEquals(b.history(), a.history());
  }

  @Test
  void badSchedulerAndEarlyStoppingOptionsAreUsageErrorsOfOneLine() {
    String[][] cases = {
      {
        "Invalid value for option '--lr-scheduler': expected step, cosine, plateau or linear, got"
            + " 'exponential'",
        "--lr-scheduler",
        "exponential"
      },
      {
        "--lr-scheduler step needs --step-size (StepLR's step_size has no default)",
        "--lr-scheduler",
        "step"
      },
      {
        "step_size must be a positive integer. Expected >= 1, got 0",
        "--lr-scheduler",
        "step",
        "--step-size",
        "0"
      },
      {
        "gamma must be positive. Expected > 0, got -0.5",
        "--lr-scheduler",
        "step",
        "--step-size",
        "2",
        "--gamma",
        "-0.5"
      },
      {"--gamma is an argument of --lr-scheduler step, got no --lr-scheduler", "--gamma", "0.5"},
      {
        "--gamma is an argument of --lr-scheduler step, got --lr-scheduler cosine",
        "--lr-scheduler",
        "cosine",
        "--gamma",
        "0.5"
      },
      {
        "T_max must be a positive integer. Expected >= 1, got 0",
        "--lr-scheduler",
        "cosine",
        "--t-max",
        "0"
      },
      {
        "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got"
            + " 0.0",
        "--lr-scheduler",
        "linear",
        "--start-factor",
        "0"
      },
      {"Factor should be < 1.0, got 1.5", "--lr-scheduler", "plateau", "--factor", "1.5"},
      {
        "threshold mode relative is unknown! Expected 'rel' or 'abs'",
        "--lr-scheduler",
        "plateau",
        "--threshold-mode",
        "relative"
      },
      {
        "patience must be a non-negative integer. Expected >= 0, got -1",
        "--lr-scheduler",
        "plateau",
        "--patience",
        "-1"
      },
      {
        "patience must be a non-negative integer. Expected >= 0, got -2",
        "--early-stopping-patience",
        "-2"
      },
      {
        "min_delta must be non-negative. Expected >= 0, got -0.1",
        "--early-stopping-patience",
        "2",
        "--min-delta",
        "-0.1"
      },
      {"--min-delta needs --early-stopping-patience", "--min-delta", "0.1"},
      {"--restore-best-weights needs --early-stopping-patience", "--restore-best-weights"},
    };
    for (String[] c : cases) {
      List<String> args =
          new ArrayList<>(List.of("train", "--out", tmp.resolve("unused").toString()));
      args.addAll(List.of(c).subList(1, c.length));
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertEquals(2, run.exitCode(), args + ": " + run.describe());
      assertEquals("", run.out(), args + ": " + run.describe());
      assertEquals(c[0], run.errLines().get(0), args + ": " + run.describe());
    }
    CliRun notANumber = CliRun.of("train", "--lr-scheduler", "step", "--step-size", "two");
    assertEquals(2, notANumber.exitCode(), notANumber.describe());
    assertFalse(Files.exists(tmp.resolve("unused")));
  }

  @Test
  void schedulerOptionsCannotBeGivenWithResume() {
    CliRun run =
        CliRun.of(
            "train",
            "--resume",
            tmp.resolve("absent.safetensors").toString(),
            "--lr-scheduler",
            "step");
    assertEquals(2, run.exitCode(), run.describe());
    assertTrue(
        run.errLines().get(0).startsWith("--lr-scheduler cannot be given with --resume"),
        run.describe());
  }

  @Test
  void helpDescribesTheOptions() {
    CliRun run = CliRun.of("train", "--help");
    for (String option :
        List.of(
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
            "--restore-best-weights")) {
      assertTrue(run.out().contains(option), option + "\n" + run.describe());
    }
  }

  private static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }
}
