package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Barrier-mode training on local[2,2] (two tasks, both slots): it equals single-process training
 * and the job-per-step mode, and a task that fails mid-fit makes Spark rerun the stage, which
 * resumes from the last checkpoint and ends in the same weights.
 */
@Tag("integration")
@Tag("spark")
class SparkBarrierTrainerTest {
  // What the tasks report, in this JVM (local mode runs them here).
  private static final AtomicBoolean ARMED = new AtomicBoolean();
  private static final List<String> EPOCHS_SEEN = new CopyOnWriteArrayList<>();

  @TempDir Path tmp;

  private static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.get();
  }

  /** A stacked LSTM on two columns, Adam with clipping, as SparkTrainerTest's. */
  private static TrainingConfig config(int epochs) {
    TrainingConfig base = Models.config(2, 5);
    return new TrainingConfig(
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(2, 6).numLayers(2).batchFirst(true).build(), base.data().horizon()),
        base.data(),
        OptimizerConfig.adam(0.01),
        epochs,
        24,
        5,
        0.5);
  }

  @Test
  void aBarrierFitTrainsAsOneProcessAndAsAJobPerStep() throws IOException {
    TrainingConfig config = config(2);
    TimeSeries series = Models.series(2, 120);
    Path single = tmp.resolve("single.safetensors");
    Trainer.Result expected = Models.trainInOneProcess(config, series, single);
    SparkTrainer trainer = SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu");
    Path perStep = tmp.resolve("per-step.safetensors");
    trainer.train(config, series, null, perStep);
    Path barrier = tmp.resolve("barrier.safetensors");
    List<EpochStats> heard = new ArrayList<>();
    Trainer.Result actual =
        trainer
            .barrier(true)
            .listener(
                new Trainer.Listener() {
                  @Override
                  public void onStep(int epoch, int step, int steps, double runningLoss) {}

                  @Override
                  public void onEpoch(EpochStats stats) {
                    heard.add(stats);
                  }
                })
            .train(config, series, null, barrier);
    // float64, two epochs of 4 steps: the sums' order differs from one process by one split; the
    // worst weight difference seen was 1.1e-16, the worst loss difference 5.6e-17: the tolerances
    // sit about 10x above them, far inside the bound of 1e-12.
    Models.assertWeights(Checkpoint.read(single), Checkpoint.read(barrier), 1e-15);
    Models.assertWeights(
        Checkpoint.read(perStep),
        Checkpoint.read(barrier),
        0); // the same shares summed in the same tree: the same bits
    assertEquals(2, Checkpoint.read(barrier).epoch());
    assertEquals(actual.history(), heard, "the driver hears every epoch once, in order");
    for (int e = 0; e < 2; e++) {
      assertEquals(
          expected.history().get(e).trainLoss(), actual.history().get(e).trainLoss(), 5e-16);
      assertEquals(
          expected.history().get(e).validationLoss(),
          actual.history().get(e).validationLoss(),
          5e-16);
    }
    Map<String, Tensor> inMemory = actual.forecaster().model().stateDict().asMap();
    Map<String, Tensor> written = Checkpoint.read(barrier).weights().asMap();
    for (String name : written.keySet()) {
      assertArrayEquals(
          written.get(name).toDoubleArray(), inMemory.get(name).toDoubleArray(), 0, name);
    }
  }

  @Test
  void accumulatedMiniBatchesTrainAsOneProcessInBothModes() throws IOException {
    // Mini-batches of 8 over 2 tasks, two per step: 50 samples, so the epoch's last step takes
    // one mini-batch of 2.
    TrainingConfig config = config(2).withSchedule(2, 8, 5, 0.5).withAccumulateGradBatches(2);
    TimeSeries series = Models.series(2, 80);
    Path single = tmp.resolve("single.safetensors");
    Trainer.Result expected = Models.trainInOneProcess(config, series, single);
    int samples = expected.split().train().size();
    assertNotEquals(0, samples % 16, "the last step is short");
    SparkTrainer trainer = SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu");
    List<Integer> jobs = new ArrayList<>();
    Path perStep = tmp.resolve("per-step.safetensors");
    trainer
        .listener(
            new Trainer.Listener() {
              @Override
              public void onStep(int epoch, int step, int steps, double runningLoss) {
                jobs.add(step);
              }

              @Override
              public void onEpoch(EpochStats stats) {}
            })
        .train(config, series, null, perStep);
    assertEquals(2 * ((samples + 15) / 16), jobs.size(), "one job per two mini-batches");
    Path barrier = tmp.resolve("barrier.safetensors");
    trainer.barrier(true).train(config, series, null, barrier);
    // float64, two epochs of 4 steps: the worst weight difference from one process seen was
    // 1.1e-16 (the shares' sums split each gradient's terms differently); the tolerance sits about
    // 10x above it, far inside the bound of 1e-12.
    Models.assertWeights(Checkpoint.read(single), Checkpoint.read(barrier), 1e-15);
    Models.assertWeights(
        Checkpoint.read(perStep),
        Checkpoint.read(barrier),
        0); // the same parts summed in the same tree: the same bits
  }

  @Test
  void aTaskThatFailsAfterAnEpochResumesTheFitFromItsCheckpoint() throws IOException {
    TrainingConfig config = config(3).withSchedule(3, 24, 5, 0.5);
    TimeSeries series = Models.series(2, 80);
    SparkTrainer trainer =
        SparkTrainer.on(spark)
            .partitions(2)
            .dtype(DType.FLOAT64)
            .device("cpu")
            .barrier(true)
            .afterEpoch(
                (partition, stageAttempt, epoch) -> {
                  if (partition == 0) {
                    EPOCHS_SEEN.add(stageAttempt + ":" + epoch);
                  }
                  if (partition == 1 && epoch == 2 && ARMED.compareAndSet(true, false)) {
                    throw new IllegalStateException(
                        "the test fails partition 1 after epoch 2 on purpose");
                  }
                });
    Path calm = tmp.resolve("calm.safetensors");
    trainer.train(config, series, null, calm);
    Path dir = Files.createDirectory(tmp.resolve("runs"));
    Path failed = dir.resolve("failed.safetensors");
    List<String> scratchBefore = scratch();
    EPOCHS_SEEN.clear();
    ARMED.set(true);
    try {
      trainer.train(config, series, null, "file:" + failed);
    } finally {
      ARMED.set(false);
    }
    // Partition 0 had written epoch 1's checkpoint before partition 1 could finish epoch 2 (its
    // steps
    // need partition 0's gradients), and maybe epoch 2's: the rerun starts after one of them.
    List<String> rerun = EPOCHS_SEEN.stream().filter(s -> !s.startsWith("0:")).toList();
    assertEquals(
        "1:3", rerun.get(rerun.size() - 1), "the rerun stage finishes the fit: " + EPOCHS_SEEN);
    assertEquals(
        List.of(),
        rerun.stream().filter(s -> s.equals("1:1")).toList(),
        "the rerun stage resumes, it does not start over: " + EPOCHS_SEEN);
    Models.assertWeights(Checkpoint.read(calm), Checkpoint.read(failed), 0);
    assertEquals(
        List.of("failed.safetensors"), HadoopFilesTest.files(dir), "no temporary file is left");
    assertEquals(scratchBefore, scratch(), "every task removed its local checkpoint");
  }

  @Test
  void aBarrierFitIntoAFileUriEqualsOneIntoAPath() throws IOException {
    TrainingConfig config = config(2);
    TimeSeries series = Models.series(2, 80);
    SparkTrainer trainer =
        SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu").barrier(true);
    Path path = tmp.resolve("path.safetensors");
    Trainer.Result viaPath = trainer.train(config, series, null, path);
    Path dir = Files.createDirectory(tmp.resolve("uri"));
    String uri = "file:" + dir.resolve("co2.safetensors");
    List<String> scratchBefore = scratch();
    Trainer.Result viaUri = trainer.train(config, series, null, uri);
    Models.assertWeights(Checkpoint.read(path), Checkpoint.read(dir.resolve("co2.safetensors")), 0);
    assertEquals(viaPath.history(), viaUri.history());
    assertEquals(2, SparkTrainer.readCheckpoint(uri, spark).epoch());
    assertEquals(
        List.of("co2.safetensors"), HadoopFilesTest.files(dir), "no temporary file is left");
    assertEquals(scratchBefore, scratch(), "every task removed its local checkpoint");
  }

  /**
   * The barrier tasks' local folders of this application in {@code java.io.tmpdir}, named by {@code
   * BarrierFit} with the application's id, so that other builds' folders do not count.
   */
  private static List<String> scratch() throws IOException {
    String prefix = "rnn4j-barrier-" + spark.sparkContext().applicationId() + "-";
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix))
          .sorted()
          .toList();
    }
  }

  @Test
  void moreBarrierPartitionsThanLocalSlotsAreRefusedAtOnce() {
    SparkTrainer trainer =
        SparkTrainer.on(spark)
            .partitions(3)
            .device("cpu")
            .barrier(true)
            .listener(Trainer.Listener.SILENT);
    Path never = tmp.resolve("never.safetensors");
    // Refused on the driver before any job: Spark itself would retry the stage 40 times, 15 s
    // apart, and then fail with its own message.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> trainer.train(config(1), Models.series(2, 40), null, never));
    assertEquals(
        "partitions must be at most the task slots of local[2,2] in barrier mode (a barrier stage"
            + " runs its tasks at once). Expected <= 2, got 3",
        e.getMessage());
    assertFalse(java.nio.file.Files.exists(never));
  }

  @Test
  void aMiniBatchOfOneSampleLeavesTheSecondTaskWithoutAShare() throws IOException {
    TrainingConfig config = config(1).withSchedule(1, 1, 5, 0);
    TimeSeries series = Models.series(2, 30);
    Path single = tmp.resolve("single.safetensors");
    Models.trainInOneProcess(config, series, single);
    Path barrier = tmp.resolve("barrier.safetensors");
    SparkTrainer.on(spark)
        .partitions(2)
        .dtype(DType.FLOAT64)
        .device("cpu")
        .barrier(true)
        .train(config, series, null, barrier);
    // One share per step, the whole mini-batch, as one process computes it: the same bits.
    Models.assertWeights(Checkpoint.read(single), Checkpoint.read(barrier), 0);
  }

  @Test
  void aBarrierFitResumedFromItsOwnCheckpointEndsAsAnUninterruptedOne() throws IOException {
    TimeSeries series = Models.series(2, 80);
    SparkTrainer trainer =
        SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu").barrier(true);
    Path whole = tmp.resolve("whole.safetensors");
    trainer.train(config(2), series, null, whole);
    Path resumed = tmp.resolve("resumed.safetensors");
    trainer.train(config(1), series, null, resumed);
    Trainer.Result r = trainer.train(config(2), series, Checkpoint.read(resumed), resumed);
    assertEquals(2, r.history().size(), "the resumed epoch's history is kept");
    assertEquals(2, Checkpoint.read(resumed).epoch());
    Models.assertWeights(Checkpoint.read(whole), Checkpoint.read(resumed), 0);
    IllegalArgumentException done =
        assertThrows(
            IllegalArgumentException.class,
            () -> trainer.train(config(2), series, Checkpoint.read(resumed), resumed));
    assertEquals(
        "the checkpoint has already completed 2 epochs; ask for more than that to continue",
        done.getMessage());
  }
}
