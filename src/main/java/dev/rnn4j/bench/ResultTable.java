package dev.rnn4j.bench;

import static dev.rnn4j.bench.Numbers.sig;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The report of a run on stdout: a header (machine, JDK, backend and BLAS path, threads, protocol,
 * FLOP convention, what each phase's call does) and one aligned row per case and phase, printed as
 * soon as it is measured. Columns have fixed widths for that reason.
 */
public final class ResultTable {
  private static final String ROW =
      "%-4s %-12s %-8s %5s %5s %2s %2s %4s %5s %9s %10s %10s %10s %10s %10s %5s %8s";

  private final PrintWriter out;

  public ResultTable(PrintWriter out) {
    this.out = out;
  }

  /** The header and the column titles. */
  public void printHeader(
      MachineInfo machine, BenchRunner runner, List<BenchCase> cases, List<Phase> phases) {
    BenchProtocol p = runner.protocol();
    out.printf(
        Locale.ROOT,
        "rnn4j bench: %d configuration%s x %d phase%s, float32, batch_first=True%n",
        cases.size(),
        cases.size() == 1 ? "" : "s",
        phases.size(),
        phases.size() == 1 ? "" : "s");
    out.println(machine.machineLine());
    out.println(machine.jdkLine());
    out.println("backend: " + runner.backend().description());
    out.println("threads: " + runner.threads());
    out.println("impl: " + runner.impl());
    out.println("protocol: " + describe(p));
    out.println(Flops.CONVENTION);
    for (Phase phase : phases) {
      out.println("phase " + phase.jsonName() + ": " + phase.description());
    }
    out.println();
    out.println(
        String.format(
                Locale.ROOT,
                ROW,
                "id",
                "phase",
                "cell",
                "I",
                "H",
                "L",
                "D",
                "N",
                "T",
                "GFLOP",
                "median ms",
                "p10 ms",
                "p90 ms",
                "min ms",
                "first ms",
                "reps",
                "GFLOP/s")
            .stripTrailing());
    out.flush();
  }

  /** One result's row. */
  public void printRow(BenchResult r) {
    BenchResult.Config c = r.config();
    out.println(
        String.format(
            Locale.ROOT,
            ROW,
            r.id(),
            r.phase(),
            c == null ? "-" : c.mode(),
            c == null ? "-" : c.inputSize(),
            c == null ? "-" : c.hiddenSize(),
            c == null ? "-" : c.numLayers(),
            c == null ? "-" : (c.bidirectional() ? 2 : 1),
            c == null ? "-" : c.batch(),
            c == null ? "-" : c.seq(),
            sig(r.flops() / 1e9, 3),
            sig(r.medianMs(), 4),
            sig(r.p10Ms(), 4),
            sig(r.p90Ms(), 4),
            sig(r.minMs(), 4),
            sig(r.firstMs(), 4),
            r.reps(),
            sig(r.gflops(), 3)));
    out.flush();
  }

  /** The protocol in one line. */
  static String describe(BenchProtocol p) {
    String reps =
        p.repetitions() > 0
            ? p.repetitions() + " timed repetition" + (p.repetitions() == 1 ? "" : "s")
            : String.format(
                Locale.ROOT,
                "timed repetitions for ~%s s (%d to %d)",
                Numbers.plain(p.measureSeconds()),
                BenchProtocol.MIN_REPETITIONS,
                BenchProtocol.MAX_REPETITIONS);
    return String.format(
        Locale.ROOT,
        "warm-up >= %s s and >= %d calls, then %s, each call timed with System.nanoTime; median,"
            + " p10..p90 spread, min; first = cold start (first call of a new module); seed %d",
        Numbers.plain(p.warmupSeconds()),
        BenchProtocol.MIN_WARMUP_CALLS,
        reps,
        p.seed());
  }
}
