package dev.rnn4j.bench;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import dev.rnn4j.train.GradClipping;
import dev.rnn4j.train.LossResult;
import dev.rnn4j.train.MseLoss;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Times benchmark cases on one backend, following a {@link BenchProtocol}.
 *
 * <p>Each case and phase gets a new module ({@code Rnn.create(config, seed)}, float32, PyTorch's
 * initialization; for {@link Phase#LOOP} a {@code SequenceModel} around it) moved to the backend,
 * and a standard normal input of shape (N, T, H_in) made before any timing; the first call of the
 * new module (which includes preparing its kernel, and in the loop creating the optimizer's state)
 * is the cold start. A {@code train_step}'s gradient of the output, all ones, and a {@code loop}'s
 * target, standard normal (N, {@value #LOOP_OUT_FEATURES}), are made beforehand too, so the timed
 * region holds only the library's calls. Except in {@link Phase#FORWARD_HOST}, inputs and targets
 * are copied to the device once, before timing, as a PyTorch benchmark on CUDA tensors has them,
 * and every result stays there. Each call runs in a {@link TensorScope}, which closes what it made,
 * and ends with {@link Backend#synchronize()}, so that on a GPU a call's time is the device's.
 */
public final class BenchRunner {
  /** The loop's head: {@code nn.Linear(D * H_out, 1)}, one value forecast per sequence. */
  public static final int LOOP_OUT_FEATURES = 1;

  /** The loop's Adam learning rate. */
  public static final double LOOP_LR = 1e-3;

  /** The loop's {@code clip_grad_norm_} bound. */
  public static final double LOOP_CLIP_NORM = 1.0;

  /** The loop reads its loss to the host every this many steps, counted over warm-up and timing. */
  public static final int LOSS_READ_INTERVAL = 10;

  /**
   * A warm-up past its least time ends after a window this long (and of 3 calls) in which the JIT
   * compiled for at most 1% of it.
   */
  static final long SETTLE_WINDOW_NANOS = 500_000_000L;

  /** A warm-up waits for the JIT for at most this many times its least duration. */
  static final int MAX_WARMUP_FACTOR = 10;

  private static final String POM_PROPERTIES = "/META-INF/maven/dev.rnn4j/rnn4j/pom.properties";

  private final Backend backend;
  private final int threads;
  private final BenchProtocol protocol;

  /**
   * A runner on {@code backend}.
   *
   * @param threads the CPU threads to report; a {@link CpuBackend} reports its own
   */
  public BenchRunner(Backend backend, int threads, BenchProtocol protocol) {
    this.backend = backend;
    this.threads = backend instanceof CpuBackend cpu ? cpu.threads() : threads;
    this.protocol = protocol;
  }

  /**
   * The backend for {@code device}: {@code cpu} is {@link CpuBackend#withThreads}; {@code cuda} and
   * {@code cuda:N} go through {@link Backends#select}, which never falls back.
   *
   * @throws BackendUnavailableException when the device cannot be used here, with the reason
   * @throws IllegalArgumentException for {@code auto} or an unknown device, or threads below 1
   */
  public static Backend selectBackend(String device, int threads) {
    checkArgument(threads >= 1, "threads must be at least 1, got %d", threads);
    checkArgument(
        !device.equals("auto"),
        "a benchmark needs an explicit device: cpu, cuda or cuda:N, got 'auto'");
    if (device.equals("cpu")) {
      return CpuBackend.withThreads(threads);
    }
    return Backends.select(device);
  }

  /** {@code rnn4j 0.1.0-SNAPSHOT}, or {@code rnn4j (version unknown)} outside the jar. */
  public static String version() {
    Properties pom = new Properties();
    try (InputStream in = BenchRunner.class.getResourceAsStream(POM_PROPERTIES)) {
      if (in != null) {
        pom.load(in);
      }
    } catch (IOException e) {
      // The version is only a label.
    }
    return "rnn4j " + pom.getProperty("version", "(version unknown)");
  }

  public Backend backend() {
    return backend;
  }

  public int threads() {
    return threads;
  }

  public BenchProtocol protocol() {
    return protocol;
  }

  /**
   * The results' {@code impl}: the version and the backend's description (device and BLAS path).
   */
  public String impl() {
    return version() + " (" + backend.description() + ")";
  }

  /**
   * Every case in order, each phase in order; {@code each} sees each result as soon as it exists.
   */
  public List<BenchResult> runAll(
      List<BenchCase> cases, List<Phase> phases, Consumer<BenchResult> each) {
    List<BenchResult> results = new ArrayList<>();
    for (BenchCase c : cases) {
      for (Phase phase : phases) {
        BenchResult r = run(c, phase);
        results.add(r);
        each.accept(r);
      }
    }
    return results;
  }

  /** Warms up and times one case in one phase. */
  public BenchResult run(BenchCase c, Phase phase) {
    SplittableRandom random = new SplittableRandom(protocol.seed() ^ 0x5DEECE66DL);
    Tensor input = normal(random, c.batch(), c.seq(), c.config().inputSize());
    // Collect the previous case's garbage now rather than inside this one's timing.
    System.gc();
    return switch (phase) {
      case FORWARD, FORWARD_HOST, TRAIN_STEP -> runRnn(c, phase, input);
      case LOOP -> runLoop(c, input, normal(random, c.batch(), LOOP_OUT_FEATURES));
    };
  }

  private BenchResult runRnn(BenchCase c, Phase phase, Tensor input) {
    RnnConfig config = c.config();
    try (Rnn rnn = Rnn.create(config, protocol.seed())) {
      rnn.to(backend);
      Tensor x = phase == Phase.FORWARD_HOST ? input : input.to(backend.device());
      Tensor gradOutput = null;
      try {
        Runnable call;
        if (phase == Phase.TRAIN_STEP) {
          rnn.train();
          gradOutput =
              ones(c.batch(), c.seq(), config.numDirections() * config.outputSize())
                  .to(backend.device());
          Tensor dy = gradOutput;
          call =
              () -> {
                try (TensorScope scope = TensorScope.open();
                    RnnTape tape = rnn.forwardForBackward(x, null, null)) {
                  tape.backward(dy, null, null);
                  rnn.zeroGrad();
                  backend.synchronize();
                }
              };
        } else {
          // FORWARD_HOST: host input to a module on the device gives host results, copied back
          // before forward returns.
          rnn.eval();
          call =
              () -> {
                try (TensorScope scope = TensorScope.open()) {
                  rnn.forward(x);
                  backend.synchronize();
                }
              };
        }
        return time(c, phase, call);
      } finally {
        closeCopy(x, input);
        if (gradOutput != null) {
          gradOutput.close();
        }
      }
    }
  }

  private BenchResult runLoop(BenchCase c, Tensor input, Tensor hostTarget) {
    SequenceModelConfig config = SequenceModelConfig.manyToOne(c.config(), LOOP_OUT_FEATURES);
    try (SequenceModel model = SequenceModel.create(config, protocol.seed())) {
      model.to(backend).train();
      Tensor x = input.to(backend.device());
      Tensor target = hostTarget.to(backend.device());
      try (Optimizer optimizer = OptimizerConfig.adam(LOOP_LR).create(model.parameters())) {
        int[] steps = {0};
        Runnable call =
            () -> {
              try (TensorScope scope = TensorScope.open()) {
                LossResult loss;
                try (SequenceModel.SequenceTape tape = model.forwardForBackward(x, null)) {
                  loss = MseLoss.compute(tape.prediction(), target);
                  tape.backward(loss.gradient());
                }
                GradClipping.clipGradNorm(model.parameters(), LOOP_CLIP_NORM);
                optimizer.step();
                optimizer.zeroGrad();
                // A loop logs its loss now and then, as loss.item() every 10 steps: on a GPU one
                // copy to the host, which waits for the step.
                if (++steps[0] % LOSS_READ_INTERVAL == 0) {
                  loss.value();
                }
                backend.synchronize();
              }
            };
        return time(c, Phase.LOOP, call);
      } finally {
        closeCopy(x, input);
        closeCopy(target, hostTarget);
      }
    }
  }

  /** Closes {@code copy} when it is a device copy of {@code host}, not {@code host} itself. */
  private static void closeCopy(Tensor copy, Tensor host) {
    if (copy != host) {
      copy.close();
    }
  }

  private BenchResult time(BenchCase c, Phase phase, Runnable call) {
    long[] warmup =
        warmUp(call, protocol.warmupSeconds(), System::nanoTime, BenchRunner::jitMillis);
    // The typical call from the warm-up's last third: its first calls ran in the interpreter.
    long[] late = Arrays.copyOfRange(warmup, warmup.length * 2 / 3, warmup.length);
    int reps = protocol.repetitionsFor(Stats.medianNanos(late));
    long[] nanos = new long[reps];
    BackendStats before = backend.stats();
    for (int i = 0; i < reps; i++) {
      nanos[i] = timed(call, System::nanoTime);
    }
    BackendStats during = backend.stats().since(before);
    Stats s = Stats.ofNanos(nanos);
    long flops = c.flops(phase);
    return new BenchResult(
        c.id(),
        phase.jsonName(),
        s.medianMs(),
        s.p10Ms(),
        s.p90Ms(),
        s.minMs(),
        warmup[0] / 1e6,
        reps,
        flops,
        flops / (s.medianMs() * 1e6),
        threads,
        backend.device().toString(),
        "float32",
        impl(),
        BenchResult.Config.of(c.config(), c.batch(), c.seq()),
        during);
  }

  /**
   * Warms {@code call} up and returns each warm-up call's nanoseconds: at least {@link
   * BenchProtocol#MIN_WARMUP_CALLS} calls and {@code seconds}, then on while the JIT is still
   * compiling, window by window ({@link #SETTLE_WINDOW_NANOS} and at least 3 calls each), until a
   * window in which it compiled for at most 1% of the window's time, or {@link #MAX_WARMUP_FACTOR}
   * times {@code seconds} in all. Without the second part, a short warm-up timed the interpreter's
   * or C1's code while C2 was still compiling the vector kernels (S2's forward pass, one thread, 1
   * s of warm-up: 2.7-3.5 ms against 0.94-0.98 with 5 s). No warm-up time ({@code seconds} 0) or no
   * JIT time to read ({@code jitMillis} answering -1) means the first part only.
   *
   * @param nanoClock {@link System#nanoTime()}, or a test's clock
   * @param jitMillis the JIT's total compilation time so far, in ms; -1 when unknown
   */
  static long[] warmUp(
      Runnable call, double seconds, LongSupplier nanoClock, LongSupplier jitMillis) {
    long least = (long) (seconds * 1e9);
    long most = (long) (seconds * MAX_WARMUP_FACTOR * 1e9);
    List<Long> times = new ArrayList<>();
    long start = nanoClock.getAsLong();
    long now;
    do {
      times.add(timed(call, nanoClock));
      now = nanoClock.getAsLong();
    } while (times.size() < BenchProtocol.MIN_WARMUP_CALLS || now - start < least);
    long jit = jitMillis.getAsLong();
    while (seconds > 0 && jit >= 0 && now - start < most) {
      long windowStart = now;
      int calls = 0;
      do {
        times.add(timed(call, nanoClock));
        calls++;
        now = nanoClock.getAsLong();
      } while (calls < 3 || now - windowStart < SETTLE_WINDOW_NANOS);
      long jitBefore = jit;
      jit = jitMillis.getAsLong();
      if ((jit - jitBefore) * 1_000_000L * 100 <= now - windowStart) {
        break;
      }
    }
    return times.stream().mapToLong(Long::longValue).toArray();
  }

  /** The JIT's total compilation time in ms, or -1 where the JVM does not report it. */
  private static long jitMillis() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime()
        : -1;
  }

  private static long timed(Runnable call, LongSupplier nanoClock) {
    long t0 = nanoClock.getAsLong();
    call.run();
    return nanoClock.getAsLong() - t0;
  }

  /** A host tensor of standard normal float32 values: an input (N, T, H_in) or a target. */
  static Tensor normal(SplittableRandom random, int... shape) {
    float[] data = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return Tensor.wrap(data, shape);
  }

  private static Tensor ones(int... shape) {
    float[] data = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    Arrays.fill(data, 1f);
    return Tensor.wrap(data, shape);
  }
}
