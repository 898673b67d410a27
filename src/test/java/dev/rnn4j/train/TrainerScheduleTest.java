package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.nn.RnnConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training runs with a learning-rate scheduler and with early stopping: the schedule reaches the
 * optimizer, both states travel in the checkpoint, and a resumed run ends bit for bit where the
 * uninterrupted one ends (in float64, as {@code TrainerTest} explains).
 */
class TrainerScheduleTest {
  @TempDir Path tmp;

  /** A small, fast run: GRU with dropout, SGD so that the learning rate shows in every step. */
  private static TrainingConfig small(int epochs) {
    RnnConfig rnn = RnnConfig.gru(1, 8).numLayers(2).dropout(0.2).batchFirst(true).build();
    return TrainingConfig.forData(DataConfig.defaults(), rnn)
        .withSchedule(epochs, 64, 7, 1.0)
        .withOptimizer(OptimizerConfig.sgd(0.05).withMomentum(0.9));
  }

  private Trainer.Result train(TrainingConfig config, Checkpoint resume, Path checkpoint)
      throws IOException {
    return Trainer.train(
        config,
        config.data().split(config.data().readSeries()),
        resume,
        checkpoint,
        Backends.cpu(),
        DType.FLOAT64,
        Trainer.local(),
        Trainer.Listener.SILENT);
  }

  /** Trains {@code config} to its end, and again interrupted after {@code first} epochs. */
  private void assertResumedRunIsTheSame(TrainingConfig config, int first) throws IOException {
    Path whole = tmp.resolve("whole.safetensors");
    train(config, null, whole);
    Path part = tmp.resolve("part.safetensors");
    train(config.withEpochs(first), null, part);
    train(config, Checkpoint.read(part), part);
    Checkpoint a = Checkpoint.read(whole);
    Checkpoint b = Checkpoint.read(part);
    assertEquals(a.weights(), b.weights());
    assertEquals(a.schedulerState(), b.schedulerState());
    assertEquals(a.earlyStopping(), b.earlyStopping());
    assertEquals(a.history(), b.history());
    assertArrayEquals(
        Files.readAllBytes(whole), Files.readAllBytes(part), "the same file, byte for byte");
  }

  @Test
  void aStepLrHalvesTheOptimizersLearningRateEveryEpochAndResumesBitForBit() throws IOException {
    TrainingConfig config = small(4).withScheduler(new SchedulerConfig.Step(1, 0.5));
    assertResumedRunIsTheSame(config, 2);
    Checkpoint c = Checkpoint.read(tmp.resolve("whole.safetensors"));
    assertEquals(config, c.config());
    assertEquals(List.of(0.05 * 0.5 * 0.5 * 0.5 * 0.5), c.schedulerState().get("_last_lr"));
    assertEquals(4, c.schedulerState().get("last_epoch"));
    assertEquals(List.of(0.05), c.schedulerState().get("base_lrs"));
  }

  @Test
  void aWarmUpAndACosineResumeBitForBit() throws IOException {
    assertResumedRunIsTheSame(small(4).withScheduler(new SchedulerConfig.Linear(0.25, 1.0, 3)), 1);
    assertResumedRunIsTheSame(
        small(4).withScheduler(new SchedulerConfig.CosineAnnealing(3, 1e-3)), 3);
  }

  @Test
  void reduceLrOnPlateauStepsWithTheValidationLossAndResumesBitForBit() throws IOException {
    // min_delta-like threshold so large that no epoch after the first is better: a reduction per
    // epoch from the second on (patience 0), a cooldown of 1 in between.
    SchedulerConfig plateau =
        new SchedulerConfig.ReduceOnPlateau("min", 0.5, 0, 0.9, "rel", 1, 0.0, 1e-8);
    TrainingConfig config = small(5).withScheduler(plateau);
    assertResumedRunIsTheSame(config, 2);
    Checkpoint c = Checkpoint.read(tmp.resolve("whole.safetensors"));
    assertEquals(c.history().get(0).validationLoss(), c.schedulerState().get("best"));
    // Epoch 1 sets best; 2 is bad: reduced, cooldown 1; 3 in cooldown; 4 reduced; 5 in cooldown.
    assertEquals(List.of(0.05 * 0.5 * 0.5), c.schedulerState().get("_last_lr"));
    assertEquals(Double.POSITIVE_INFINITY, c.schedulerState().get("mode_worse"));
  }

  @Test
  void earlyStoppingStopsAfterPatienceEpochsWithoutImprovementAndRestoresTheBest()
      throws IOException {
    // No epoch improves on the first by more than 1.0: stops at epoch 1 + patience.
    TrainingConfig config = small(10).withEarlyStopping(new EarlyStoppingConfig(3, 1.0, true));
    Path path = tmp.resolve("stopped.safetensors");
    Trainer.Result r = train(config, null, path);
    assertEquals(4, r.history().size());
    assertEquals(4, r.earlyStopping().stoppedEpoch());
    assertEquals(3, r.earlyStopping().waitCount());
    EpochStats lowest =
        r.history().stream().min(Comparator.comparingDouble(EpochStats::validationLoss)).get();
    assertEquals(lowest.epoch(), r.earlyStopping().bestEpoch());
    assertEquals(lowest.validationLoss(), r.earlyStopping().bestLoss());
    Checkpoint c = Checkpoint.read(path);
    assertEquals(4, c.epoch());
    assertEquals(r.earlyStopping(), c.earlyStopping());
    assertNotNull(c.bestWeights());
    assertEquals(c.bestWeights(), r.forecaster().model().stateDict(), "the best weights restored");
    r.forecaster().model().close();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> train(config.withEpochs(12), c, path));
    assertEquals(
        "the checkpoint's run stopped early at epoch 4: its validation loss had not improved by"
            + " more than 1.0 for 3 epochs; there is nothing to continue",
        e.getMessage());
  }

  @Test
  void earlyStoppingResumesBitForBitBeforeAndAcrossTheStop() throws IOException {
    TrainingConfig config =
        small(8)
            .withEarlyStopping(new EarlyStoppingConfig(2, 1.0, true))
            .withScheduler(new SchedulerConfig.Step(2, 0.5));
    assertResumedRunIsTheSame(config, 2);
    assertEquals(
        3, Checkpoint.read(tmp.resolve("whole.safetensors")).earlyStopping().stoppedEpoch());
  }

  @Test
  void earlyStoppingWithoutRestoringKeepsTheLastWeights() throws IOException {
    TrainingConfig config = small(3).withEarlyStopping(EarlyStoppingConfig.patience(5));
    Path path = tmp.resolve("c.safetensors");
    Trainer.Result r = train(config, null, path);
    Checkpoint c = Checkpoint.read(path);
    assertNull(c.bestWeights());
    assertEquals(0, r.earlyStopping().stoppedEpoch());
    assertEquals(c.weights(), r.forecaster().model().stateDict());
    r.forecaster().model().close();
  }

  @Test
  void aRunWithoutTheNewFeaturesWritesTheCheckpointFormatAsBefore() throws IOException {
    Path path = tmp.resolve("plain.safetensors");
    Trainer.Result r = train(small(1), null, path);
    assertNull(r.earlyStopping());
    r.forecaster().model().close();
    assertEquals(
        Set.of(
            "format",
            "model",
            "data",
            "optimizer",
            "schedule",
            "normalization",
            "epoch",
            "history",
            "checksum",
            Safetensors.DATA_CHECKSUM_KEY),
        Safetensors.read(path).metadata().keySet());
    Checkpoint c = Checkpoint.read(path);
    assertNull(c.config().scheduler());
    assertNull(c.config().earlyStopping());
    assertNull(c.schedulerState());
    assertNull(c.earlyStopping());
    assertTrue(c.weights().names().stream().noneMatch(n -> n.startsWith("best.")));
  }

  @Test
  void aCheckpointOfAnotherScheduleIsRefused() throws IOException {
    Path path = tmp.resolve("c.safetensors");
    train(small(1).withScheduler(SchedulerConfig.stepLr(2)), null, path);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                train(
                    small(3).withScheduler(SchedulerConfig.stepLr(3)),
                    Checkpoint.read(path),
                    path));
    assertEquals(
        "the checkpoint does not match this run: its learning-rate scheduler is"
            + " StepLR(step_size=2, gamma=0.1), this run's is StepLR(step_size=3, gamma=0.1)",
        e.getMessage());
  }
}
