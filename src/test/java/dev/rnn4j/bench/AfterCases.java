package dev.rnn4j.bench;

import dev.rnn4j.backend.cpu.CpuBackend;
import java.util.Arrays;
import java.util.List;

/**
 * One case's forward pass timed in a JVM that has first run other cases (both phases, 2 s of
 * warm-up each), as a compare's later cases and a library user's second model are: C2 compiles the
 * kernels with the profiles those cases left, and the Vector API's intrinsics need some of them
 * constant. Compare its figure with the case alone (no cases before it).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/rnn4j.jar:target/test-classes \
 *   dev.rnn4j.bench.AfterCases THREADS CASE [CASES_BEFORE] [WARMUP_SECONDS]
 * </pre>
 *
 * <p>For example {@code 1 C7 C1,C2,C3,C4,C5,C6 6}; the case's own warm-up defaults to 6 s.
 */
public final class AfterCases {
  private AfterCases() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: AfterCases THREADS CASE [CASES_BEFORE] [WARMUP_SECONDS]");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[0]);
    List<String> before =
        args.length > 2 && !args[2].isEmpty() ? Arrays.asList(args[2].split(",")) : List.of();
    double warmup = args.length > 3 ? Double.parseDouble(args[3]) : 6;
    CpuBackend cpu = CpuBackend.withThreads(threads);
    BenchRunner first =
        new BenchRunner(cpu, threads, BenchProtocol.defaults().withWarmupSeconds(2));
    for (String id : before) {
      for (Phase phase : Phase.DEFAULTS) {
        BenchResult r = first.run(BenchSuite.byId(id).orElseThrow(), phase);
        System.out.printf("before: %s %s %.4g ms%n", id, phase.jsonName(), r.medianMs());
      }
    }
    BenchRunner main =
        new BenchRunner(cpu, threads, BenchProtocol.defaults().withWarmupSeconds(warmup));
    BenchResult r = main.run(BenchSuite.byId(args[1]).orElseThrow(), Phase.FORWARD);
    System.out.printf("%s forward %.4g ms%n", args[1], r.medianMs());
  }
}
