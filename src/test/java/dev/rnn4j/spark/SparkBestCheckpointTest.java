package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SparkTrainer#bestCheckpoint} in both modes, into {@code file:} URIs: the best epoch's
 * checkpoint, byte for byte, kept across a resume and across a barrier stage's rerun; and {@link
 * SparkTrainer#exportModel}, byte for byte what {@link ModelFiles#write} (so {@code rnn4j export})
 * writes, and nothing after a failed write.
 */
@Tag("integration")
@Tag("spark")
class SparkBestCheckpointTest {
  /** The checkpoint's bytes after each epoch, by epoch, as the fit wrote them. */
  private static final Map<Integer, byte[]> WRITTEN = new ConcurrentHashMap<>();

  // Whether task 0 fails after its next epoch 4, and the epochs it finished, as
  // "stageAttempt:epoch"
  // (local mode runs the tasks in this JVM).
  private static final AtomicBoolean ARMED = new AtomicBoolean();
  private static final List<String> EPOCHS_SEEN = new CopyOnWriteArrayList<>();

  @TempDir Path tmp;

  private static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.get();
  }

  /**
   * A stacked LSTM on two columns whose validation loss falls to epoch 2 and rises after it
   * (0.2201, 0.2106, 0.2184, 0.3264, 0.3816 in one process): the best epoch is not the last.
   */
  private static TrainingConfig config(int epochs) {
    TrainingConfig base = Models.config(2, 5);
    return new TrainingConfig(
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(2, 6).numLayers(2).batchFirst(true).build(), base.data().horizon()),
        base.data(),
        OptimizerConfig.adam(0.03),
        epochs,
        24,
        5,
        0.5);
  }

  /**
   * A float64 trainer of either mode that records in {@link #WRITTEN} the checkpoint at {@code
   * checkpoint} after each epoch: through the listener in the job-per-step mode, through task 0's
   * epoch hook in barrier mode (whose listener hears the epochs only when the fit ends).
   */
  private static SparkTrainer recording(boolean barrier, Path checkpoint, Path best) {
    SparkTrainer trainer =
        SparkTrainer.on(spark)
            .partitions(2)
            .dtype(DType.FLOAT64)
            .device("cpu")
            .barrier(barrier)
            .bestCheckpoint("file:" + best);
    // The hook travels to the task: a String, not a Path, which is not Serializable.
    String file = checkpoint.toString();
    if (barrier) {
      return trainer.afterEpoch(
          (partition, stageAttempt, epoch) -> {
            if (partition == 0) {
              WRITTEN.put(epoch, read(Path.of(file)));
            }
          });
    }
    return trainer.listener(
        new Trainer.Listener() {
          @Override
          public void onStep(int epoch, int step, int steps, double runningLoss) {}

          @Override
          public void onEpoch(EpochStats stats) {
            WRITTEN.put(stats.epoch(), read(Path.of(file)));
          }
        });
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The epoch of lowest validation loss, the first of equal ones. */
  private static int argmin(List<EpochStats> history) {
    return history.stream()
        .min(Comparator.comparingDouble(EpochStats::validationLoss))
        .orElseThrow()
        .epoch();
  }

  @ParameterizedTest(name = "barrier={0}")
  @ValueSource(booleans = {false, true})
  void theBestEpochsCheckpointIsKeptAndSurvivesAResume(boolean barrier) throws IOException {
    TimeSeries series = Models.series(2, 80);
    Path dir = Files.createDirectory(tmp.resolve("run"));
    Path last = dir.resolve("last.safetensors");
    Path best = dir.resolve("best.safetensors");
    SparkTrainer trainer = recording(barrier, last, best);
    WRITTEN.clear();
    Trainer.Result first = trainer.train(config(3), series, null, "file:" + last);
    assertEquals(2, argmin(first.history()), "the best epoch is not the last");
    assertEquals(2, Checkpoint.read(best).epoch());
    assertArrayEquals(WRITTEN.get(2), Files.readAllBytes(best), "epoch 2's checkpoint");
    assertEquals(List.of("best.safetensors", "last.safetensors"), HadoopFilesTest.files(dir));

    // Resumed through the Path overload: epochs 4 and 5 do not beat epoch 2 of the resumed history.
    Trainer.Result resumed = trainer.train(config(5), series, Checkpoint.read(last), last);
    assertEquals(5, resumed.history().size());
    assertEquals(2, argmin(resumed.history()));
    assertArrayEquals(WRITTEN.get(2), Files.readAllBytes(best), "epoch 2's checkpoint survives");
    assertEquals(5, Checkpoint.read(last).epoch());
    assertEquals(
        List.of("best.safetensors", "last.safetensors"),
        HadoopFilesTest.files(dir),
        "no temporary file is left, nor a checksum");
  }

  @ParameterizedTest(name = "barrier={0}")
  @ValueSource(booleans = {false, true})
  void aResumedCheckpointThatIsItsOwnBestIsCopiedWhereNoneIsKept(boolean barrier)
      throws IOException {
    TimeSeries series = Models.series(2, 80);
    Path last = tmp.resolve("last.safetensors");
    Path best = tmp.resolve("best.safetensors");
    WRITTEN.clear();
    recording(barrier, last, tmp.resolve("elsewhere.safetensors"))
        .train(config(2), series, null, last);
    byte[] second = WRITTEN.get(2);
    // Epoch 2 is the resumed history's best and best.safetensors does not exist: a run stopped
    // between writing its checkpoint and copying it. Epoch 3 does not beat epoch 2.
    Trainer.Result r =
        recording(barrier, last, best).train(config(3), series, Checkpoint.read(last), last);
    assertEquals(2, argmin(r.history()));
    assertArrayEquals(second, Files.readAllBytes(best), "epoch 2's checkpoint, as it was written");
  }

  @Test
  void aStageRerunKeepsTheBestCheckpointAnUndisturbedFitKeeps() throws IOException {
    TimeSeries series = Models.series(2, 80);
    SparkTrainer trainer =
        SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu").barrier(true);
    // Seed 6: validation losses 0.1738, 0.1794, 0.2661, 0.3406, 0.2970 in one process.
    TrainingConfig config = config(5).withSchedule(5, 24, 6, 0.5);
    Path start = tmp.resolve("start.safetensors");
    trainer.train(config.withEpochs(2), series, null, start);
    // The resumed history's best, epoch 1, is not at the best URI: each fit keeps the best of its
    // own epochs, 3 of 3, 4 and 5.
    Checkpoint resume = Checkpoint.read(start);
    Path calmBest = tmp.resolve("calm-best.safetensors");
    Trainer.Result calm =
        trainer
            .bestCheckpoint("file:" + calmBest)
            .train(config, series, resume, tmp.resolve("calm.safetensors"));
    assertEquals(1, argmin(calm.history()));
    assertEquals(3, argmin(calm.history().subList(2, 5)), "epochs 4 and 5 do not beat epoch 3");
    assertEquals(3, Checkpoint.read(calmBest).epoch());

    // Task 0 fails after epoch 4, its checkpoint written: the rerun resumes from epoch 4 and finds
    // epoch 3's checkpoint at the best URI, which epoch 5 does not beat.
    Path failedBest = tmp.resolve("failed-best.safetensors");
    EPOCHS_SEEN.clear();
    ARMED.set(true);
    try {
      trainer
          .bestCheckpoint("file:" + failedBest)
          .afterEpoch(
              (partition, stageAttempt, epoch) -> {
                if (partition == 0) {
                  EPOCHS_SEEN.add(stageAttempt + ":" + epoch);
                  if (epoch == 4 && ARMED.compareAndSet(true, false)) {
                    throw new IllegalStateException(
                        "the test fails partition 0 after epoch 4 on purpose");
                  }
                }
              })
          .train(config, series, resume, tmp.resolve("failed.safetensors"));
    } finally {
      ARMED.set(false);
    }
    assertEquals(List.of("0:3", "0:4", "1:5"), EPOCHS_SEEN, "the rerun resumes after epoch 4");
    assertArrayEquals(
        Files.readAllBytes(calmBest), Files.readAllBytes(failedBest), "epoch 3's checkpoint");
  }

  @Test
  void aBestCheckpointThatIsTheCheckpointIsRefusedBeforeAnyWork() {
    TimeSeries series = Models.series(2, 80);
    Path last = tmp.resolve("last.safetensors");
    for (boolean barrier : new boolean[] {false, true}) {
      // A plain path is qualified as the checkpoint's URI is, so the two name the same file.
      SparkTrainer trainer =
          SparkTrainer.on(spark).partitions(2).barrier(barrier).bestCheckpoint(last.toString());
      String message =
          "bestCheckpoint must name a file other than the checkpoint. Expected a URI other than"
              + " file:"
              + last
              + ", got file:"
              + last;
      IllegalArgumentException viaUri =
          assertThrows(
              IllegalArgumentException.class,
              () -> trainer.train(config(1), series, null, "file:" + last));
      assertEquals(message, viaUri.getMessage());
      IllegalArgumentException viaPath =
          assertThrows(
              IllegalArgumentException.class, () -> trainer.train(config(1), series, null, last));
      assertEquals(message, viaPath.getMessage());
    }
    assertFalse(Files.exists(last));
  }

  @Test
  void anExportedModelIsByteForByteWhatModelFilesWrites() throws IOException {
    Checkpoint checkpoint = Models.train(2, 7, tmp.resolve("ckpt.safetensors"));
    Path local = tmp.resolve("local");
    try (SequenceModel model =
        SequenceModel.fromStateDict(checkpoint.config().model(), checkpoint.weights())) {
      ModelFiles.write(local, model);
    }
    Path exported = tmp.resolve("models").resolve("co2");
    SparkTrainer.exportModel(checkpoint, "file:" + exported, spark);
    assertEquals(
        List.of(ModelFiles.CONFIG, ModelFiles.WEIGHTS),
        HadoopFilesTest.files(exported),
        "the two files, no temporary file, no checksum");
    for (String name : List.of(ModelFiles.CONFIG, ModelFiles.WEIGHTS)) {
      assertArrayEquals(
          Files.readAllBytes(local.resolve(name)),
          Files.readAllBytes(exported.resolve(name)),
          name);
    }
  }

  @Test
  void aFailedExportRemovesTheFileItWrote() throws IOException {
    Checkpoint checkpoint = Models.train(2, 7, tmp.resolve("ckpt.safetensors"));
    Path exported = tmp.resolve("co2");
    // A folder where model.json, the second file, goes: the rename over it fails.
    Files.createDirectories(exported.resolve(ModelFiles.CONFIG).resolve("taken"));
    assertThrows(
        IOException.class, () -> SparkTrainer.exportModel(checkpoint, "file:" + exported, spark));
    assertEquals(
        List.of(ModelFiles.CONFIG),
        HadoopFilesTest.files(exported),
        "no weights without their model.json, and no temporary file");
  }
}
