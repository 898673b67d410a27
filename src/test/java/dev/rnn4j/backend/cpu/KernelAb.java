package dev.rnn4j.backend.cpu;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Two builds of {@link VectorKernels}' products in one JVM, timed round by round in alternation: an
 * A/B of a kernel change that this VM's minute-to-minute speed (up to 2x between separate runs)
 * does not drown. Each build's classes come from its own class loader; each round times both for
 * about 0.3 s, in alternating order, and the verdict is the median of the rounds' speed ratios B /
 * A.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes \
 *   dev.rnn4j.backend.cpu.KernelAb OLD_CLASSES NEW_CLASSES ROUNDS SHAPE...
 * </pre>
 *
 * <p>A build's classes are a {@code target/classes} folder or the jar; a shape {@code MxNxK} times
 * {@code gemm} (C (M x N) += A (M x K) B, B packed), {@code gMxNxK} the weight gradient {@code
 * addTransposedProduct} (C (K x N) += A^T B over M rows, A M x K, B M x N), and a {@code p} before
 * either the plain path's ({@code FloatMath} without the Vector API).
 *
 * <p>Run both orders (A, B and B, A): in some JVMs the build loaded first is slower with identical
 * classes, 1.3-1.8x at {@code 16x1024x4096} on 2026-12-08 (with or without garbage collections,
 * with fresh scratch arrays), and a run that starts with such a shape carries it to the shapes
 * after it (docs/bench-2026-12-08-zen5/levers.txt).
 */
public final class KernelAb {
  private KernelAb() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: KernelAb A_CLASSES B_CLASSES ROUNDS SHAPE... ([p][g]MxNxK)");
      System.exit(2);
    }
    Build[] builds = {new Build(args[0]), new Build(args[1])};
    int rounds = Integer.parseInt(args[2]);
    for (String shape : Arrays.copyOfRange(args, 3, args.length)) {
      boolean plain = shape.startsWith("p");
      String rest = plain ? shape.substring(1) : shape;
      boolean gradient = rest.startsWith("g");
      String[] dims = (gradient ? rest.substring(1) : rest).split("x");
      int m = Integer.parseInt(dims[0]);
      int n = Integer.parseInt(dims[1]);
      int k = Integer.parseInt(dims[2]);
      Random random = new Random(1);
      float[] a = randoms(random, m * k);
      float[] b = randoms(random, m * Math.max(n, k));
      float[] weights = randoms(random, k * n);
      Object[] packed = new Object[2];
      for (int v = 0; v < 2; v++) {
        packed[v] = builds[v].pack(plain, weights, k, n);
      }
      float[] c = new float[m * n];
      float[][] grad = new float[k][n];
      double flop = 2.0 * m * n * k;
      int calls = (int) Math.max(1, 0.3e9 / flop);
      for (int v = 0; v < 2; v++) {
        // A thousand calls on the shape's first 12 rows (one tall tile) first: a large shape's few
        // calls would leave the kernel in its on-stack-replacement compile, whose loops C2 may
        // vectorize differently from the method's own compile, the one a library caller's
        // thousands of calls get. (A tile height these calls did not reach recompiles at once.)
        int rows = Math.min(m, 12);
        for (int i = 0; i < 1000; i++) {
          builds[v].call(plain, gradient, rows, n, k, a, b, packed[v], c, grad);
        }
        for (int i = 0; i < 5 * calls + 20; i++) {
          builds[v].call(plain, gradient, m, n, k, a, b, packed[v], c, grad);
        }
      }
      double[][] speed = new double[2][rounds];
      double[] ratio = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        for (int q = 0; q < 2; q++) {
          int v = (round + q) % 2;
          long t0 = System.nanoTime();
          for (int i = 0; i < calls; i++) {
            builds[v].call(plain, gradient, m, n, k, a, b, packed[v], c, grad);
          }
          speed[v][round] = flop * calls / (System.nanoTime() - t0);
        }
        ratio[round] = speed[1][round] / speed[0][round];
      }
      System.out.printf(
          "%s: A %.1f, B %.1f GFLOP/s (medians); B / A speed, median of %d rounds %.3f"
              + " [%.3f..%.3f]%n",
          shape,
          median(speed[0]),
          median(speed[1]),
          rounds,
          median(ratio),
          Arrays.stream(ratio).min().orElse(0),
          Arrays.stream(ratio).max().orElse(0));
    }
  }

  private static float[] randoms(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = random.nextFloat() - 0.5f;
    }
    return x;
  }

  private static double median(double[] x) {
    double[] sorted = x.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** One build's kernels, through reflection (they are package-private). */
  private static final class Build {
    final Method gemm;
    final Method pack;
    final Method gradient;
    final Object plainMath;
    final Method plainGemm;
    final Method plainPack;
    final Method plainGradient;

    Build(String classes) throws Exception {
      ClassLoader loader =
          new URLClassLoader(
              new URL[] {Path.of(classes).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
      Class<?> kernels = Class.forName(VectorKernels.class.getName(), true, loader);
      gemm = method(kernels, "gemm");
      pack = method(kernels, "pack");
      gradient = method(kernels, "addTransposedProduct");
      Class<?> math = Class.forName(FloatMath.class.getName(), true, loader);
      var constructor = math.getDeclaredConstructor(boolean.class);
      constructor.setAccessible(true);
      plainMath = constructor.newInstance(false);
      plainGemm = method(math, "gemm");
      plainPack = method(math, "pack");
      plainGradient = method(math, "addTransposedProduct");
    }

    Object pack(boolean plain, float[] weights, int k, int n) throws Exception {
      return plain
          ? plainPack.invoke(plainMath, weights, k, n, false)
          : pack.invoke(null, weights, k, n, false);
    }

    private static Method method(Class<?> type, String name) {
      Method method =
          Arrays.stream(type.getDeclaredMethods())
              .filter(m -> m.getName().equals(name) && !m.isBridge())
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException(type + " has no " + name));
      method.setAccessible(true);
      return method;
    }

    void call(
        boolean plain,
        boolean isGradient,
        int m,
        int n,
        int k,
        float[] a,
        float[] b,
        Object packed,
        float[] c,
        float[][] grad)
        throws Exception {
      Object target = plain ? plainMath : null;
      if (isGradient) {
        (plain ? plainGradient : gradient).invoke(target, m, k, n, a, 0, k, b, 0, n, grad);
      } else {
        (plain ? plainGemm : gemm).invoke(target, m, n, k, a, 0, k, packed, true, c, 0, n);
      }
    }
  }
}
