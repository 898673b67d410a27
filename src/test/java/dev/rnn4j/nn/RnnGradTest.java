package dev.rnn4j.nn;

import static dev.rnn4j.nn.RnnConfigTest.assertMessage;
import static dev.rnn4j.nn.RnnTest.randn;
import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The module's side of autograd: accumulation in grad(), zeroGrad(), one backward per tape, checks.
 */
class RnnGradTest {
  private final Rnn rnn = Rnn.create(RnnConfig.lstm(3, 4).numLayers(2).build(), 5).eval();
  private final Tensor x = randn(1, 6, 2, 3);

  @Test
  void gradientsAccumulateUntilZeroed() {
    assertEquals(0, rnn.grad().size(), "no gradient before a backward pass, as p.grad is None");
    Tensor g = randn(2, 6, 2, 4);
    rnn.forwardForBackward(x, null, null).backward(g, null, null);
    StateDict once = rnn.grad();
    assertEquals(rnn.stateDict().names(), once.names());
    rnn.forwardForBackward(x, null, null).backward(g, null, null);
    for (String name : once.names()) {
      assertClose(once.get(name).add(once.get(name)), rnn.grad().get(name), 1e-6, 0, name);
    }
    rnn.zeroGrad();
    assertEquals(0, rnn.grad().size());
  }

  @Test
  void theTapeAgreesWithForward() {
    RnnOutput plain = rnn.forward(x);
    RnnTape tape = rnn.forwardForBackward(x, null, null);
    assertEquals(plain.output(), tape.output().output());
    assertEquals(plain.hN(), tape.output().hN());
    assertEquals(plain.cN(), tape.output().cN());
  }

  @Test
  void aTapeIsUsedOnce() {
    RnnTape tape = rnn.forwardForBackward(x, null, null);
    tape.backward(null, null, null);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> tape.backward(null, null, null));
    assertTrue(
        e.getMessage().startsWith("Trying to backward through the graph a second time"),
        e.getMessage());
  }

  @Test
  void gradientsMustMatchTheResults() {
    RnnTape tape = rnn.forwardForBackward(x, null, null);
    assertMessage(
        "Mismatch in shape: grad_output has a shape of [6, 2, 3] and output has a shape of [6, 2, 4].",
        () -> tape.backward(randn(3, 6, 2, 3), null, null));
    assertMessage(
        "grad_h_n must have the type torch.float32 (the h_n's), got type torch.float64",
        () -> tape.backward(null, Tensor.zeros(DType.FLOAT64, 2, 2, 4), null));
    Rnn gru = Rnn.create(RnnConfig.gru(3, 4).build(), 1);
    assertMessage(
        "grad_c_n was given, but GRU has no c_n (a cell state exists only for LSTM)",
        () ->
            gru.forwardForBackward(x, null, null)
                .backward(null, null, Tensor.zeros(DType.FLOAT32, 1, 2, 4)));
    assertEquals(0, rnn.grad().size(), "a rejected backward changes nothing");
    tape.backward(null, null, null);
  }
}
