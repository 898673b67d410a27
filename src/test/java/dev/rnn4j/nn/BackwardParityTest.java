package dev.rnn4j.nn;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.RnnTape.RnnGradients;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Backpropagation through time against PyTorch's autograd on every backward fixture: the gradients
 * of sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n * grad_c_n) with respect to the
 * input, h0, c0 and every parameter, within {@link Tolerance#backward}, about 10x above the worst
 * error observed and tighter than the manifest's (float32 atol 1e-4, rtol 1e-3; float64 1e-9).
 */
class BackwardParityTest {

  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesAutograd() {
    return Fixtures.cases("backward").stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  static void check(FixtureCase c) throws IOException {
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    try (Rnn rnn =
        Rnn.fromStateDict(config, StateDictFiles.read(c.dir().resolve("weights.safetensors")))) {
      rnn.eval();
      RnnState state = null;
      if (in.contains("h0")) {
        state =
            in.contains("c0")
                ? RnnState.of(in.tensor("h0"), in.tensor("c0"))
                : RnnState.of(in.tensor("h0"));
      }
      int[] lengths =
          in.contains("lengths")
              ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray()
              : null;
      RnnTape tape = rnn.forwardForBackward(in.tensor("input"), state, lengths);
      RnnGradients g =
          tape.backward(
              grad.tensor("grad_output"),
              grad.contains("grad_h_n") ? grad.tensor("grad_h_n") : null,
              grad.contains("grad_c_n") ? grad.tensor("grad_c_n") : null);
      Tolerance bar = Tolerance.backward(c);
      double atol = bar.atol();
      double rtol = bar.rtol();
      String id = c.id();
      assertClose(expected.tensor("output"), tape.output().output(), atol, rtol, id + " output");
      assertClose(expected.tensor("h_n"), tape.output().hN(), atol, rtol, id + " h_n");
      if (config.mode() == RnnMode.LSTM) {
        assertClose(expected.tensor("c_n"), tape.output().cN(), atol, rtol, id + " c_n");
      }
      assertClose(expected.tensor("grad_input"), g.input(), atol, rtol, id + " grad_input");
      assertEquals(expected.contains("grad_h0"), g.h0().isPresent(), id + " grad_h0 presence");
      if (expected.contains("grad_h0")) {
        assertClose(expected.tensor("grad_h0"), g.h0().orElseThrow(), atol, rtol, id + " grad_h0");
      }
      assertEquals(expected.contains("grad_c0"), g.c0().isPresent(), id + " grad_c0 presence");
      if (expected.contains("grad_c0")) {
        assertClose(expected.tensor("grad_c0"), g.c0().orElseThrow(), atol, rtol, id + " grad_c0");
      }
      StateDict grads = rnn.grad();
      List<String> expectedNames =
          expected.names().stream()
              .filter(n -> n.startsWith("grad."))
              .map(n -> n.substring(5))
              .sorted()
              .toList();
      assertEquals(
          expectedNames, grads.names().stream().sorted().toList(), id + " parameter gradients");
      for (String name : grads.names()) {
        assertClose(
            expected.tensor("grad." + name), grads.get(name), atol, rtol, id + " grad." + name);
      }
    }
  }
}
