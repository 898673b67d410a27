package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on local[2,2] equals single-process training, and Spark's retries change
 * nothing.
 */
@Tag("integration")
@Tag("spark")
class SparkTrainerTest {
  @TempDir Path tmp;

  private static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.get();
  }

  /** A stacked LSTM on two columns, Adam with clipping: every part of a step takes part. */
  private static TrainingConfig config() {
    TrainingConfig base = Models.config(2, 5);
    return new TrainingConfig(
        dev.rnn4j.nn.SequenceModelConfig.manyToOne(
            RnnConfig.lstm(2, 6).numLayers(2).batchFirst(true).build(), base.data().horizon()),
        base.data(),
        OptimizerConfig.adam(0.01),
        2,
        24,
        5,
        0.5);
  }

  @Test
  void sharesOfTheMiniBatchTrainAsOneProcessInFloat64() throws IOException {
    TrainingConfig config = config();
    TimeSeries series = Models.series(2, 120);
    Path single = tmp.resolve("single.safetensors");
    Trainer.Result expected = Models.trainInOneProcess(config, series, single);
    Path spread = tmp.resolve("spark.safetensors");
    int[] epochs = new int[1];
    Trainer.Result actual =
        SparkTrainer.on(spark)
            .partitions(3)
            .dtype(DType.FLOAT64)
            .device("cpu")
            .listener(
                new Trainer.Listener() {
                  @Override
                  public void onStep(int epoch, int step, int steps, double runningLoss) {}

                  @Override
                  public void onEpoch(EpochStats stats) {
                    epochs[0]++;
                  }
                })
            .train(config, series, null, spread);
    assertEquals(2, epochs[0], "one checkpoint and one listener call per epoch");
    Checkpoint a = Checkpoint.read(single);
    Checkpoint b = Checkpoint.read(spread);
    assertEquals(2, b.epoch());
    // float64 (the one-process run's dtype): the sums' order differs from one process's by the
    // shares' split. The worst seen was 1.1e-16 for the weights and 5.6e-17 for the losses; the
    // bars are 10x those (the bound is 1e-12).
    Models.assertWeights(a, b, 1e-15);
    for (int e = 0; e < 2; e++) {
      EpochStats x = expected.history().get(e);
      EpochStats y = actual.history().get(e);
      assertEquals(x.trainLoss(), y.trainLoss(), 5e-16);
      assertEquals(x.validationLoss(), y.validationLoss(), 5e-16);
    }
    assertTrue(
        expected.history().get(1).trainLoss() < expected.history().get(0).trainLoss(), "it learns");
  }

  @Test
  void aMiniBatchSmallerThanThePartitionsHasOneSharePerSample() throws IOException {
    TrainingConfig config = config().withSchedule(1, 2, 5, 0);
    TimeSeries series = Models.series(2, 40);
    Path single = tmp.resolve("single.safetensors");
    Models.trainInOneProcess(config, series, single);
    Path spread = tmp.resolve("spark.safetensors");
    SparkTrainer.on(spark).partitions(5).dtype(DType.FLOAT64).train(config, series, null, spread);
    // 10x the worst difference seen for the weights, 1.1e-16, as above.
    Models.assertWeights(Checkpoint.read(single), Checkpoint.read(spread), 1e-15);
  }

  @Test
  void aRetriedShareChangesNothingBitForBit() throws IOException {
    TrainingConfig config = config().withSchedule(1, 24, 5, 0.5);
    TimeSeries series = Models.series(2, 60);
    SparkTrainer trainer = SparkTrainer.on(spark).partitions(3).device("cpu");
    Path calm = tmp.resolve("calm.safetensors");
    trainer.train(config, series, null, calm);
    Path retried = tmp.resolve("retried.safetensors");
    TaskFaults.reset();
    try {
      TaskFaults.failFirstAttemptOnce(
          1); // the first step's second share fails once, then Spark retries it
      trainer.train(config, series, null, retried);
    } finally {
      assertEquals(1, TaskFaults.reset(), "one task attempt failed on purpose");
    }
    Map<String, Tensor> want = Checkpoint.read(calm).weights().asMap();
    Map<String, Tensor> got = Checkpoint.read(retried).weights().asMap();
    assertEquals(want.keySet(), got.keySet());
    for (String name : want.keySet()) {
      assertArrayEquals(want.get(name).toFloatArray(), got.get(name).toFloatArray(), name);
    }
  }
}
