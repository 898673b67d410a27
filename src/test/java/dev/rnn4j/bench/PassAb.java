package dev.rnn4j.bench;

import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.LoggerFactory;

/**
 * Two builds' whole passes of benchmark cases in one JVM, timed round by round in alternation: the
 * A/B of a change whose effect on a pass this VM's minute-to-minute speed would drown between
 * separate runs ({@code dev.rnn4j.backend.cpu.KernelAb} does the same for single products). Each
 * build's classes come from their own class loader, with this class's {@link Pass} beside them; a
 * round times each side for about 0.4 s, in alternating order, and the verdict is the median of the
 * rounds' time ratios B / A (below 1: B is faster).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:SLF4J_API_JAR \
 *   dev.rnn4j.bench.PassAb OLD.jar target/rnn4j.jar ROUNDS THREADS CASE[:train]...
 * </pre>
 *
 * <p>A build is a jar or a {@code target/classes} folder; a case is a benchmark id (S3, C8, ...),
 * its forward pass, or with {@code :train} its training step (forward with a tape, backward of a
 * gradient of ones).
 *
 * <p>Run both orders: with two threads, the build loaded second ran S2's forward pass 1.17-1.25x
 * slower with no change of its own (2026-12-08, docs/bench-2026-12-08-zen5/levers.txt), and
 * KernelAb's first-loaded build can be slower in the same way.
 */
public final class PassAb {
  private static final long ROUND_NANOS = 400_000_000L;
  private static final long WARM_UP_NANOS = 3_000_000_000L;

  private PassAb() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: PassAb A_BUILD B_BUILD ROUNDS THREADS CASE[:train]...");
      System.exit(2);
    }
    URL tests = PassAb.class.getProtectionDomain().getCodeSource().getLocation();
    URL slf4j = LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
    ClassLoader[] builds = new ClassLoader[2];
    for (int v = 0; v < 2; v++) {
      builds[v] =
          new URLClassLoader(
              new URL[] {Path.of(args[v]).toUri().toURL(), tests, slf4j},
              ClassLoader.getPlatformClassLoader());
    }
    int rounds = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    for (String spec : Arrays.copyOfRange(args, 4, args.length)) {
      String id = spec.split(":")[0];
      boolean train = spec.endsWith(":train");
      Runnable[] pass = new Runnable[2];
      for (int v = 0; v < 2; v++) {
        pass[v] =
            (Runnable)
                Class.forName(Pass.class.getName(), true, builds[v])
                    .getDeclaredConstructor(String.class, int.class, boolean.class)
                    .newInstance(id, threads, train);
      }
      for (long end = System.nanoTime() + WARM_UP_NANOS; System.nanoTime() < end; ) {
        pass[0].run();
        pass[1].run();
      }
      double[][] ms = new double[2][rounds];
      double[] ratio = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        for (int q = 0; q < 2; q++) {
          int v = (round + q) % 2;
          ms[v][round] = medianMillis(pass[v]);
        }
        ratio[round] = ms[1][round] / ms[0][round];
      }
      System.out.printf(
          "%s: A %.3f ms, B %.3f ms (medians); B / A time, median of %d rounds %.3f [%.3f..%.3f]%n",
          spec,
          median(ms[0]),
          median(ms[1]),
          rounds,
          median(ratio),
          Arrays.stream(ratio).min().orElse(0),
          Arrays.stream(ratio).max().orElse(0));
    }
    // The builds' worker threads are daemons; the CPU backends stay for the JVM's life.
  }

  private static double medianMillis(Runnable pass) {
    List<Double> times = new ArrayList<>();
    long end = System.nanoTime() + ROUND_NANOS;
    do {
      long t0 = System.nanoTime();
      pass.run();
      times.add((System.nanoTime() - t0) / 1e6);
    } while (System.nanoTime() < end || times.size() < 3);
    Collections.sort(times);
    return times.get(times.size() / 2);
  }

  private static double median(double[] x) {
    double[] sorted = x.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** One case's pass in one build: loaded by that build's class loader. */
  public static final class Pass implements Runnable {
    private final Rnn rnn;
    private final Tensor x;
    private final Tensor dy;
    private final boolean train;

    public Pass(String id, int threads, boolean train) {
      BenchCase c =
          BenchSuite.byId(id).orElseThrow(() -> new IllegalArgumentException("no case " + id));
      SplittableRandom random = new SplittableRandom(1);
      x = BenchRunner.normal(random, c.batch(), c.seq(), c.config().inputSize());
      int width = c.config().numDirections() * c.config().outputSize();
      float[] ones = new float[c.batch() * c.seq() * width];
      Arrays.fill(ones, 1f);
      dy = Tensor.wrap(ones, c.batch(), c.seq(), width);
      rnn = Rnn.create(c.config(), 0);
      rnn.to(CpuBackend.withThreads(threads));
      this.train = train;
      if (train) {
        rnn.train();
      } else {
        rnn.eval();
      }
    }

    @Override
    public void run() {
      try (TensorScope scope = TensorScope.open()) {
        if (train) {
          try (RnnTape tape = rnn.forwardForBackward(x, null, null)) {
            tape.backward(dy, null, null);
            rnn.zeroGrad();
          }
        } else {
          rnn.forward(x);
        }
      }
    }
  }
}
