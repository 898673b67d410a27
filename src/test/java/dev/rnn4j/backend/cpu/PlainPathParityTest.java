package dev.rnn4j.backend.cpu;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.BackwardResult;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The plain-Java float32 path (what a JVM without {@code jdk.incubator.vector} runs; the other tests run
 * with the module) against PyTorch's gradient fixtures: outputs, states and every gradient, batched float32
 * cases, through the kernel directly.
 */
class PlainPathParityTest {

  @TestFactory
  Stream<DynamicTest> thePlainPathMatchesAutograd() {
    return Fixtures.cases("backward").stream()
        .filter(c -> c.entry().get("batched").asBoolean() && c.entry().get("dtype").asText().equals("float32"))
        .map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  private static void check(FixtureCase c) throws IOException {
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    SafetensorsFile weights = Safetensors.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    List<ParamKey> keys = ParamKey.all(config);
    List<Tensor> params = new ArrayList<>();
    keys.forEach(k -> params.add(weights.tensor(k.name())));
    int[] lengths = in.contains("lengths")
        ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray() : null;
    try (RnnKernel kernel = new CpuRnnKernel<>(config, new FloatMath(false), params, new Parallel(2))) {
      RnnKernel.Tape tape = kernel.forwardForBackward(new ForwardArgs(in.tensor("input"),
          in.contains("h0") ? in.tensor("h0") : null, in.contains("c0") ? in.tensor("c0") : null, lengths,
          false, 0));
      BackwardResult g = tape.backward(grad.tensor("grad_output"),
          grad.contains("grad_h_n") ? grad.tensor("grad_h_n") : null,
          grad.contains("grad_c_n") ? grad.tensor("grad_c_n") : null);
      double atol = c.atol();
      double rtol = c.rtol();
      assertClose(expected.tensor("output"), tape.result().output(), atol, rtol, c.id() + " output");
      assertClose(expected.tensor("h_n"), tape.result().hN(), atol, rtol, c.id() + " h_n");
      if (config.mode() == RnnMode.LSTM) {
        assertClose(expected.tensor("c_n"), tape.result().cN(), atol, rtol, c.id() + " c_n");
      }
      assertClose(expected.tensor("grad_input"), g.gradInput(), atol, rtol, c.id() + " grad_input");
      if (expected.contains("grad_h0")) {
        assertClose(expected.tensor("grad_h0"), g.gradH0(), atol, rtol, c.id() + " grad_h0");
      }
      for (int i = 0; i < keys.size(); i++) {
        String name = keys.get(i).name();
        assertClose(expected.tensor("grad." + name), g.parameterGrads().get(i), atol, rtol, c.id() + " " + name);
      }
    }
  }
}
