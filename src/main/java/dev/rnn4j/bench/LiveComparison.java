package dev.rnn4j.bench;

import static dev.rnn4j.bench.Numbers.left;
import static dev.rnn4j.bench.Numbers.right;
import static dev.rnn4j.bench.Numbers.sig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * rnn4j against PyTorch measured in one run, round by round: in each round every case and phase is
 * timed on both sides, one right after the other (rnn4j first in even rounds, PyTorch first in odd
 * ones), so that a slow minute of a shared machine slows both. Each side's figure is the median of
 * its round medians, its spread their range, and the ratio the median of the round ratios rnn4j /
 * PyTorch.
 *
 * <p>The first round warms each measurement up for the protocol's seconds; later rounds for at most
 * {@link #LATER_WARMUP_SECONDS}, since both sides' code is compiled by then (each measurement still
 * gets a new module and input, and its first call is still a cold start).
 */
public final class LiveComparison {
  /** The fewest rounds: a median of round ratios needs several. */
  public static final int MIN_ROUNDS = 4;

  /** Warm-up of each measurement after the first round, in seconds. */
  public static final double LATER_WARMUP_SECONDS = 1.0;

  /** The CPU issue's target for sets S and C with two threads or more: rnn4j / PyTorch. */
  public static final double TARGET_THREADS = 0.8;

  /** The CPU issue's target for sets S and C with one thread. */
  public static final double TARGET_ONE_THREAD = 0.9;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One case and phase: both sides' results, one per round, in round order. */
  public record Entry(String id, String phase, List<BenchResult> rnn4j, List<BenchResult> pytorch) {
    /** rnn4j's median over PyTorch's, per round. */
    public double[] roundRatios() {
      double[] r = new double[rnn4j.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = rnn4j.get(i).medianMs() / pytorch.get(i).medianMs();
      }
      return r;
    }

    /** The median of {@link #roundRatios}. */
    public double ratio() {
      return median(roundRatios());
    }

    /** The median of rnn4j's round medians, in ms. */
    public double rnn4jMs() {
      return median(medians(rnn4j));
    }

    /** The median of PyTorch's round medians, in ms. */
    public double pytorchMs() {
      return median(medians(pytorch));
    }
  }

  private final BenchRunner runner;
  private final PyTorchServer pytorch;
  private final int rounds;

  /**
   * @param runner rnn4j's side, whose protocol the first round follows
   * @param pytorch PyTorch's side, with the same thread count
   * @param rounds at least {@link #MIN_ROUNDS}
   */
  public LiveComparison(BenchRunner runner, PyTorchServer pytorch, int rounds) {
    if (rounds < MIN_ROUNDS) {
      throw new IllegalArgumentException(
          "a live comparison needs at least " + MIN_ROUNDS + " rounds, got " + rounds);
    }
    this.runner = runner;
    this.pytorch = pytorch;
    this.rounds = rounds;
  }

  /** Runs every round; {@code progress} sees one line per measurement. */
  public List<Entry> run(List<BenchCase> cases, List<Phase> phases, Consumer<String> progress) {
    List<Entry> entries = new ArrayList<>();
    for (BenchCase c : cases) {
      for (Phase phase : phases) {
        entries.add(new Entry(c.id(), phase.jsonName(), new ArrayList<>(), new ArrayList<>()));
      }
    }
    for (int round = 0; round < rounds; round++) {
      BenchProtocol protocol =
          round == 0
              ? runner.protocol()
              : runner.protocol().withWarmupSeconds(laterWarmupSeconds());
      BenchRunner side = new BenchRunner(runner.backend(), runner.threads(), protocol);
      int i = 0;
      for (BenchCase c : cases) {
        for (Phase phase : phases) {
          Entry e = entries.get(i++);
          BenchResult ours;
          BenchResult theirs;
          if (round % 2 == 0) {
            ours = side.run(c, phase);
            theirs = pytorch.run(c, phase, protocol);
          } else {
            theirs = pytorch.run(c, phase, protocol);
            ours = side.run(c, phase);
          }
          e.rnn4j().add(ours);
          e.pytorch().add(theirs);
          progress.accept(
              String.format(
                  Locale.ROOT,
                  "round %d/%d  %-4s %-12s rnn4j %s ms  PyTorch %s ms  ratio %s",
                  round + 1,
                  rounds,
                  c.id(),
                  phase.jsonName(),
                  sig(ours.medianMs(), 4),
                  sig(theirs.medianMs(), 4),
                  sig(ours.medianMs() / theirs.medianMs(), 3)));
        }
      }
    }
    return entries;
  }

  private double laterWarmupSeconds() {
    return Math.min(LATER_WARMUP_SECONDS, runner.protocol().warmupSeconds());
  }

  /**
   * The target of a case and phase at a thread count: "-" outside sets S and C and for phases other
   * than forward and train_step.
   */
  public static String target(String id, String phase, int threads) {
    if (!hasTarget(id, phase)) {
      return "-";
    }
    return "<= " + (threads >= 2 ? TARGET_THREADS : TARGET_ONE_THREAD);
  }

  /** Whether an entry meets {@link #target}; true where there is none. */
  public static boolean met(Entry e, int threads) {
    if (!hasTarget(e.id(), e.phase())) {
      return true;
    }
    return e.ratio() <= (threads >= 2 ? TARGET_THREADS : TARGET_ONE_THREAD);
  }

  private static boolean hasTarget(String id, String phase) {
    return (id.startsWith("S") || id.startsWith("C"))
        && (phase.equals(Phase.FORWARD.jsonName()) || phase.equals(Phase.TRAIN_STEP.jsonName()));
  }

  /** The summary table, one row per case and phase. */
  public void print(PrintWriter out, List<Entry> entries) {
    int threads = runner.threads();
    out.println();
    out.println("A: " + runner.impl());
    out.println("B: " + pytorch.impl() + ", " + threads + " threads");
    out.println(
        rounds
            + " rounds, interleaved; each side: median of round medians [range]; ratio: median of"
            + " round ratios A/B");
    out.println();
    out.println(
        left("id", 4)
            + " "
            + left("phase", 11)
            + right("A ms", 10)
            + "  "
            + left("[range]", 21)
            + right("B ms", 10)
            + "  "
            + left("[range]", 21)
            + right("A/B", 7)
            + "  "
            + left("rounds", 7 * rounds)
            + left("target", 8)
            + "met");
    int met = 0;
    int targets = 0;
    for (Entry e : entries) {
      StringBuilder roundRatios = new StringBuilder();
      for (double r : e.roundRatios()) {
        roundRatios.append(left(sig(r, 3) + " ", 7));
      }
      String target = target(e.id(), e.phase(), threads);
      boolean ok = met(e, threads);
      if (!target.equals("-")) {
        targets++;
        met += ok ? 1 : 0;
      }
      out.println(
          left(e.id(), 4)
              + " "
              + left(e.phase(), 11)
              + right(sig(e.rnn4jMs(), 4), 10)
              + "  "
              + left(range(e.rnn4j()), 21)
              + right(sig(e.pytorchMs(), 4), 10)
              + "  "
              + left(range(e.pytorch()), 21)
              + right(sig(e.ratio(), 3), 7)
              + "  "
              + left(roundRatios.toString(), 7 * rounds)
              + left(target, 8)
              + (target.equals("-") ? "-" : ok ? "yes" : "NO"));
    }
    out.println("targets met: " + met + " of " + targets);
    out.flush();
  }

  /**
   * The whole run as JSON: both sides' descriptions, and per case and phase the ratio, the round
   * ratios and both sides' results of every round (as {@link BenchJson} writes them).
   */
  public String toJson(List<Entry> entries) {
    ObjectNode root = JSON.createObjectNode();
    root.put("rnn4j_impl", runner.impl());
    root.put("pytorch_impl", pytorch.impl());
    root.put("pytorch_description", pytorch.description());
    MachineInfo machine = MachineInfo.current();
    root.put("machine", machine.machineLine() + "; " + machine.jdkLine());
    root.put("threads", runner.threads());
    root.put("rounds", rounds);
    root.put("first_round_warmup_seconds", runner.protocol().warmupSeconds());
    root.put("later_warmup_seconds", laterWarmupSeconds());
    ArrayNode list = root.putArray("entries");
    for (Entry e : entries) {
      ObjectNode o = list.addObject();
      o.put("id", e.id());
      o.put("phase", e.phase());
      o.put("ratio", e.ratio());
      ArrayNode ratios = o.putArray("round_ratios");
      Arrays.stream(e.roundRatios()).forEach(ratios::add);
      o.put("rnn4j_ms", e.rnn4jMs());
      o.put("pytorch_ms", e.pytorchMs());
      o.put("target", target(e.id(), e.phase(), runner.threads()));
      o.set("rnn4j", BenchJson.toTree(e.rnn4j()));
      o.set("pytorch", BenchJson.toTree(e.pytorch()));
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot write the comparison as JSON", ex);
    }
  }

  private static String range(List<BenchResult> results) {
    double[] m = medians(results);
    return "["
        + sig(Arrays.stream(m).min().orElse(0), 4)
        + ".."
        + sig(Arrays.stream(m).max().orElse(0), 4)
        + "]";
  }

  private static double[] medians(List<BenchResult> results) {
    return results.stream().mapToDouble(BenchResult::medianMs).toArray();
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
