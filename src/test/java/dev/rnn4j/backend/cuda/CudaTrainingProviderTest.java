package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rnn4j.backend.Backends;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.TrainingConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** What device training takes on, and the optimizer state it hands back (no GPU needed). */
class CudaTrainingProviderTest {
  @Test
  void otherBackendsAreNotTakenOn() {
    assertFalse(new CudaTrainingProvider().takes(Backends.cpu()));
  }

  @Test
  void aStateWithOneStepCountIsTakenOnAndMixedCountsAreNot() {
    TrainingConfig config = TrainingConfig.defaults();
    assertNull(CudaTrainingProvider.unsupported(config, StateDict.of(Map.of())));
    Map<String, Tensor> state = new LinkedHashMap<>();
    state.put("step.head.weight", Tensor.wrap(new double[] {7}));
    state.put("step.head.bias", Tensor.wrap(new double[] {7}));
    assertNull(CudaTrainingProvider.unsupported(config, StateDict.of(state)));
    state.put("step.head.bias", Tensor.wrap(new double[] {6}));
    assertEquals("needs one step count for every parameter, and the checkpoint has [6.0, 7.0]",
        CudaTrainingProvider.unsupported(config, StateDict.of(state)));
  }

  /** The device keeps the same buffers, under the same names, as the host's optimizers report. */
  @Test
  void deviceOptimizerStateHasTheHostOptimizersKinds() {
    for (OptimizerConfig c : List.of(OptimizerConfig.sgd(0.1), OptimizerConfig.sgd(0.1).withMomentum(0.9),
        OptimizerConfig.adam(0.01), OptimizerConfig.adam(0.01).withAmsgrad(true), OptimizerConfig.adamw(0.01))) {
      Optimizer host = c.create();
      StateDict params = StateDict.of(Map.of("w", Tensor.of(new float[] {1f, 2f}, 2)));
      host.step(params, StateDict.of(Map.of("w", Tensor.of(new float[] {0.5f, -0.5f}, 2))));
      TreeSet<String> hostKinds = new TreeSet<>();
      for (String name : host.state().names()) {
        hostKinds.add(name.substring(0, name.indexOf('.')));
      }
      hostKinds.remove("step");
      assertEquals(hostKinds, new TreeSet<>(CudaForecasterTraining.kinds(c)), c.toString());
    }
  }
}
