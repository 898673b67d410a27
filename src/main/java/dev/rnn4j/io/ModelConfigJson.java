package dev.rnn4j.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rnn4j.internal.PythonText;
import dev.rnn4j.nn.Nonlinearity;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.RnnMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * An {@link RnnConfig} as JSON whose keys are the constructor arguments of {@code torch.nn.RNN},
 * {@code LSTM} and {@code GRU}, plus {@code mode}:
 *
 * <pre>{@code
 * {
 *   "mode": "LSTM",
 *   "input_size": 10,
 *   "hidden_size": 20,
 *   "num_layers": 2,
 *   "bias": true,
 *   "batch_first": false,
 *   "dropout": 0.0,
 *   "bidirectional": true,
 *   "proj_size": 0
 * }
 * }</pre>
 *
 * <p>So a model's config can be written from Python with {@code json.dump(kwargs, f)} and the
 * module rebuilt with {@code getattr(torch.nn, cfg.pop("mode"))(**cfg)}. {@code mode}, {@code
 * input_size} and {@code hidden_size} are required; a missing optional key takes PyTorch's default.
 * Parsing is strict: an unknown key, a duplicate key, or a value of the wrong JSON type (the string
 * {@code "2"} for an integer, {@code 1} for a boolean) is an error, and the values are then
 * validated by {@link RnnConfig.Builder#build()}, with its messages. Every failure is an {@link
 * IllegalArgumentException}.
 */
public final class ModelConfigJson {
  /** The keys, in the order {@link #toJson} writes them. */
  private static final List<String> KEYS =
      List.of(
          "mode",
          "input_size",
          "hidden_size",
          "num_layers",
          "bias",
          "batch_first",
          "dropout",
          "bidirectional",
          "nonlinearity",
          "proj_size");

  /** A config file is a few hundred bytes; anything much larger is not one. */
  static final long MAX_FILE_BYTES = 1 << 20;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private ModelConfigJson() {}

  /**
   * Parses and validates a model config.
   *
   * @param json the config object, as in the class comment
   * @return the validated config
   * @throws IllegalArgumentException if the JSON or a value is invalid, naming it
   */
  public static RnnConfig parse(String json) {
    return fromTree(readTree(json, "model config"));
  }

  /**
   * One JSON value, strictly: duplicate keys and trailing content are errors, and messages name
   * {@code what} and the parser's location.
   */
  static JsonNode readTree(String json, String what) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try (JsonParser p = MAPPER.createParser(json)) {
      root = MAPPER.readTree(p);
      if (root != null && p.nextToken() != null) {
        JsonLocation at = p.currentTokenLocation();
        throw new IllegalArgumentException(
            String.format(
                "%s is not valid JSON: content after the %s object (line %d, column %d)",
                what, what.replace("model ", ""), at.getLineNr(), at.getColumnNr()));
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          String.format(
              "%s is not valid JSON: %s (line %d, column %d)",
              what,
              e.getOriginalMessage(),
              at == null ? -1 : at.getLineNr(),
              at == null ? -1 : at.getColumnNr()),
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a parser over a String does no I/O
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException(what + " must be a JSON object, got no JSON value");
    }
    return root;
  }

  /** A config from its parsed JSON object; the parser already rejected duplicate keys. */
  static RnnConfig fromTree(JsonNode root) {
    if (!root.isObject()) {
      throw new IllegalArgumentException("model config must be a JSON object, got " + root);
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            String.format(
                "model config has unknown key %s; the keys are %s",
                JsonText.quote(key), String.join(", ", KEYS)));
      }
    }
    RnnMode mode = mode(required(root, "mode", "model config"));
    int inputSize = sizeValue(required(root, "input_size", "model config"), "input_size");
    int hiddenSize = sizeValue(required(root, "hidden_size", "model config"), "hidden_size");
    RnnConfig.Builder b = RnnConfig.builder(mode, inputSize, hiddenSize);
    if (root.has("num_layers")) {
      int numLayers = intValue(root.get("num_layers"), "num_layers");
      SizeLimits.checkAtMost("num_layers", numLayers, SizeLimits.MAX_NUM_LAYERS);
      b.numLayers(numLayers);
    }
    if (root.has("bias")) {
      b.bias(boolValue(root.get("bias"), "bias"));
    }
    if (root.has("batch_first")) {
      b.batchFirst(boolValue(root.get("batch_first"), "batch_first"));
    }
    if (root.has("dropout")) {
      JsonNode v = root.get("dropout");
      if (!v.isNumber()) {
        throw new IllegalArgumentException("dropout must be a number, got " + v);
      }
      b.dropout(v.doubleValue());
    }
    if (root.has("bidirectional")) {
      b.bidirectional(boolValue(root.get("bidirectional"), "bidirectional"));
    }
    if (root.has("nonlinearity")) {
      JsonNode v = root.get("nonlinearity");
      if (!v.isTextual()) {
        throw new IllegalArgumentException("nonlinearity must be a string, got " + v);
      }
      b.nonlinearity(Nonlinearity.fromTorchName(v.textValue()));
    }
    if (root.has("proj_size")) {
      b.projSize(sizeValue(root.get("proj_size"), "proj_size"));
    }
    return b.build();
  }

  /**
   * Reads and parses the model config at {@code path} (UTF-8, at most 1 MiB). Content errors are
   * {@link IllegalArgumentException}s whose message starts with the path.
   *
   * @param path the file
   * @return the validated config
   * @throws IOException if the file cannot be read
   */
  public static RnnConfig read(Path path) throws IOException {
    String json = readText(path, "a model config");
    try {
      return parse(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  /** A small UTF-8 JSON file (at most 1 MiB) as text; {@code what} names it in messages. */
  static String readText(Path path, String what) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(
          String.format("%s: file is over the %d bytes %s may have", path, MAX_FILE_BYTES, what));
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(path + ": file is not valid UTF-8", e);
    }
  }

  /**
   * {@code config} as JSON in the form Python's {@code json.dump(cfg, f, indent=2)} writes,
   * followed by a newline: keys in constructor order, {@code nonlinearity} for RNN only, {@code
   * proj_size} for LSTM only, floats as Python's {@code repr}.
   *
   * @param config the config
   * @return the JSON text
   */
  public static String toJson(RnnConfig config) {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"mode\": \"").append(config.mode().moduleName()).append("\",\n");
    sb.append("  \"input_size\": ").append(config.inputSize()).append(",\n");
    sb.append("  \"hidden_size\": ").append(config.hiddenSize()).append(",\n");
    sb.append("  \"num_layers\": ").append(config.numLayers()).append(",\n");
    sb.append("  \"bias\": ").append(config.bias()).append(",\n");
    sb.append("  \"batch_first\": ").append(config.batchFirst()).append(",\n");
    sb.append("  \"dropout\": ").append(PythonText.floatRepr(config.dropout())).append(",\n");
    sb.append("  \"bidirectional\": ").append(config.bidirectional());
    switch (config.mode()) {
      case RNN_TANH:
      case RNN_RELU:
        sb.append(",\n  \"nonlinearity\": \"")
            .append(config.nonlinearity().torchName())
            .append('"');
        break;
      case LSTM:
        sb.append(",\n  \"proj_size\": ").append(config.projSize());
        break;
      default:
        break;
    }
    return sb.append("\n}\n").toString();
  }

  /** {@code node.get(key)}, which must be present; {@code what} names the object in the message. */
  static JsonNode required(JsonNode node, String key, String what) {
    JsonNode v = node.get(key);
    if (v == null) {
      throw new IllegalArgumentException(what + " is missing required key \"" + key + "\"");
    }
    return v;
  }

  private static RnnMode mode(JsonNode v) {
    String s = v.isTextual() ? v.textValue() : "";
    switch (s) {
      case "RNN":
        return RnnMode.RNN_TANH; // nonlinearity "relu" makes it RNN_RELU
      case "LSTM":
        return RnnMode.LSTM;
      case "GRU":
        return RnnMode.GRU;
      default:
        throw new IllegalArgumentException(
            "mode must be one of \"RNN\", \"LSTM\", \"GRU\", got " + v);
    }
  }

  static int intValue(JsonNode v, String key) {
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(key + " must be an integer, got " + v);
    }
    if (!v.canConvertToInt()) {
      throw new IllegalArgumentException(
          String.format(
              "%s must be an integer in [%d, %d], got %s",
              key, Integer.MIN_VALUE, Integer.MAX_VALUE, v));
    }
    return v.intValue();
  }

  /** An integer feature size, at most {@link SizeLimits#MAX_FEATURES}. */
  static int sizeValue(JsonNode v, String key) {
    int size = intValue(v, key);
    SizeLimits.checkAtMost(key, size, SizeLimits.MAX_FEATURES);
    return size;
  }

  static boolean boolValue(JsonNode v, String key) {
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(key + " must be a boolean, got " + v);
    }
    return v.booleanValue();
  }
}
