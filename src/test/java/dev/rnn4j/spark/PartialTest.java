package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.Trainer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Partial#stepGradient}, the one check and mean that both Spark modes end a step with. */
class PartialTest {
  private static final StateDict PARAMS =
      StateDict.of(Map.of("w", Tensor.wrap(new double[] {0, 0}, 2)));

  @Test
  void theSumOfTheSharesIsTheStepsMeanLossAndGradient() {
    Trainer.StepGradient g = new Partial(0, new double[] {1, 2}, 3.0, 4).stepGradient(4, PARAMS);
    assertEquals(0.75, g.loss());
    assertArrayEquals(new double[] {1, 2}, g.grads().get("w").toDoubleArray(), 0);
  }

  @Test
  void aNonFiniteLossCarriesNoGradient() {
    Trainer.StepGradient g =
        new Partial(0, new double[] {1, 2}, Double.NaN, 4).stepGradient(4, PARAMS);
    assertEquals(Double.NaN, g.loss());
    assertNull(g.grads());
  }

  @Test
  void sharesThatMissSamplesOfTheStepAreAnError() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> new Partial(0, new double[] {1, 2}, 3.0, 3).stepGradient(4, PARAMS));
    assertEquals(
        "the shares' gradients must cover the step (its k mini-batches). Expected 4 samples, got 3",
        e.getMessage());
  }
}
