package dev.rnn4j.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rnn4j.backend.BackendStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results file: a JSON array with one object per configuration and phase. rnn4j and the PyTorch
 * benchmark script write the same schema, so that {@code bench --compare} can read either:
 *
 * <pre>{@code
 * [{"id": "S3", "phase": "forward", "median_ms": 97.7, "p10_ms": 96.1, "p90_ms": 99.0, "min_ms": 95.8,
 *   "first_ms": 130.2, "reps": 16, "gflops": 137.4, "threads": 2, "device": "cpu", "dtype": "float32",
 *   "impl": "pytorch 2.13.0",
 *   "config": {"mode": "LSTM", "input_size": 256, "hidden_size": 256, "num_layers": 2,
 *              "bidirectional": false, "batch": 64, "seq": 100, "batch_first": true, "proj_size": 0},
 *   "backend_stats": {"driver_allocations": 0, "cache_hits": 320, "uploads": 0, "downloads": 0,
 *                     "plan_builds": 0, "live_blocks": 12, "live_bytes": 1048576, "cached_bytes": 0},
 *   "gflop_per_call": 13.4217728, "flop_convention": "full: ..."}]
 * }</pre>
 *
 * <p>{@code src/main/python/bench_torch.py} writes the same keys (and a few extras of its own,
 * which are ignored here). Times are milliseconds per call; {@code phase} is {@code forward},
 * {@code train_step}, {@code loop} or {@code forward_host} ({@link Phase}); {@code config} is the
 * recurrent module's for every phase (the loop's head is always {@code Linear(D * H_out, 1)});
 * {@code mode} is PyTorch's {@code module.mode} ({@code RNN_TANH}, {@code RNN_RELU}, {@code LSTM},
 * {@code GRU}); {@code backend_stats} (rnn4j's only) is what the backend's counters did over the
 * timed repetitions.
 *
 * <p>Reading requires {@code id}, {@code phase} and {@code median_ms}; every other field may be
 * missing (a missing number reads as NaN, or 0 for counts; missing text or config as null) and
 * unknown fields are ignored, but a field that is present must have its type.
 */
public final class BenchJson {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          // Python's json.dump writes NaN for a float NaN unless told not to.
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  // Laid out as Python's json.dump(indent=2) lays it out: one entry per line group, "key": value.
  private static final ObjectWriter PRETTY =
      JSON.writer(
          new DefaultPrettyPrinter()
              .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE)
              .withSeparators(
                  Separators.createDefaultInstance()
                      .withObjectFieldValueSpacing(Separators.Spacing.AFTER)));

  /**
   * The {@code flop_convention} each entry carries: the PyTorch script's wording, so that both
   * agree.
   */
  static final String FLOP_CONVENTION =
      "full: F = D*sum_l 2*G*H*(I_l+H_out)*N*T (+2*P*H*N*T); forward and forward_host F/t, "
          + "train_step and loop 3F/t";

  private BenchJson() {}

  /** The results as the JSON text described above. */
  public static String toJson(List<BenchResult> results) {
    try {
      return PRETTY.writeValueAsString(toTree(results)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write results as JSON", e);
    }
  }

  /** The array {@link #toJson} writes, as a tree (for files that embed results). */
  static ArrayNode toTree(List<BenchResult> results) {
    ArrayNode array = JSON.createArrayNode();
    for (BenchResult r : results) {
      ObjectNode o = array.addObject();
      o.put("id", r.id());
      o.put("phase", r.phase());
      o.put("median_ms", r.medianMs());
      o.put("p10_ms", r.p10Ms());
      o.put("p90_ms", r.p90Ms());
      o.put("min_ms", r.minMs());
      o.put("first_ms", r.firstMs());
      o.put("reps", r.reps());
      o.put("gflops", r.gflops());
      o.put("threads", r.threads());
      o.put("device", r.device());
      o.put("dtype", r.dtype());
      o.put("impl", r.impl());
      if (r.config() == null) {
        o.putNull("config");
      } else {
        BenchResult.Config c = r.config();
        ObjectNode cn = o.putObject("config");
        cn.put("mode", c.mode());
        cn.put("input_size", c.inputSize());
        cn.put("hidden_size", c.hiddenSize());
        cn.put("num_layers", c.numLayers());
        cn.put("bidirectional", c.bidirectional());
        cn.put("batch", c.batch());
        cn.put("seq", c.seq());
        cn.put("batch_first", c.batchFirst());
        cn.put("proj_size", c.projSize());
      }
      if (r.backendStats() != null) {
        BackendStats b = r.backendStats();
        ObjectNode bn = o.putObject("backend_stats");
        bn.put("driver_allocations", b.driverAllocations());
        bn.put("cache_hits", b.cacheHits());
        bn.put("uploads", b.uploads());
        bn.put("downloads", b.downloads());
        bn.put("plan_builds", b.planBuilds());
        bn.put("live_blocks", b.liveBlocks());
        bn.put("live_bytes", b.liveBytes());
        bn.put("cached_bytes", b.cachedBytes());
      }
      // Extras, named as the PyTorch script names them.
      o.put("gflop_per_call", r.flops() / 1e9);
      o.put("flop_convention", FLOP_CONVENTION);
    }
    return array;
  }

  /** Writes {@link #toJson} to {@code file}, replacing it. */
  public static void write(Path file, List<BenchResult> results) throws IOException {
    Files.writeString(file, toJson(results), StandardCharsets.UTF_8);
  }

  /**
   * Reads a results file.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it is not a results array, naming the entry and field
   */
  public static List<BenchResult> read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Parses results text; {@code source} names it in messages. */
  public static List<BenchResult> parse(String text, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          source
              + ": expected a JSON array of results, got "
              + (root == null
                  ? "nothing"
                  : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
    }
    List<BenchResult> results = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      results.add(entry(root.get(i), source + ": entry " + i));
    }
    return results;
  }

  private static BenchResult entry(JsonNode o, String where) {
    if (!o.isObject()) {
      throw new IllegalArgumentException(where + " is not an object");
    }
    String id = text(o, "id", where, true);
    String phase = text(o, "phase", where, true);
    String at = where + " (" + id + " " + phase + ")";
    return new BenchResult(
        id,
        phase,
        number(o, "median_ms", at, true),
        number(o, "p10_ms", at, false),
        number(o, "p90_ms", at, false),
        number(o, "min_ms", at, false),
        number(o, "first_ms", at, false),
        (int) integer(o, "reps", at),
        flops(o, at),
        number(o, "gflops", at, false),
        (int) integer(o, "threads", at),
        text(o, "device", at, false),
        text(o, "dtype", at, false),
        text(o, "impl", at, false),
        config(o.get("config"), at),
        backendStats(o.get("backend_stats"), at));
  }

  private static BackendStats backendStats(JsonNode b, String where) {
    if (b == null || b.isNull()) {
      return null;
    }
    String at = where + " backend_stats";
    if (!b.isObject()) {
      throw new IllegalArgumentException(at + " is not an object");
    }
    return new BackendStats(
        integer(b, "live_blocks", at),
        integer(b, "live_bytes", at),
        integer(b, "driver_allocations", at),
        integer(b, "cache_hits", at),
        integer(b, "cached_bytes", at),
        integer(b, "uploads", at),
        integer(b, "downloads", at),
        integer(b, "plan_builds", at));
  }

  private static BenchResult.Config config(JsonNode c, String where) {
    if (c == null || c.isNull()) {
      return null;
    }
    String at = where + " config";
    if (!c.isObject()) {
      throw new IllegalArgumentException(at + " is not an object");
    }
    return new BenchResult.Config(
        text(c, "mode", at, true),
        (int) integer(c, "input_size", at),
        (int) integer(c, "hidden_size", at),
        (int) integer(c, "num_layers", at),
        bool(c, "bidirectional", at),
        (int) integer(c, "batch", at),
        (int) integer(c, "seq", at),
        bool(c, "batch_first", at),
        (int) integer(c, "proj_size", at));
  }

  /** {@code gflop_per_call} as a FLOP count; 0 when absent. */
  private static long flops(JsonNode o, String where) {
    double gflop = number(o, "gflop_per_call", where, false);
    return Double.isNaN(gflop) ? 0 : Math.round(gflop * 1e9);
  }

  private static String text(JsonNode o, String field, String where, boolean required) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(where + " has no '" + field + "'");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + ": '" + field + "' must be a string, got " + v);
    }
    return v.asText();
  }

  private static double number(JsonNode o, String field, String where, boolean required) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(where + " has no '" + field + "'");
      }
      return Double.NaN;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(where + ": '" + field + "' must be a number, got " + v);
    }
    return v.asDouble();
  }

  private static long integer(JsonNode o, String field, String where) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return 0;
    }
    // Python writes 13421772800.0 for a float; accept any whole number.
    if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble())) {
      throw new IllegalArgumentException(
          where + ": '" + field + "' must be a whole number, got " + v);
    }
    return v.isIntegralNumber() ? v.asLong() : (long) v.asDouble();
  }

  private static boolean bool(JsonNode o, String field, String where) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(
          where + ": '" + field + "' must be true or false, got " + v);
    }
    return v.asBoolean();
  }
}
