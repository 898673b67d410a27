package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.testing.RandomData;
import org.junit.jupiter.api.Test;

/**
 * What a training run costs in transfers and preparations, through the backend's counters: the RNN
 * is prepared once for the run, no step copies a parameter in or a gradient out, and closing the
 * model and the optimizer frees everything they allocated. (The same on CUDA: {@code
 * CudaTrainingGpuTest}.)
 */
class TrainingCountersTest {

  @Test
  void stepsCopyNothingAndCloseFreesEverything() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(3, 8).numLayers(2).bidirectional(true).batchFirst(true).build(), 2);
    TrainingSet data = RandomData.regression(5, 40, 6, 3, 2);

    Backend backend = Backends.cpu();
    BackendStats before = backend.stats();
    SequenceModel model = SequenceModel.create(config, 3);
    assertEquals(backend, model.backend());
    BackendStats created = backend.stats().since(before);
    assertEquals(1, created.planBuilds(), "one RNN preparation per model");
    int parameters = model.parameters().size();
    // LSTM(3, 8, 2 layers, bidirectional): per layer and direction 4 * 8 * (in + 8) + 2 * 32; head
    // 16 * 2 + 2.
    assertEquals(2 * (32 * 11 + 64) + 2 * (32 * 24 + 64) + 34, model.parameterCount());
    assertEquals(parameters, created.uploads(), "each parameter's initial values, once");

    Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
    BackendStats start = backend.stats();
    for (int epoch = 1; epoch <= 3; epoch++) {
      Trainer.trainEpoch(model, optimizer, data, 8, 11, epoch, 1.0, null);
    }
    BackendStats steps = backend.stats().since(start);
    assertEquals(0, steps.planBuilds(), "15 steps, no preparation");
    assertEquals(0, steps.uploads(), "15 steps, no parameter or batch upload");
    assertEquals(0, steps.downloads(), "15 steps, no gradient download");

    optimizer.close();
    model.close();
    assertEquals(
        before.liveBlocks(),
        backend.stats().liveBlocks(),
        "closing the model and the optimizer frees every block they and the steps allocated");
    assertEquals(before.liveBytes(), backend.stats().liveBytes());
  }
}
