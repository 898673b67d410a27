package dev.rnn4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rnn4j.nn.SequenceModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * A {@link SequenceModelConfig} as JSON, in the form the PyTorch side writes with {@code
 * json.dump(..., indent=2)}:
 *
 * <pre>{@code
 * {
 *   "rnn": { ...a model config, see ModelConfigJson... },
 *   "head": {"in_features": 16, "out_features": 2, "bias": true},
 *   "many_to_one": true
 * }
 * }</pre>
 *
 * <p>{@code in_features} is redundant (it is D * H_out) and must agree. Parsing is as strict as
 * {@link ModelConfigJson}'s.
 */
public final class SequenceModelJson {
  private static final List<String> KEYS = List.of("rnn", "head", "many_to_one");
  private static final List<String> HEAD_KEYS = List.of("in_features", "out_features", "bias");

  private SequenceModelJson() {}

  /**
   * Parses and validates a sequence model config, as the class comment shows it.
   *
   * @param json the config object
   * @return the validated config
   * @throws IllegalArgumentException if the JSON or a value is invalid, naming it
   */
  public static SequenceModelConfig parse(String json) {
    JsonNode root = ModelConfigJson.readTree(json, "sequence model config");
    checkKeys(root, KEYS, "sequence model config");
    JsonNode head = ModelConfigJson.required(root, "head", "sequence model config");
    checkKeys(head, HEAD_KEYS, "head config");
    JsonNode rnn = ModelConfigJson.required(root, "rnn", "sequence model config");
    JsonNode manyToOne = ModelConfigJson.required(root, "many_to_one", "sequence model config");
    JsonNode outFeatures = ModelConfigJson.required(head, "out_features", "head config");
    JsonNode inFeatures = ModelConfigJson.required(head, "in_features", "head config");
    SequenceModelConfig config =
        new SequenceModelConfig(
            ModelConfigJson.fromTree(rnn),
            ModelConfigJson.sizeValue(outFeatures, "out_features"),
            !head.has("bias") || ModelConfigJson.boolValue(head.get("bias"), "bias"),
            ModelConfigJson.boolValue(manyToOne, "many_to_one"));
    int in = ModelConfigJson.sizeValue(inFeatures, "in_features");
    if (in != config.headInFeatures()) {
      throw new IllegalArgumentException(
          String.format(
              "head in_features must be D * H_out of the rnn. Expected %d, got %d",
              config.headInFeatures(), in));
    }
    return config;
  }

  /**
   * Reads {@code path} (UTF-8, at most 1 MiB); messages start with the path.
   *
   * @param path the file
   * @return the validated config
   * @throws IOException if the file cannot be read
   */
  public static SequenceModelConfig read(Path path) throws IOException {
    String json = ModelConfigJson.readText(path, "a sequence model config");
    try {
      return parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The JSON that {@link #parse} reads back, as Python's {@code json.dump(..., indent=2)} lays it
   * out.
   *
   * @param config the config
   * @return the JSON text, with a final newline
   */
  public static String toJson(SequenceModelConfig config) {
    String rnn = ModelConfigJson.toJson(config.rnn()).strip().replace("\n", "\n  ");
    return "{\n"
        + "  \"rnn\": "
        + rnn
        + ",\n"
        + "  \"head\": {\n"
        + "    \"in_features\": "
        + config.headInFeatures()
        + ",\n"
        + "    \"out_features\": "
        + config.outFeatures()
        + ",\n"
        + "    \"bias\": "
        + config.headBias()
        + "\n"
        + "  },\n"
        + "  \"many_to_one\": "
        + config.manyToOne()
        + "\n"
        + "}\n";
  }

  private static void checkKeys(JsonNode node, List<String> keys, String what) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(what + " must be a JSON object, got " + node);
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(
            String.format(
                "%s has unknown key %s; the keys are %s",
                what, JsonText.quote(key), String.join(", ", keys)));
      }
    }
  }
}
