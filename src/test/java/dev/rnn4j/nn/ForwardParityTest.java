package dev.rnn4j.nn;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.io.ModelConfigJson;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CPU backend against PyTorch on every forward fixture: outputs, h_n and c_n within {@link
 * Tolerance#forward}, about 10x above the worst error observed and tighter than the manifest's
 * (float32 atol 2e-5, rtol 1e-4; float64 1e-9).
 */
class ForwardParityTest {

  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesPyTorch() {
    return Fixtures.forwardCases().stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  @Test
  void theGridCoversWhatTheContractPromises() {
    List<FixtureCase> cases = Fixtures.forwardCases();
    assertTrue(cases.size() >= 128 + 4, "cases: " + cases.size());
    for (String mode : List.of("RNN_TANH", "RNN_RELU", "LSTM", "GRU")) {
      assertTrue(
          cases.stream()
              .anyMatch(
                  c ->
                      c.entry().get("mode").asText().equals(mode)
                          && c.entry().get("has_lengths").asBoolean()),
          mode + " with lengths");
      assertTrue(
          cases.stream()
              .anyMatch(
                  c ->
                      c.entry().get("mode").asText().equals(mode)
                          && !c.entry().get("batched").asBoolean()),
          mode + " unbatched");
      assertTrue(
          cases.stream()
              .anyMatch(
                  c ->
                      c.entry().get("mode").asText().equals(mode)
                          && c.entry().get("dtype").asText().equals("float64")),
          mode + " float64");
    }
    assertTrue(cases.stream().anyMatch(c -> c.entry().get("config").path("proj_size").asInt() > 0));
  }

  static void check(FixtureCase c) throws IOException {
    RnnConfig config = ModelConfigJson.read(c.dir().resolve("config.json"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
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
      int[] lengths = null;
      if (in.contains("lengths")) {
        lengths =
            java.util.Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray();
      }
      RnnOutput out = rnn.forward(in.tensor("input"), state, lengths);
      Tolerance bar = Tolerance.forward(c);
      assertClose(
          expected.tensor("output"), out.output(), bar.atol(), bar.rtol(), c.id() + " output");
      assertClose(expected.tensor("h_n"), out.hN(), bar.atol(), bar.rtol(), c.id() + " h_n");
      assertEquals(
          config.mode() == RnnMode.LSTM, expected.contains("c_n"), c.id() + " c_n presence");
      if (config.mode() == RnnMode.LSTM) {
        assertClose(expected.tensor("c_n"), out.cN(), bar.atol(), bar.rtol(), c.id() + " c_n");
      }
      Tensor input = in.tensor("input");
      assertEquals(input.dtype(), out.output().dtype(), "output dtype follows the weights");
    }
  }
}
