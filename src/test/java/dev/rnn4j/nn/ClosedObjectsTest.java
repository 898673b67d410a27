package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Modules, tapes and parameters used after close fail, naming what was closed, on every backend
 * alike.
 */
class ClosedObjectsTest {
  private static final RnnConfig GRU = RnnConfig.gru(2, 3).batchFirst(true).build();
  private static final Tensor X = Tensor.of(new float[2 * 4 * 2], 2, 4, 2);

  @Test
  void aClosedModuleFailsEvenAfterItRan() {
    Rnn rnn = Rnn.create(GRU, 1);
    rnn.forward(X);
    rnn.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> rnn.forward(X));
    assertEquals("GRU(2, 3, batch_first=True) used after close", e.getMessage());
    assertThrows(IllegalStateException.class, rnn::stateDict);
    Parameter p = rnn.parameters().get(0);
    e = assertThrows(IllegalStateException.class, p::data);
    assertEquals("parameter \"weight_ih_l0\" belongs to a module that was closed", e.getMessage());
  }

  @Test
  void aClosedTapeFails() {
    try (Rnn rnn = Rnn.create(GRU, 1)) {
      RnnTape tape = rnn.forwardForBackward(X, null, null);
      tape.close();
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> tape.backward(null, null, null));
      assertEquals("RnnTape of GRU(2, 3, batch_first=True) used after close", e.getMessage());
      assertThrows(IllegalStateException.class, tape::output);
    }
    SequenceModelConfig config = SequenceModelConfig.manyToOne(GRU, 2);
    try (SequenceModel model = SequenceModel.create(config, 1)) {
      SequenceModel.SequenceTape tape = model.forwardForBackward(X, null);
      tape.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, tape::prediction);
      assertEquals("SequenceTape of " + config + " used after close", e.getMessage());
    }
  }

  @Test
  void anOptimizerOfAClosedModelSaysSo() {
    SequenceModel model = SequenceModel.create(SequenceModelConfig.manyToOne(GRU, 2), 1);
    List<Parameter> parameters = model.parameters();
    try (Optimizer optimizer = OptimizerConfig.adam(0.1).create(parameters)) {
      try (SequenceModel.SequenceTape tape = model.forwardForBackward(X, null)) {
        tape.backward(Tensor.of(new float[4], 2, 2));
      }
      model.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, optimizer::step);
      assertEquals(
          "parameter \"rnn.weight_ih_l0\" belongs to a module that was closed", e.getMessage());
    }
  }
}
