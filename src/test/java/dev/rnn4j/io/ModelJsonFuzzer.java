package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModelConfig;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Jazzer's target for the model config JSON parsers (docs/fuzzing.md): any text is either a valid
 * {@link ModelConfigJson} or {@link SequenceModelJson} config or refused with the documented {@link
 * IllegalArgumentException}; a valid config is written back as JSON that parses to an equal config.
 *
 * <p>Seeds: {@code ModelJsonFuzzerInputs/parse/}, model.json files of the model fixtures and an
 * {@code nn.LSTM} config.
 */
class ModelJsonFuzzer {
  @FuzzTest(maxDuration = "20s")
  void parse(byte[] bytes) {
    String json = new String(bytes, StandardCharsets.UTF_8);
    RnnConfig rnn = parsedOrNull(() -> ModelConfigJson.parse(json));
    if (rnn != null) {
      assertEquals(rnn, ModelConfigJson.parse(ModelConfigJson.toJson(rnn)));
    }
    SequenceModelConfig model = parsedOrNull(() -> SequenceModelJson.parse(json));
    if (model != null) {
      assertEquals(model, SequenceModelJson.parse(SequenceModelJson.toJson(model)));
    }
  }

  /** The parsed value, or null where the parser refused the text as its javadoc says it does. */
  static <T> T parsedOrNull(Supplier<T> parser) {
    try {
      return parser.get();
    } catch (IllegalArgumentException refused) {
      return null;
    }
  }
}
