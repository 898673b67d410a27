package dev.rnn4j.train;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SequenceModelJson;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModel.SequenceTape;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Whole models against PyTorch: the loss (MSE or cross-entropy) of a model built or trained in
 * PyTorch, and its gradients with respect to every parameter ({@code rnn.*}, {@code head.*}) and
 * the input, within {@link Tolerance#model}.
 */
class SequenceModelGradientTest {

  @TestFactory
  Stream<DynamicTest> lossAndGradientsMatchAutograd() {
    return Fixtures.cases("model").stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  private static void check(FixtureCase c) throws IOException {
    SequenceModelConfig config = SequenceModelJson.read(c.dir().resolve("model.json"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    int[] lengths =
        in.contains("lengths")
            ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray()
            : null;
    try (SequenceModel model =
        SequenceModel.fromStateDict(
            config, StateDictFiles.read(c.dir().resolve("weights.safetensors")))) {
      model.eval();
      SequenceTape tape = model.forwardForBackward(in.tensor("input"), lengths);
      LossResult loss =
          c.entry().get("task").asText().equals("classification")
              ? CrossEntropyLoss.compute(tape.prediction(), in.int64s("target"))
              : MseLoss.compute(tape.prediction(), in.tensor("target"));
      Tolerance bar = Tolerance.model(c);
      double expectedLoss = expected.tensor("loss").getFlat(0);
      assertEquals(
          expectedLoss,
          loss.value(),
          bar.atol() + bar.rtol() * Math.abs(expectedLoss),
          c.id() + " loss");
      Tensor gradInput = tape.backward(loss.gradient());
      assertClose(
          expected.tensor("grad_input"), gradInput, bar.atol(), bar.rtol(), c.id() + " grad_input");
      StateDict grads = model.grad();
      assertEquals(
          model.stateDict().names(), grads.names(), c.id() + " every parameter has a gradient");
      for (String name : grads.names()) {
        assertClose(
            expected.tensor("grad." + name),
            grads.get(name),
            bar.atol(),
            bar.rtol(),
            c.id() + " " + name);
      }
    }
  }
}
