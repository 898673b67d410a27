package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.testing.GpuTest;
import dev.rnn4j.testing.RandomData;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingSet;
import org.junit.jupiter.api.Test;

/**
 * {@code TrainingCountersTest} on a GPU: through the CUDA backend's counters, a training run builds
 * one cuDNN plan for its one shape, no step uploads a parameter or downloads a gradient, the losses
 * come back once per {@link Trainer#DEVICE_LOG_INTERVAL} steps (or at an epoch's end), and closing
 * the model, the optimizer and the training set's device copy returns every block.
 */
@GpuTest
class CudaTrainingCountersGpuTest {

  @Test
  void stepsCopyOnlyTheLossesAndCloseFreesEverything() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(3, 8).numLayers(2).bidirectional(true).batchFirst(true).build(), 2);
    CudaBackend gpu = CudaBackend.open(0, MathMode.STRICT_FP32);
    BackendStats before = gpu.stats();
    SequenceModel model = SequenceModel.create(config, 3).to(gpu);
    Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
    TrainingSet data = RandomData.regression(5, 40, 6, 3, 2).to(gpu.device());
    BackendStats start = gpu.stats();
    for (int epoch = 1; epoch <= 3; epoch++) {
      Trainer.trainEpoch(model, optimizer, data, 8, 11, epoch, 1.0, null);
    }
    BackendStats steps = gpu.stats().since(start);
    assertEquals(
        1, steps.planBuilds(), "one plan for batches of one shape (N = 8, L = 6, lengths)");
    assertEquals(0, steps.uploads(), "15 steps, no parameter or batch upload");
    assertEquals(
        3, steps.downloads(), "the losses, once per epoch of 5 steps (< 10), nothing else");
    data.close();
    optimizer.close();
    model.close();
    assertEquals(
        before.liveBlocks(),
        gpu.stats().liveBlocks(),
        "closing the model, the optimizer and the training set frees every block");
  }
}
