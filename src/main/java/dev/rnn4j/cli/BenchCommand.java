package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.bench.BenchCase;
import dev.rnn4j.bench.BenchJson;
import dev.rnn4j.bench.BenchProtocol;
import dev.rnn4j.bench.BenchResult;
import dev.rnn4j.bench.BenchRunner;
import dev.rnn4j.bench.BenchSuite;
import dev.rnn4j.bench.Comparison;
import dev.rnn4j.bench.LiveComparison;
import dev.rnn4j.bench.MachineInfo;
import dev.rnn4j.bench.Phase;
import dev.rnn4j.bench.PyTorchServer;
import dev.rnn4j.bench.ResultTable;
import dev.rnn4j.io.AtomicFiles;
import dev.rnn4j.train.MemoryEstimate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j bench}: times the fixed benchmark configurations in the chosen phases (by default
 * forward and training step; also a whole training loop's step and the forward pass on host
 * tensors) and prints them as a table, optionally writing the results JSON; or, with {@code
 * --compare}, sets two results files side by side. Everything but option parsing lives in {@link
 * dev.rnn4j.bench}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header =
        "Times RNN, LSTM and GRU configurations, alone or against PyTorch in the same run, or"
            + " compares two results files.",
    customSynopsis = {
      "rnn4j bench [--device=cpu|cuda] [--set=S|C|G|L|all | --only=ID[,ID...]]",
      "                   [--phases=PHASE[,PHASE...]] [--threads=N] [--json=FILE]",
      "                   [--repetitions=N] [--warmup-seconds=X] [-hV]",
      "       rnn4j bench --compare [--rounds=N] [--python=EXE] [--set=S|C | --only=ID[,ID...]]",
      "                   [--phases=PHASE[,PHASE...]] [--threads=N] [--json=FILE] ...",
      "       rnn4j bench --compare A.json B.json"
    },
    description = {
      "Each configuration runs in the phases --phases names (default forward,train_step), "
          + "float32, batch_first=True, standard normal input, weights initialized as PyTorch "
          + "does: forward (rnn.eval().forward(x)), train_step (forward, then backward of "
          + "sum(output) to the input and every weight, no optimizer), loop (a training step "
          + "through the public API: the RNN with a Linear(D*H_out, 1) head on the last step, MSE "
          + "loss, backward, clipGradNorm(1.0), Adam(lr=1e-3) step and zeroGrad, the loss read "
          + "every 10 steps) and forward_host (forward of a host tensor, copied to the device and "
          + "back; on the CPU the same as forward). Except in forward_host, the input is on the "
          + "device before timing.",
      "Per phase: a warm-up (at least 3 calls and --warmup-seconds, then on while the JIT is"
          + " still compiling, up to 10 times as long; its first call is reported as the cold"
          + " start), then timed repetitions; the table gives median, p10, p90, min, the cold"
          + " start, the repetitions and GFLOP/s from the median, under a header naming the"
          + " machine, JDK, BLAS and threads.",
      "Sets: S (S1..S5, the issue's), C (C1..C8, the CPU matrix), G (G1..G13, the GPU matrix, sized"
          + " for --device cuda), L (L1..L12, LSTM(1, H) forecasters for the loop: H 32, 256, 1024"
          + " x batch 32, 256 x seq 24, 100), all (S and C on the CPU, S, C, G and L on a GPU).",
      "",
      "--compare with no files times rnn4j (A) against PyTorch (B) on the CPU in one run: it starts"
          + " its own copy of bench_torch.py --serve with the Python of --python (else"
          + " $RNN4J_PYTHON, else python3), and in each of --rounds rounds (at least 4) times every"
          + " case and phase on both sides, one right after the other. Each side's figure is the"
          + " median of its round medians with their range; A/B is the median of the round ratios,"
          + " checked against the CPU targets (S and C, forward and train_step: at most 0.8 with 2"
          + " threads or more, 0.9 with one). Later rounds warm up for at most 1 s.",
      "--compare A.json B.json matches A's and B's entries by (id, phase), any phase, and prints"
          + " both medians and A/B; when B was measured with PyTorch, the issues' targets are"
          + " checked (S1..S5; G1, G2, G8 and G10 on a GPU; none for loop and forward_host).",
      "",
      "Exit codes: 0 done, 1 failure (device unavailable, unreadable file), 2 usage error."
    })
final class BenchCommand implements Runnable {
  /** The options a comparison takes: the rest are about running benchmarks. */
  private static final Set<String> COMPARE_OPTIONS = Set.of("--compare", "--help", "--version");

  @Spec private CommandSpec spec;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "cpu",
      description =
          "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}); cuda never falls back to the CPU. On"
              + " CUDA, float32 may use TF32 as PyTorch's default does; java"
              + " -Drnn4j.cuda.allowTf32=false -jar ... times strict FP32.")
  private String device;

  @Option(
      names = "--set",
      paramLabel = "SET",
      defaultValue = "S",
      description = "S, C, G, L or all (default: ${DEFAULT-VALUE}).")
  private String set;

  @Option(
      names = "--only",
      paramLabel = "ID",
      split = ",",
      description = "Only these ids, e.g. S1,C4 (instead of --set).")
  private List<String> only;

  @Option(
      names = {"--phases", "--phase"},
      paramLabel = "PHASE",
      split = ",",
      description =
          "Phases to time, in the order given: forward, train_step, loop, forward_host "
              + "(default: forward,train_step).")
  private List<String> phaseNames;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "CPU threads (default: the available processors).")
  private Integer threads;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Also writes the results to FILE as JSON.")
  private Path json;

  @Option(
      names = "--repetitions",
      paramLabel = "N",
      description = "Timed calls per phase (default: enough for about 1.5 s, 5 to 1000).")
  private Integer repetitions;

  @Option(
      names = "--warmup-seconds",
      paramLabel = "X",
      defaultValue = "5.0",
      description =
          "Least warm-up time per phase, in seconds, after at least 3 calls (default: "
              + "${DEFAULT-VALUE}).")
  private double warmupSeconds;

  @Option(
      names = "--compare",
      paramLabel = "FILE",
      arity = "0..2",
      description =
          "Without files: times rnn4j against PyTorch in the same run, round by round. With two"
              + " results files A and B: compares them instead of running benchmarks.")
  private List<Path> compare;

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "4",
      description = "Rounds of a live --compare, at least 4 (default: ${DEFAULT-VALUE}).")
  private int rounds;

  @Option(
      names = "--python",
      paramLabel = "EXE",
      description =
          "The Python with PyTorch for a live --compare (default: $RNN4J_PYTHON, else python3).")
  private String python;

  @Override
  public void run() {
    if (compare != null && !compare.isEmpty()) {
      if (compare.size() != 2) {
        throw usage("--compare takes two results files or none, got " + compare.size());
      }
      checkCompareOptions();
      compare(compare.get(0), compare.get(1));
    } else if (compare != null) {
      compareLive();
    } else {
      ParseResult parsed = spec.commandLine().getParseResult();
      for (String option : List.of("--rounds", "--python")) {
        if (parsed.hasMatchedOption(option)) {
          throw usage(option + " is an option of a live --compare (with no files)");
        }
      }
      runBenchmarks();
    }
  }

  private void compareLive() {
    if (!device.equals("cpu")) {
      throw usage("a live --compare runs on the CPU only, got --device " + device);
    }
    if (rounds < LiveComparison.MIN_ROUNDS) {
      throw usage(
          "Invalid value for option '--rounds': at least "
              + LiveComparison.MIN_ROUNDS
              + ", got "
              + rounds);
    }
    List<BenchCase> cases = cases();
    List<Phase> phases = phases();
    BenchProtocol protocol = protocol();
    int n = threadCount();
    checkJsonDirectory();
    Backend backend = BenchRunner.selectBackend(device, n);
    checkMemory(cases, phases, backend);
    BenchRunner runner = new BenchRunner(backend, n, protocol);
    PrintWriter out = spec.commandLine().getOut();
    try (PyTorchServer pytorch = PyTorchServer.start(python, n)) {
      MachineInfo machine = MachineInfo.current();
      out.println(machine.machineLine());
      out.println(machine.jdkLine());
      out.println("A: " + runner.impl());
      out.println("B: " + pytorch.description().replace("\n", System.lineSeparator() + "   "));
      out.println();
      out.flush();
      LiveComparison live = new LiveComparison(runner, pytorch, rounds);
      List<LiveComparison.Entry> entries =
          live.run(
              cases,
              phases,
              line -> {
                out.println(line);
                out.flush();
              });
      live.print(out, entries);
      if (json != null) {
        try {
          AtomicFiles.writeString(json, live.toJson(entries));
        } catch (IOException e) {
          throw new IllegalArgumentException(Failures.describe("--json", json, e), e);
        }
        out.println("wrote " + entries.size() + " entries to " + json);
        out.flush();
      }
    }
  }

  private int threadCount() {
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (n < 1) {
      throw usage("Invalid value for option '--threads': must be at least 1, got " + n);
    }
    return n;
  }

  private void checkJsonDirectory() {
    if (json != null) {
      OutputPaths.checkFile("--json", json);
    }
  }

  private void runBenchmarks() {
    List<BenchCase> cases = cases();
    List<Phase> phases = phases();
    BenchProtocol protocol = protocol();
    int n = threadCount();
    checkJsonDirectory();
    // The device first: an unavailable one fails before anything is printed.
    Backend backend = BenchRunner.selectBackend(device, n);
    checkMemory(cases, phases, backend);
    BenchRunner runner = new BenchRunner(backend, n, protocol);
    PrintWriter out = spec.commandLine().getOut();
    ResultTable table = new ResultTable(out);
    table.printHeader(MachineInfo.current(), runner, cases, phases);
    List<BenchResult> results = runner.runAll(cases, phases, table::printRow);
    if (json != null) {
      try {
        AtomicFiles.writeString(json, BenchJson.toJson(results));
      } catch (IOException e) {
        throw new IllegalArgumentException(Failures.describe("--json", json, e), e);
      }
      out.println();
      out.println("wrote " + results.size() + " results to " + json);
      out.flush();
    }
  }

  /**
   * Every case's memory, before the first runs: a set that cannot fit fails at once, not after the
   * cases before it.
   */
  private static void checkMemory(List<BenchCase> cases, List<Phase> phases, Backend backend) {
    boolean backward = phases.stream().anyMatch(p -> p != Phase.FORWARD);
    for (BenchCase c : cases) {
      MemoryEstimate.pass(c.config(), DType.FLOAT32, c.batch(), c.seq(), backward, backend.device())
          .checkFits(
              backend, part -> "case " + c.id() + " does not fit: choose others with --only");
    }
  }

  /** The cases the options select; a bad device, set or id is a usage error. */
  private List<BenchCase> cases() {
    ParseResult parsed = spec.commandLine().getParseResult();
    if (!device.equals("cpu")) {
      try {
        if (device.equals("auto")) {
          throw new IllegalArgumentException(
              "a benchmark needs an explicit device: cpu, cuda or cuda:N, " + "got 'auto'");
        }
        Device.parse(device);
      } catch (IllegalArgumentException e) {
        throw usage("Invalid value for option '--device': " + e.getMessage());
      }
    }
    try {
      if (only != null) {
        if (parsed.hasMatchedOption("--set")) {
          throw usage("--only and --set cannot be given together");
        }
        return BenchSuite.byIds(only);
      }
      return BenchSuite.set(set, !device.equals("cpu"));
    } catch (IllegalArgumentException e) {
      throw usage(
          "Invalid value for option '"
              + (only != null ? "--only" : "--set")
              + "': "
              + e.getMessage());
    }
  }

  /** The phases the options select, without repeats; an unknown name is a usage error. */
  private List<Phase> phases() {
    if (phaseNames == null) {
      return Phase.DEFAULTS;
    }
    Set<Phase> phases = new LinkedHashSet<>();
    try {
      for (String name : phaseNames) {
        phases.add(Phase.fromJsonName(name));
      }
    } catch (IllegalArgumentException e) {
      throw usage("Invalid value for option '--phases': " + e.getMessage());
    }
    return List.copyOf(phases);
  }

  private BenchProtocol protocol() {
    try {
      BenchProtocol p = BenchProtocol.defaults().withWarmupSeconds(warmupSeconds);
      return repetitions == null ? p : p.withRepetitions(repetitions);
    } catch (IllegalArgumentException e) {
      throw usage(Failures.oneLine(e));
    }
  }

  private void checkCompareOptions() {
    ParseResult parsed = spec.commandLine().getParseResult();
    for (OptionSpec option : spec.options()) {
      if (parsed.hasMatchedOption(option) && !COMPARE_OPTIONS.contains(option.longestName())) {
        throw usage(
            option.longestName()
                + " cannot be given with --compare, which only reads two "
                + "results files");
      }
    }
  }

  private void compare(Path a, Path b) {
    List<BenchResult> ra = read(a);
    List<BenchResult> rb = read(b);
    Comparison.of(ra, rb).print(spec.commandLine().getOut(), a.toString(), b.toString(), ra, rb);
  }

  private static List<BenchResult> read(Path file) {
    try {
      return BenchJson.read(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(Failures.describe("--compare", file, e), e);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
