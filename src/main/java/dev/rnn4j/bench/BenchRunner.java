package dev.rnn4j.bench;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Times benchmark cases on one backend, following a {@link BenchProtocol}.
 *
 * <p>Each case and phase gets a new module ({@code Rnn.create(config, seed)}, float32, PyTorch's
 * initialization) moved to the backend, and a standard normal input of shape (N, T, H_in) made before any
 * timing; the first call of the new module (which includes preparing its kernel) is the cold start. A
 * {@code train_step}'s gradient of the output, all ones, is made beforehand too, so the timed region holds
 * only the library's calls. The calls run through {@link Rnn#resident}: on a GPU the input and every result
 * stay on the device, as in a PyTorch benchmark on CUDA tensors, and each timed call ends when the device
 * has finished.
 */
public final class BenchRunner {
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
    checkArgument(!device.equals("auto"),
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

  /** The results' {@code impl}: the version and the backend's description (device and BLAS path). */
  public String impl() {
    return version() + " (" + backend.description() + ")";
  }

  /** Every case in order, each phase in order; {@code each} sees each result as soon as it exists. */
  public List<BenchResult> runAll(List<BenchCase> cases, List<Phase> phases, Consumer<BenchResult> each) {
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
    RnnConfig config = c.config();
    Tensor input = normal(new SplittableRandom(protocol.seed() ^ 0x5DEECE66DL),
        c.batch(), c.seq(), config.inputSize());
    // Collect the previous case's garbage now rather than inside this one's timing.
    System.gc();
    try (Rnn rnn = Rnn.create(config, protocol.seed())) {
      rnn.to(backend);
      // Inputs on the device once, as a PyTorch benchmark on device tensors has them; every call's results
      // stay there too, and the timing waits for the device.
      Tensor x = input.to(backend.device());
      Tensor gradOutput = null;
      try {
        Runnable call;
        if (phase == Phase.FORWARD) {
          rnn.eval();
          call = () -> {
            try (TensorScope scope = TensorScope.open()) {
              rnn.forward(x);
              backend.synchronize();
            }
          };
        } else {
          rnn.train();
          gradOutput = ones(c.batch(), c.seq(), config.numDirections() * config.outputSize())
              .to(backend.device());
          Tensor dy = gradOutput;
          call = () -> {
            try (TensorScope scope = TensorScope.open();
                RnnTape tape = rnn.forwardForBackward(x, null, null)) {
              tape.backward(dy, null, null);
              rnn.zeroGrad();
              backend.synchronize();
            }
          };
        }
        return time(c, phase, call);
      } finally {
        if (x != input) {
          x.close();
        }
        if (gradOutput != null) {
          gradOutput.close();
        }
      }
    }
  }

  private BenchResult time(BenchCase c, Phase phase, Runnable call) {
    long warmupNanos = (long) (protocol.warmupSeconds() * 1e9);
    List<Long> warmup = new ArrayList<>();
    long start = System.nanoTime();
    do {
      warmup.add(timeOne(call));
    } while (warmup.size() < BenchProtocol.MIN_WARMUP_CALLS || System.nanoTime() - start < warmupNanos);
    long[] warm = warmup.subList(1, warmup.size()).stream().mapToLong(Long::longValue).toArray();
    int reps = protocol.repetitionsFor(Stats.medianNanos(warm));
    long[] nanos = new long[reps];
    for (int i = 0; i < reps; i++) {
      nanos[i] = timeOne(call);
    }
    Stats s = Stats.ofNanos(nanos);
    long flops = c.flops(phase);
    return new BenchResult(c.id(), phase.jsonName(), s.medianMs(), s.p10Ms(), s.p90Ms(), s.minMs(),
        warmup.get(0) / 1e6, reps, flops, flops / (s.medianMs() * 1e6), threads,
        backend.device().toString(), "float32", impl(), BenchResult.Config.of(c.config(), c.batch(), c.seq()));
  }

  private static long timeOne(Runnable call) {
    long t0 = System.nanoTime();
    call.run();
    return System.nanoTime() - t0;
  }

  /** A batch_first input (N, T, H_in) of standard normal float32 values. */
  static Tensor normal(SplittableRandom random, int batch, int seq, int inputSize) {
    float[] data = new float[batch * seq * inputSize];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return Tensor.wrap(data, batch, seq, inputSize);
  }

  private static Tensor ones(int... shape) {
    float[] data = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    Arrays.fill(data, 1f);
    return Tensor.wrap(data, shape);
  }
}
