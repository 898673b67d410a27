package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.io.ModelFiles;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A model trained through the public training calls (forwardForBackward, the loss, backward,
 * clipGradNorm, the optimizer's step and zeroGrad) follows PyTorch's own loop step by step: every
 * step's loss within the manifest's relative tolerance of PyTorch's (float32 1e-5, float64 1e-9),
 * on fixtures written by {@code src/test/python/generate_loop_fixtures.py}.
 */
class LossTrajectoryTest {
  private static final Path ROOT = Path.of("src/test/resources/fixtures/loop");

  @TestFactory
  Stream<DynamicTest> everyStepsLossFollowsPyTorch() throws IOException {
    return cases(Backends.cpu());
  }

  /** One test per fixture case, run on {@code backend}. */
  static Stream<DynamicTest> cases(Backend backend) throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    try (Stream<Path> versions = Files.list(ROOT)) {
      for (Path version : versions.sorted().toList()) {
        JsonNode manifest = new ObjectMapper().readTree(version.resolve("manifest.json").toFile());
        for (JsonNode entry : manifest.get("cases")) {
          tests.add(dynamicTest(entry.get("id").asText(), () -> check(version, entry, backend)));
        }
      }
    }
    assertTrue(tests.size() >= 3, "the loop fixtures are missing");
    return tests.stream();
  }

  static void check(Path version, JsonNode entry) throws IOException {
    check(version, entry, Backends.cpu());
  }

  /** The case on {@code backend}: the model moved there, each step's tensors copied there. */
  static void check(Path version, JsonNode entry, Backend backend) throws IOException {
    Path dir = version.resolve(entry.get("id").asText());
    SafetensorsFile steps = Safetensors.read(dir.resolve("steps.safetensors"));
    OptimizerConfig optimizerConfig = OptimizerConfig.fromJson(entry.get("optimizer").toString());
    double clipNorm = entry.get("clip_norm").asDouble();
    double rtol = entry.get("loss_rtol").asDouble();
    boolean classification = entry.get("task").asText().equals("classification");
    try (SequenceModel model = ModelFiles.read(dir).to(backend).train();
        Optimizer optimizer = optimizerConfig.create(model.parameters())) {
      assertEquals(DType.valueOf(entry.get("dtype").asText().toUpperCase()), model.dtype());
      for (int k = 0; k < entry.get("steps").asInt(); k++) {
        Tensor input = steps.tensor("input." + k).to(backend.device());
        int[] lengths =
            steps.contains("lengths." + k) ? toInts(steps.int64s("lengths." + k)) : null;
        double loss;
        try (SequenceModel.SequenceTape tape = model.forwardForBackward(input, lengths)) {
          LossResult result =
              classification
                  ? CrossEntropyLoss.compute(
                      tape.prediction().view(-1, model.config().outFeatures()),
                      steps.int64s("target." + k))
                  : MseLoss.compute(
                      tape.prediction(), steps.tensor("target." + k).to(backend.device()));
          tape.backward(
              classification
                  ? result.gradient().view(tape.prediction().shape())
                  : result.gradient());
          loss = result.value();
        }
        if (clipNorm > 0) {
          GradClipping.clipGradNorm(model.parameters(), clipNorm);
        }
        optimizer.step();
        optimizer.zeroGrad();
        double expected = steps.tensor("loss." + k).getFlat(0);
        double relative = Math.abs(loss - expected) / Math.abs(expected);
        assertTrue(
            relative <= rtol,
            String.format(
                "%s step %d: loss %s, PyTorch %s, relative difference %s " + "over %s",
                entry.get("id").asText(), k, loss, expected, relative, rtol));
      }
    }
  }

  private static int[] toInts(long[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (int) values[i];
    }
    return out;
  }
}
