package dev.rnn4j.backend.cpu;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.BackwardResult;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.backend.RnnKernel.ForwardResult;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
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
 * The plain-Java float32 path (what a JVM without {@code jdk.incubator.vector} runs; the other
 * tests run with the module) against PyTorch's gradient fixtures: outputs, states and every
 * gradient, batched float32 cases, through the kernel directly, within {@link Tolerance#backward}.
 */
class PlainPathParityTest {

  @TestFactory
  Stream<DynamicTest> thePlainPathMatchesAutograd() {
    return Fixtures.cases("backward").stream()
        .filter(
            c ->
                c.entry().get("batched").asBoolean()
                    && c.entry().get("dtype").asText().equals("float32"))
        .map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  /** The kernel's host storage for a host tensor, or null for null. */
  private static HostStorage host(Tensor t) {
    return t == null ? null : (HostStorage) t.storage();
  }

  private static Tensor optional(SafetensorsFile file, String name) {
    return file.contains(name) ? file.tensor(name) : null;
  }

  /** A host tensor viewing a kernel result (a CPU kernel's storages are host storages). */
  private static Tensor view(Storage s, int... shape) {
    assertEquals(DType.FLOAT32, s.dtype());
    return Tensor.viewOf(s, shape);
  }

  private static void check(FixtureCase c) throws IOException {
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    SafetensorsFile weights = Safetensors.read(c.dir().resolve("weights.safetensors"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile grad = Safetensors.read(c.dir().resolve("grad.safetensors"));
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    List<ParamKey> keys = ParamKey.all(config);
    int[] lengths =
        in.contains("lengths")
            ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray()
            : null;
    Tensor input = in.tensor("input");
    int steps = config.batchFirst() ? input.size(1) : input.size(0);
    int batch = config.batchFirst() ? input.size(0) : input.size(1);
    int layersTimesD = config.numLayers() * config.numDirections();
    int width = config.numDirections() * config.outputSize();
    int[] outputShape =
        config.batchFirst() ? new int[] {batch, steps, width} : new int[] {steps, batch, width};
    // The plain path, whatever the JVM has: FloatMath without the Vector API, two threads.
    CpuBackend backend = CpuBackend.withThreads(2);
    try (RnnKernel kernel =
        new CpuRnnKernel<>(config, DType.FLOAT32, new FloatMath(false), new Parallel(2), backend)) {
      List<Storage> params = kernel.parameters();
      assertEquals(keys.size(), params.size());
      for (int i = 0; i < keys.size(); i++) {
        backend.upload(host(weights.tensor(keys.get(i).name())), params.get(i));
      }
      try (RnnKernel.Tape tape =
          kernel.forwardForBackward(
              new ForwardArgs(
                  host(input),
                  steps,
                  batch,
                  host(optional(in, "h0")),
                  host(optional(in, "c0")),
                  lengths,
                  false,
                  0,
                  0))) {
        BackwardResult g =
            tape.backward(
                host(grad.tensor("grad_output")),
                host(optional(grad, "grad_h_n")),
                host(optional(grad, "grad_c_n")));
        ForwardResult r = tape.result();
        Tolerance bar = Tolerance.backward(c);
        double atol = bar.atol();
        double rtol = bar.rtol();
        assertClose(
            expected.tensor("output"),
            view(r.output(), outputShape),
            atol,
            rtol,
            c.id() + " output");
        assertClose(
            expected.tensor("h_n"),
            view(r.hN(), layersTimesD, batch, config.outputSize()),
            atol,
            rtol,
            c.id() + " h_n");
        if (config.mode() == RnnMode.LSTM) {
          assertClose(
              expected.tensor("c_n"),
              view(r.cN(), layersTimesD, batch, config.hiddenSize()),
              atol,
              rtol,
              c.id() + " c_n");
        } else {
          assertNull(r.cN(), c.id() + " c_n");
        }
        assertClose(
            expected.tensor("grad_input"),
            view(g.gradInput(), input.shape()),
            atol,
            rtol,
            c.id() + " grad_input");
        if (expected.contains("grad_h0")) {
          assertClose(
              expected.tensor("grad_h0"),
              view(g.gradH0(), layersTimesD, batch, config.outputSize()),
              atol,
              rtol,
              c.id() + " grad_h0");
        }
        List<Storage> grads = kernel.gradients();
        for (int i = 0; i < keys.size(); i++) {
          String name = keys.get(i).name();
          assertClose(
              expected.tensor("grad." + name),
              view(grads.get(i), keys.get(i).shape(config)),
              atol,
              rtol,
              c.id() + " " + name);
        }
      }
    }
  }
}
