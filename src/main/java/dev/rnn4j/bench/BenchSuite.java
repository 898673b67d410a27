package dev.rnn4j.bench;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.RnnMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The fixed benchmark sets. Every case is float32 with {@code batch_first=True}; the ids never
 * change meaning, so results files from different runs and tools can be matched by id.
 *
 * <ul>
 *   <li>S1..S5: the configurations, with PyTorch CPU anchors (performance anchors, section
 *       5);
 *   <li>C1..C8: the CPU matrix (section 4);
 *   <li>G1..G13: the GPU matrix (section 3), for {@code --device cuda}; on the CPU most take
 *       seconds to minutes per call;
 *   <li>L1..L12: the loop grid, forecasters of one input column as {@code rnn4j train} fits them,
 *       for {@link Phase#LOOP} and {@link Phase#FORWARD_HOST} on a GPU: {@code LSTM(1, H)} with H
 *       32, 256 and 1024, batch N 32 and 256, sequence T 24 and 100, numbered with T fastest, then
 *       N, then H (L1 is H 32, N 32, T 24; L2 T 100; L3 N 256, T 24; ...; L12 H 1024, N 256, T
 *       100). A training step (3F) is 0.0195 GFLOP for L1 and 645 GFLOP for L12.
 * </ul>
 */
public final class BenchSuite {
  /** The set names {@link #set} accepts. */
  public static final List<String> SET_NAMES = List.of("S", "C", "G", "L", "all");

  private static final List<BenchCase> ALL =
      List.of(
          c(
              "S1",
              RnnMode.RNN_TANH,
              1,
              2,
              1,
              false,
              4,
              5,
              "the seed article's RNN: per-call overhead only"),
          c("S2", RnnMode.LSTM, 32, 64, 1, false, 32, 50, "small LSTM"),
          c("S3", RnnMode.LSTM, 256, 256, 2, false, 64, 100, "stacked LSTM"),
          c("S4", RnnMode.LSTM, 256, 256, 2, true, 64, 100, "S3, bidirectional"),
          c("S5", RnnMode.GRU, 256, 256, 2, false, 64, 100, "GRU with S3's sizes"),
          c("C1", RnnMode.LSTM, 128, 128, 1, false, 1, 100, "batch-1 inference (GEMV regime)"),
          c("C2", RnnMode.LSTM, 256, 256, 1, false, 1, 1, "single step, overhead-dominated"),
          c("C3", RnnMode.LSTM, 256, 256, 1, false, 32, 50, "small training"),
          c("C4", RnnMode.LSTM, 512, 512, 1, false, 64, 100, "fastrnns default"),
          c("C5", RnnMode.GRU, 256, 256, 2, false, 32, 100, "stacked GRU"),
          c("C6", RnnMode.RNN_TANH, 512, 512, 1, false, 64, 100, "vanilla"),
          c("C7", RnnMode.LSTM, 64, 128, 2, true, 16, 200, "stacked bidirectional"),
          c("C8", RnnMode.LSTM, 1024, 1024, 1, false, 16, 25, "17 MB of weights, beyond L2"),
          c("G1", RnnMode.LSTM, 512, 512, 1, false, 64, 100, "PyTorch benchmarks/fastrnns default"),
          c("G2", RnnMode.LSTM, 1024, 1024, 1, false, 64, 25, "DeepBench"),
          c("G3", RnnMode.LSTM, 2048, 2048, 1, false, 128, 25, "compute-bound"),
          c("G4", RnnMode.LSTM, 256, 256, 1, false, 16, 150, "latency-bound"),
          c("G5", RnnMode.GRU, 1024, 1024, 1, false, 32, 1500, "long T"),
          c("G6", RnnMode.GRU, 2048, 2048, 1, false, 32, 375, "DeepBench speech"),
          c("G7", RnnMode.RNN_TANH, 1760, 1760, 1, false, 16, 50, "DeepBench vanilla"),
          c("G8", RnnMode.LSTM, 123, 320, 4, true, 32, 1000, "4x320 BiLSTM"),
          c("G9", RnnMode.LSTM, 64, 128, 2, true, 32, 1000, "small H (PERSIST_STATIC_SMALL_H)"),
          c("G10", RnnMode.LSTM, 512, 512, 2, true, 64, 100, "typical encoder"),
          c("G11", RnnMode.LSTM, 512, 512, 1, false, 1, 1, "single-step latency"),
          c("G12", RnnMode.LSTM, 1024, 1024, 1, false, 1, 25, "batch-1 inference"),
          c("G13", RnnMode.LSTM, 1024, 1024, 2, false, 256, 128, "large-batch throughput"),
          c("L1", RnnMode.LSTM, 1, 32, 1, false, 32, 24, "small forecaster, train's window"),
          c("L2", RnnMode.LSTM, 1, 32, 1, false, 32, 100, "small forecaster, long window"),
          c("L3", RnnMode.LSTM, 1, 32, 1, false, 256, 24, "small forecaster, big batch"),
          c(
              "L4",
              RnnMode.LSTM,
              1,
              32,
              1,
              false,
              256,
              100,
              "small forecaster, big batch, long window"),
          c("L5", RnnMode.LSTM, 1, 256, 1, false, 32, 24, "forecaster"),
          c("L6", RnnMode.LSTM, 1, 256, 1, false, 32, 100, "forecaster, long window"),
          c("L7", RnnMode.LSTM, 1, 256, 1, false, 256, 24, "forecaster, big batch"),
          c("L8", RnnMode.LSTM, 1, 256, 1, false, 256, 100, "forecaster, big batch, long window"),
          c("L9", RnnMode.LSTM, 1, 1024, 1, false, 32, 24, "wide forecaster"),
          c("L10", RnnMode.LSTM, 1, 1024, 1, false, 32, 100, "wide forecaster, long window"),
          c("L11", RnnMode.LSTM, 1, 1024, 1, false, 256, 24, "wide forecaster, big batch"),
          c(
              "L12",
              RnnMode.LSTM,
              1,
              1024,
              1,
              false,
              256,
              100,
              "wide forecaster, big batch, long window"));

  private BenchSuite() {}

  /** Every case, in the order S, C, G, L and by number. */
  public static List<BenchCase> all() {
    return ALL;
  }

  /** The case with this id (case-insensitive: {@code s3} is S3). */
  public static Optional<BenchCase> byId(String id) {
    return ALL.stream().filter(c -> c.id().equalsIgnoreCase(id.strip())).findFirst();
  }

  /**
   * The cases of a set: {@code S}, {@code C}, {@code G}, {@code L}, or {@code all}, which is S and
   * C on the CPU and S, C, G and L on a GPU (the G and L sets are sized for a GPU).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static List<BenchCase> set(String name, boolean gpu) {
    String upper = name.strip().toUpperCase(Locale.ROOT);
    List<String> sets =
        switch (upper) {
          case "S", "C", "G", "L" -> List.of(upper);
          case "ALL" -> gpu ? List.of("S", "C", "G", "L") : List.of("S", "C");
          default ->
              throw new IllegalArgumentException(
                  "set must be one of S, C, G, L or all, got '" + name + "'");
        };
    List<BenchCase> cases = new ArrayList<>();
    for (BenchCase c : ALL) {
      if (sets.contains(c.set())) {
        cases.add(c);
      }
    }
    return cases;
  }

  /**
   * The cases with these ids, in the order given, without repeats.
   *
   * @throws IllegalArgumentException naming every unknown id
   */
  public static List<BenchCase> byIds(List<String> ids) {
    List<BenchCase> cases = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String id : ids) {
      Optional<BenchCase> c = byId(id);
      if (c.isEmpty()) {
        unknown.add("'" + id + "'");
      } else if (!cases.contains(c.get())) {
        cases.add(c.get());
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown benchmark id"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", unknown)
              + ": expected S1..S5, C1..C8, G1..G13 or L1..L12");
    }
    return cases;
  }

  private static BenchCase c(
      String id,
      RnnMode mode,
      int inputSize,
      int hiddenSize,
      int numLayers,
      boolean bidirectional,
      int batch,
      int seq,
      String note) {
    RnnConfig config =
        RnnConfig.builder(mode, inputSize, hiddenSize)
            .numLayers(numLayers)
            .bidirectional(bidirectional)
            .batchFirst(true)
            .build();
    return new BenchCase(id, config, batch, seq, note);
  }
}
