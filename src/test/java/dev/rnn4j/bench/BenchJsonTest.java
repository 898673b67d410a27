package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.backend.BackendStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchJsonTest {
  @TempDir Path tmp;

  static BenchResult result(String id, String phase, double medianMs, String impl) {
    BenchCase c = BenchSuite.byId(id).orElseThrow();
    Phase p = Phase.fromJsonName(phase);
    long flops = c.flops(p);
    return new BenchResult(
        id,
        phase,
        medianMs,
        medianMs * 0.9,
        medianMs * 1.2,
        medianMs * 0.8,
        medianMs * 10,
        17,
        flops,
        flops / (medianMs * 1e6),
        2,
        "cpu",
        "float32",
        impl,
        BenchResult.Config.of(c.config(), c.batch(), c.seq()),
        new BackendStats(12, 4096, 0, 40, 0, 0, 0, 0));
  }

  @Test
  void roundTrip() throws IOException {
    List<BenchResult> results =
        List.of(
            result("S1", "forward", 0.0071234567, "rnn4j 0.1.0-SNAPSHOT (cpu (2 threads))"),
            result("S4", "train_step", 766.25, "rnn4j 0.1.0-SNAPSHOT (cpu (2 threads))"),
            result("G13", "forward", 1.5, "rnn4j"),
            result("L12", "loop", 80.5, "rnn4j"),
            result("L1", "forward_host", 0.25, "rnn4j"));
    Path file = tmp.resolve("r.json");
    BenchJson.write(file, results);
    assertEquals(results, BenchJson.read(file));
  }

  /** The names the PyTorch script writes too: they are the contract between the two tools. */
  @Test
  void schemaNames() throws IOException {
    String json = BenchJson.toJson(List.of(result("S4", "forward", 211, "rnn4j")));
    JsonNode root = new ObjectMapper().readTree(json);
    assertTrue(root.isArray());
    JsonNode o = root.get(0);
    assertEquals(
        List.of(
            "id",
            "phase",
            "median_ms",
            "p10_ms",
            "p90_ms",
            "min_ms",
            "first_ms",
            "reps",
            "gflops",
            "threads",
            "device",
            "dtype",
            "impl",
            "config",
            "backend_stats",
            "gflop_per_call",
            "flop_convention"),
        names(o));
    // rnn4j's own: the backend's counters over the timed calls (the PyTorch script has none).
    assertEquals(
        List.of(
            "driver_allocations",
            "cache_hits",
            "uploads",
            "downloads",
            "plan_builds",
            "live_blocks",
            "live_bytes",
            "cached_bytes"),
        names(o.get("backend_stats")));
    assertEquals(
        List.of(
            "mode",
            "input_size",
            "hidden_size",
            "num_layers",
            "bidirectional",
            "batch",
            "seq",
            "batch_first",
            "proj_size"),
        names(o.get("config")));
    assertEquals("LSTM", o.get("config").get("mode").asText());
    assertTrue(o.get("config").get("bidirectional").asBoolean());
    assertTrue(o.get("config").get("batch_first").asBoolean());
    assertEquals(64, o.get("config").get("batch").asInt());
    assertEquals(100, o.get("config").get("seq").asInt());
    assertEquals("float32", o.get("dtype").asText());
    assertEquals(33.554432, o.get("gflop_per_call").asDouble(), 1e-12);
    assertEquals(17, o.get("reps").asInt());
  }

  /**
   * An entry as src/main/python/bench_torch.py writes it, extras and Python's float spellings
   * included.
   */
  @Test
  void readsThePyTorchScriptsEntries() {
    String json =
"""
[
  {
    "id": "S2", "phase": "train_step", "median_ms": 4.03, "p10_ms": 3.9, "p90_ms": 4.4,
    "min_ms": 3.8, "first_ms": 25.0, "reps": 373, "gflops": 58.54, "threads": 2, "device": "cpu",
    "dtype": "float32", "impl": "pytorch 2.13.0",
    "config": {"mode": "LSTM", "input_size": 32, "hidden_size": 64, "num_layers": 1,
               "bidirectional": false, "batch": 32, "seq": 50, "batch_first": true, "proj_size": 0},
    "mean_ms": 4.1, "gflop_per_call": 0.2359296, "flop_convention": "full: ...", "interop_threads": 2
  },
  {"id": "S1", "phase": "forward", "median_ms": 0.07, "gflops": NaN}
]
""";
    List<BenchResult> r = BenchJson.parse(json, "torch.json");
    assertEquals(2, r.size());
    BenchResult s2 = r.get(0);
    assertEquals("pytorch 2.13.0", s2.impl());
    assertEquals(373, s2.reps());
    assertEquals(3 * BenchSuite.byId("S2").orElseThrow().forwardFlops(), s2.flops());
    BenchCase c = BenchSuite.byId("S2").orElseThrow();
    assertEquals(BenchResult.Config.of(c.config(), c.batch(), c.seq()), s2.config());
    BenchResult s1 = r.get(1);
    assertEquals(0.07, s1.medianMs());
    assertTrue(Double.isNaN(s1.p90Ms()));
    assertTrue(Double.isNaN(s1.gflops()));
    assertNull(s1.impl());
    assertNull(s1.config());
  }

  @Test
  void badFilesNameTheEntryAndField() {
    assertEquals(
        "f.json: expected a JSON array of results, got object", message("{\"id\": \"S1\"}"));
    assertEquals(
        "f.json: entry 1 has no 'phase'",
        message("[{\"id\": \"S1\", \"phase\": \"forward\", \"median_ms\": 1}, {\"id\": \"S1\"}]"));
    assertEquals(
        "f.json: entry 0 (S1 forward) has no 'median_ms'",
        message("[{\"id\": \"S1\", \"phase\": \"forward\"}]"));
    assertEquals(
        "f.json: entry 0 (S1 forward): 'median_ms' must be a number, got \"fast\"",
        message("[{\"id\": \"S1\", \"phase\": \"forward\", \"median_ms\": \"fast\"}]"));
    assertEquals(
        "f.json: entry 0 (S1 forward): 'reps' must be a whole number, got 2.5",
        message("[{\"id\": \"S1\", \"phase\": \"forward\", \"median_ms\": 1, \"reps\": 2.5}]"));
    assertEquals(
        "f.json: entry 0 (S1 forward) config: 'batch_first' must be true or false, got 1",
        message(
            "[{\"id\": \"S1\", \"phase\": \"forward\", \"median_ms\": 1, \"config\": {\"mode\":"
                + " \"RNN_TANH\", \"batch_first\": 1}}]"));
    assertTrue(message("[{\"id\": ").startsWith("f.json: not valid JSON: "));
  }

  private static String message(String json) {
    return assertThrows(IllegalArgumentException.class, () -> BenchJson.parse(json, "f.json"))
        .getMessage();
  }

  private static List<String> names(JsonNode o) {
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
