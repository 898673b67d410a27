package dev.rnn4j.backend.cpu;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU backend's own inner kernels, as the kernel calls them (same package, so the
 * package-private {@link FloatMath} is reachable): the float32 product over packed weights at the
 * benchmark set's shapes (M x K x N, with N = G * H), the weight gradient of the same product (the
 * N x K sum over M rows of outer products, {@link FloatMath#addTransposedProduct}), and the LSTM
 * and GRU cell updates at M x H. Compare with {@code dev.rnn4j.jmh.GemmBenchmark} (netlib's BLAS,
 * plain loops) at the same shapes; the run commands are in {@code dev.rnn4j.jmh}'s package
 * documentation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class CpuKernelBenchmark {
  /**
   * M x K x N, every distinct product of the sets S and C: per step (M = batch, K = H_out, N = G *
   * H) and per layer's input projection (M = batch * seq, K = the layer's input size).
   */
  @Param({
    "32x64x256",
    "1600x32x256", // S2
    "64x256x1024",
    "6400x256x1024",
    "6400x512x1024", // S3, S4
    "64x256x768",
    "6400x256x768", // S5
    "1x128x512",
    "100x128x512",
    "1x256x1024", // C1, C2
    "32x256x1024",
    "1600x256x1024",
    "64x512x2048",
    "6400x512x2048", // C3, C4
    "32x256x768",
    "3200x256x768",
    "64x512x512",
    "6400x512x512", // C5, C6
    "16x128x512",
    "3200x64x512",
    "3200x256x512",
    "16x1024x4096",
    "400x1024x4096" // C7, C8
  })
  public String shape;

  private final FloatMath math = new FloatMath();
  private int m;
  private int k;
  private int n;
  private float[] a;
  private float[][] packed;
  private float[] c;
  private float[][] grad;
  private float[] xp;
  private float[] gates;
  private float[] state;
  private float[] out;

  @Setup
  public void setup() {
    String[] dims = shape.split("x");
    m = Integer.parseInt(dims[0]);
    k = Integer.parseInt(dims[1]);
    n = Integer.parseInt(dims[2]);
    Random random = new Random(1);
    a = randoms(random, m * k);
    packed = math.pack(randoms(random, n * k), n, k, true);
    c = new float[m * n];
    grad = new float[n][k];
    // The cells read N = 4H (LSTM) of pre-activations per row; GRU uses the first 3H of the same
    // buffers.
    xp = randoms(random, m * n);
    gates = randoms(random, m * n);
    state = randoms(random, m * (n / 4));
    out = new float[m * (n / 4)];
  }

  private static float[] randoms(Random random, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  @Benchmark
  public float[] gemm() {
    math.gemm(m, n, k, a, 0, k, packed, true, c, 0, n);
    return c;
  }

  /**
   * The gradient of B: the M rows of the product's output gradient (here xp) against the M rows of
   * A.
   */
  @Benchmark
  public float[][] weightGradient() {
    math.addTransposedProduct(m, n, k, xp, 0, n, a, 0, k, grad);
    return grad;
  }

  @Benchmark
  public float[] lstmCell() {
    math.lstmCell(m, n / 4, xp.clone(), 0, gates, state, out);
    return out;
  }

  @Benchmark
  public float[] gruCell() {
    math.gruCell(m, n / 4, xp.clone(), 0, gates, state);
    return state;
  }
}
