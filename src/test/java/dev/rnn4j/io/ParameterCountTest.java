package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.testing.Fixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code parameterCount()} and the parameter list behind {@code summary()} against PyTorch's {@code
 * named_parameters()} and {@code sum(p.numel() for p in module.parameters())}, recorded by {@code
 * src/test/python/generate_io_fixtures.py} for LSTM with proj_size, stacked bidirectional GRU, an
 * RNN without bias and sequence models.
 */
class ParameterCountTest {
  static Stream<JsonNode> cases() throws IOException {
    JsonNode manifest =
        new ObjectMapper().readTree(Fixtures.root("io").resolve("manifest.json").toFile());
    List<JsonNode> out = new ArrayList<>();
    manifest.get("parameter_counts").forEach(out::add);
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void countsAndShapesAreTorchs(JsonNode c) {
    RnnConfig rnnConfig = ModelConfigJson.parse(c.get("rnn").toString());
    List<String> expected = new ArrayList<>();
    c.get("params")
        .forEach(
            p -> expected.add(p.get(0).asText() + " " + p.get(1).toString().replace(",", ", ")));
    long total = c.get("total").asLong();

    if (c.has("out_features")) {
      SequenceModelConfig config =
          SequenceModelConfig.manyToOne(rnnConfig, c.get("out_features").asInt());
      try (SequenceModel model = SequenceModel.create(config, 1)) {
        assertEquals(expected, rows(model.parameters()), c.get("id").asText());
        assertEquals(total, model.parameterCount());
        assertEquals(total, model.rnn().parameterCount() + head(model.parameters()));
      }
    } else {
      try (Rnn rnn = Rnn.create(rnnConfig, 1)) {
        assertEquals(expected, rows(rnn.parameters()), c.get("id").asText());
        assertEquals(total, rnn.parameterCount());
      }
    }
  }

  private static List<String> rows(List<Parameter> parameters) {
    List<String> out = new ArrayList<>();
    parameters.forEach(p -> out.add(p.name() + " " + Shape.list(p.shape())));
    return out;
  }

  private static long head(List<Parameter> parameters) {
    return parameters.stream()
        .filter(p -> p.name().startsWith("head."))
        .mapToLong(Parameter::numel)
        .sum();
  }
}
