package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainingConfig#accumulateGradBatches}: k mini-batches of B per optimizer step train as one
 * mini-batch of k * B, the steps counted as optimizer steps; the option travels in checkpoints
 * without changing those of k = 1.
 */
class AccumulateGradBatchesTest {
  @TempDir Path tmp;

  /**
   * A stacked LSTM on the shipped CO2 series, float64, without dropout (whose masks depend on how
   * many samples a forward pass draws for), Adam with clipping: both act on the step's gradient.
   */
  private static TrainingConfig config(int batchSize, int accumulate) {
    DataConfig data = DataConfig.defaults();
    RnnConfig rnn = RnnConfig.lstm(1, 8).numLayers(2).batchFirst(true).build();
    return TrainingConfig.forData(data, rnn)
        .withSchedule(2, batchSize, 7, 0.5)
        .withAccumulateGradBatches(accumulate);
  }

  /** The listener's calls, as "epoch:step/steps". */
  private static Trainer.Listener recording(List<String> steps) {
    return new Trainer.Listener() {
      @Override
      public void onStep(int epoch, int step, int count, double runningLoss) {
        steps.add(epoch + ":" + step + "/" + count);
      }

      @Override
      public void onEpoch(EpochStats stats) {}
    };
  }

  private Trainer.Result train(TrainingConfig config, Path checkpoint, List<String> steps)
      throws IOException {
    return Trainer.train(
        config,
        config.data().split(config.data().readSeries()),
        null,
        checkpoint,
        Backends.cpu(),
        DType.FLOAT64,
        Trainer.local(),
        recording(steps));
  }

  @Test
  void twoMiniBatchesOfBTrainAsOneOfTwoB() throws IOException {
    List<String> accumulatedSteps = new ArrayList<>();
    Path accumulated = tmp.resolve("k2.safetensors");
    Trainer.Result a = train(config(16, 2), accumulated, accumulatedSteps);
    List<String> wideSteps = new ArrayList<>();
    Path wide = tmp.resolve("b32.safetensors");
    Trainer.Result b = train(config(32, 1), wide, wideSteps);
    int samples = a.split().train().size();
    assertNotEquals(0, samples % 32, "the last step is short, and still the same samples");
    assertEquals(wideSteps, accumulatedSteps, "the listener hears of optimizer steps");
    assertEquals(2 * ((samples + 31) / 32), accumulatedSteps.size());
    // float64, 2 epochs of 20 steps (628 samples: the last step takes 16 + 4): the worst weight
    // difference seen was 2.2e-16 (the order in which each gradient's terms add up differs), the
    // worst loss difference 6.9e-18; the tolerances sit about 10x above them, far inside the
    // issue's bound of 1e-12 for data-parallel runs.
    Map<String, Tensor> wa = Checkpoint.read(accumulated).weights().asMap();
    Map<String, Tensor> wb = Checkpoint.read(wide).weights().asMap();
    assertEquals(wb.keySet(), wa.keySet());
    for (String name : wb.keySet()) {
      assertArrayEquals(wb.get(name).toDoubleArray(), wa.get(name).toDoubleArray(), 2e-15, name);
    }
    for (int e = 0; e < 2; e++) {
      assertEquals(b.history().get(e).trainLoss(), a.history().get(e).trainLoss(), 7e-17);
      assertEquals(b.history().get(e).validationLoss(), a.history().get(e).validationLoss(), 7e-17);
    }
  }

  @Test
  void theOptionTravelsInCheckpointsAndLeavesThoseOfOneMiniBatchAsTheyWere() throws IOException {
    Path one = tmp.resolve("k1.safetensors");
    train(config(32, 1).withEpochs(1), one, new ArrayList<>());
    assertFalse(Safetensors.read(one).metadata().containsKey("accumulate_grad_batches"));
    assertEquals(config(32, 1).withEpochs(1), Checkpoint.read(one).config());
    Path three = tmp.resolve("k3.safetensors");
    train(config(8, 3).withEpochs(1), three, new ArrayList<>());
    assertEquals("3", Safetensors.read(three).metadata().get("accumulate_grad_batches"));
    assertEquals(config(8, 3).withEpochs(1), Checkpoint.read(three).config());
  }

  @Test
  void aKOfIntegerMaxValueTakesTheWholeEpochInOneStep() throws IOException {
    List<String> maxSteps = new ArrayList<>();
    Path max = tmp.resolve("max.safetensors");
    Trainer.Result a = train(config(16, Integer.MAX_VALUE), max, maxSteps);
    int miniBatches = (a.split().train().size() + 15) / 16;
    List<String> allSteps = new ArrayList<>();
    Path all = tmp.resolve("all.safetensors");
    Trainer.Result b = train(config(16, miniBatches), all, allSteps);
    assertEquals(List.of("1:1/1", "2:1/1"), maxSteps, "one step per epoch, not none");
    assertEquals(allSteps, maxSteps);
    assertEquals(b.history(), a.history());
    Map<String, Tensor> wa = Checkpoint.read(max).weights().asMap();
    Map<String, Tensor> wb = Checkpoint.read(all).weights().asMap();
    for (String name : wb.keySet()) {
      // The same mini-batches in one step, the same arithmetic: the same bits.
      assertArrayEquals(wb.get(name).toDoubleArray(), wa.get(name).toDoubleArray(), 0, name);
    }
  }

  @Test
  void aCheckpointOfAnotherKIsRefused() throws IOException {
    Path path = tmp.resolve("k2.safetensors");
    train(config(16, 2).withEpochs(1), path, new ArrayList<>());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Trainer.train(
                    config(16, 3),
                    Checkpoint.read(path),
                    path,
                    Backends.cpu(),
                    recording(new ArrayList<>())));
    assertEquals(
        "the checkpoint does not match this run: its accumulate_grad_batches is 2, this run's is"
            + " 3",
        e.getMessage());
    assertEquals(1, Checkpoint.read(path).epoch(), "the checkpoint is left as it was");
  }

  @Test
  void accumulateGradBatchesMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(16, 0));
    assertEquals(
        "accumulate_grad_batches must be a positive integer. Expected >= 1, got 0", e.getMessage());
  }
}
