package dev.rnn4j.bench;

import static dev.rnn4j.bench.Numbers.sig;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Two results files side by side: entries matched by (id, phase), A's median over B's, and, when B
 * was measured with PyTorch, the issues' targets:
 *
 * <ul>
 *   <li>S2..S5, both phases: A/B at most 1.5;
 *   <li>S1 (pure per-call overhead): A's median at most 0.010 ms forward and 0.050 ms train_step;
 *   <li>G1, G2, G8 and G10 on the GPU, both phases: A/B at most 1.10 (PyTorch on the same GPU in
 *       the same run, with the same math: TF32 allowed on both sides, or on neither).
 * </ul>
 *
 * <p>Any phase is matched, {@code loop} and {@code forward_host} included; those two have no
 * target. Entries without a partner are listed, not errors; so is a repeated (id, phase), of which
 * the first counts. Rows note a difference of configuration, threads, device or dtype between the
 * two sides, since such a ratio compares different work.
 */
public final class Comparison {
  /** The ratio target of S2..S5. */
  public static final double RATIO_TARGET = 1.5;

  /** The ratio target of G1, G2, G8 and G10 on the GPU. */
  public static final double GPU_RATIO_TARGET = 1.10;

  /** S1's absolute targets, in ms. */
  public static final double S1_FORWARD_MS = 0.010;

  public static final double S1_TRAIN_STEP_MS = 0.050;

  /** One target: what is checked and whether it holds. */
  public record Target(String rule, boolean met) {}

  /**
   * One matched pair.
   *
   * @param target the target, or null when none applies
   * @param notes differences between the two sides that make the ratio suspect
   */
  public record Row(
      String id,
      String phase,
      BenchResult a,
      BenchResult b,
      double ratio,
      Target target,
      List<String> notes) {}

  private final List<Row> rows;
  private final List<String> onlyInA;
  private final List<String> onlyInB;
  private final boolean bIsPyTorch;

  private Comparison(
      List<Row> rows, List<String> onlyInA, List<String> onlyInB, boolean bIsPyTorch) {
    this.rows = rows;
    this.onlyInA = onlyInA;
    this.onlyInB = onlyInB;
    this.bIsPyTorch = bIsPyTorch;
  }

  /** Matches {@code a} against {@code b}, in A's order. */
  public static Comparison of(List<BenchResult> a, List<BenchResult> b) {
    List<String> onlyInA = new ArrayList<>();
    List<String> onlyInB = new ArrayList<>();
    Map<String, BenchResult> byKey = index(b, onlyInB, "B");
    Map<String, BenchResult> aByKey = index(a, onlyInA, "A");
    boolean bIsPyTorch =
        !b.isEmpty()
            && b.stream()
                .allMatch(
                    r ->
                        r.impl() != null
                            && r.impl().toLowerCase(Locale.ROOT).startsWith("pytorch"));
    List<Row> rows = new ArrayList<>();
    Set<String> matched = new LinkedHashSet<>();
    for (Map.Entry<String, BenchResult> e : aByKey.entrySet()) {
      BenchResult ra = e.getValue();
      BenchResult rb = byKey.get(e.getKey());
      if (rb == null) {
        onlyInA.add(label(ra));
        continue;
      }
      matched.add(e.getKey());
      double ratio = ra.medianMs() / rb.medianMs();
      rows.add(
          new Row(
              ra.id(),
              ra.phase(),
              ra,
              rb,
              ratio,
              bIsPyTorch ? target(ra, ratio) : null,
              notes(ra, rb)));
    }
    for (Map.Entry<String, BenchResult> e : byKey.entrySet()) {
      if (!matched.contains(e.getKey())) {
        onlyInB.add(label(e.getValue()));
      }
    }
    return new Comparison(
        List.copyOf(rows), List.copyOf(onlyInA), List.copyOf(onlyInB), bIsPyTorch);
  }

  public List<Row> rows() {
    return rows;
  }

  /** A's entries without a partner in B (and A's repeats), as {@code "S1 forward"}. */
  public List<String> onlyInA() {
    return onlyInA;
  }

  /** B's entries without a partner in A (and B's repeats). */
  public List<String> onlyInB() {
    return onlyInB;
  }

  /** Whether every entry of B names PyTorch as its {@code impl}, which turns the targets on. */
  public boolean bIsPyTorch() {
    return bIsPyTorch;
  }

  /** The target for an S-set entry, or null when it has none. */
  static Target target(BenchResult a, double ratio) {
    String id = a.id().toUpperCase(Locale.ROOT);
    boolean forward = a.phase().equals(Phase.FORWARD.jsonName());
    boolean trainStep = a.phase().equals(Phase.TRAIN_STEP.jsonName());
    if (!forward && !trainStep) {
      return null;
    }
    if (id.equals("S1")) {
      double limit = forward ? S1_FORWARD_MS : S1_TRAIN_STEP_MS;
      return new Target(String.format(Locale.ROOT, "A <= %.3f ms", limit), a.medianMs() <= limit);
    }
    if (List.of("S2", "S3", "S4", "S5").contains(id)) {
      return new Target("A/B <= " + RATIO_TARGET, ratio <= RATIO_TARGET);
    }
    if (List.of("G1", "G2", "G8", "G10").contains(id)) {
      return new Target(
          String.format(Locale.ROOT, "A/B <= %.2f", GPU_RATIO_TARGET), ratio <= GPU_RATIO_TARGET);
    }
    return null;
  }

  private static List<String> notes(BenchResult a, BenchResult b) {
    List<String> notes = new ArrayList<>();
    if (a.config() != null && b.config() != null && !a.config().equals(b.config())) {
      notes.add("configs differ: A " + a.config() + ", B " + b.config());
    }
    if (a.threads() != 0 && b.threads() != 0 && a.threads() != b.threads()) {
      notes.add("threads A " + a.threads() + ", B " + b.threads());
    }
    if (a.device() != null && b.device() != null && !a.device().equals(b.device())) {
      notes.add("device A " + a.device() + ", B " + b.device());
    }
    if (a.dtype() != null && b.dtype() != null && !a.dtype().equals(b.dtype())) {
      notes.add("dtype A " + a.dtype() + ", B " + b.dtype());
    }
    return List.copyOf(notes);
  }

  /** Entries by (id, phase), first one wins; repeats go to {@code leftOver}. */
  private static Map<String, BenchResult> index(
      List<BenchResult> results, List<String> leftOver, String side) {
    Map<String, BenchResult> map = new LinkedHashMap<>();
    for (BenchResult r : results) {
      String key = r.id().toUpperCase(Locale.ROOT) + " " + r.phase();
      if (map.putIfAbsent(key, r) != null) {
        leftOver.add(label(r) + " (repeated in " + side + ", ignored)");
      }
    }
    return map;
  }

  private static String label(BenchResult r) {
    return r.id() + " " + r.phase();
  }

  /** The comparison as a table, with the files' names and implementations above it. */
  public void print(
      PrintWriter out, String aName, String bName, List<BenchResult> a, List<BenchResult> b) {
    out.println("A: " + aName + " (" + impls(a) + ")");
    out.println("B: " + bName + " (" + impls(b) + ")");
    if (bIsPyTorch) {
      out.printf(
          Locale.ROOT,
          "targets (B is PyTorch): A/B <= %s for S2-S5 (both phases); S1 A <= %.3f ms "
              + "forward, <= %.3f ms train_step; A/B <= %.2f for G1, G2, G8, G10 (both phases)%n",
          RATIO_TARGET,
          S1_FORWARD_MS,
          S1_TRAIN_STEP_MS,
          GPU_RATIO_TARGET);
    } else {
      out.println("targets: not checked (B is not PyTorch)");
    }
    out.println();
    String row = "%-4s %-12s %12s %12s %7s  %-14s %-4s %s";
    out.println(
        String.format(
                Locale.ROOT,
                row,
                "id",
                "phase",
                "A median ms",
                "B median ms",
                "A/B",
                "target",
                "met",
                "notes")
            .stripTrailing());
    int checked = 0;
    int met = 0;
    for (Row r : rows) {
      String targetRule = r.target() == null ? "-" : r.target().rule();
      String verdict = r.target() == null ? "-" : r.target().met() ? "yes" : "NO";
      if (r.target() != null) {
        checked++;
        met += r.target().met() ? 1 : 0;
      }
      out.println(
          String.format(
                  Locale.ROOT,
                  row,
                  r.id(),
                  r.phase(),
                  sig(r.a().medianMs(), 4),
                  sig(r.b().medianMs(), 4),
                  String.format(Locale.ROOT, "%.3f", r.ratio()),
                  targetRule,
                  verdict,
                  String.join("; ", r.notes()))
              .stripTrailing());
    }
    if (!onlyInA.isEmpty()) {
      out.println("only in A: " + String.join(", ", onlyInA));
    }
    if (!onlyInB.isEmpty()) {
      out.println("only in B: " + String.join(", ", onlyInB));
    }
    if (bIsPyTorch) {
      out.printf(Locale.ROOT, "targets met: %d of %d%n", met, checked);
    }
    out.flush();
  }

  private static String impls(List<BenchResult> results) {
    Set<String> impls = new LinkedHashSet<>();
    for (BenchResult r : results) {
      impls.add(Objects.requireNonNullElse(r.impl(), "impl not given"));
    }
    return impls.isEmpty() ? "no entries" : String.join("; ", impls);
  }
}
