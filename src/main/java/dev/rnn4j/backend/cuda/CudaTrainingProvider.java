package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.DeviceTraining;
import dev.rnn4j.train.TrainingConfig;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains on the GPU, all on the device, when the model is on a {@link CudaBackend} (a forecaster is always
 * a batch-first many-to-one model, which is what {@link CudaForecasterTraining} runs) and its optimizer
 * state, if resumed, counts the same steps for every parameter, as the device's one flat update does. A
 * checkpoint that does not (one written by another tool) trains through the host loop on the same backend,
 * and the log says so.
 */
public final class CudaTrainingProvider implements DeviceTraining.Provider {
  private static final Logger LOG = LoggerFactory.getLogger(CudaTrainingProvider.class);

  @Override
  public boolean takes(Backend backend) {
    return backend instanceof CudaBackend;
  }

  @Override
  public Optional<DeviceTraining> open(Backend backend, TrainingConfig config, StateDict weights,
      StateDict optimizerState, Tensor inputs, Tensor targets) {
    String why = unsupported(config, optimizerState);
    if (why != null) {
      LOG.info("training on {} through host tensors: device-resident training {}", backend.device(), why);
      return Optional.empty();
    }
    return Optional.of(new CudaForecasterTraining((CudaBackend) backend, config, weights, optimizerState, inputs, targets));
  }

  /** Why device training does not cover this run, or null when it does. */
  static String unsupported(TrainingConfig config, StateDict optimizerState) {
    Set<Double> counts = new HashSet<>();
    for (String name : optimizerState.names()) {
      if (name.startsWith("step.")) {
        counts.add(optimizerState.get(name).getFlat(0));
      }
    }
    if (counts.size() > 1) {
      return "needs one step count for every parameter, and the checkpoint has " + counts;
    }
    return null;
  }
}
