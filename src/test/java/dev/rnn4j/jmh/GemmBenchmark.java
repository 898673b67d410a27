package dev.rnn4j.jmh;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Float32 matrix products at the GEMM shapes of the benchmark set, one call per invocation.
 *
 * <p>Each shape is the row-major product the CPU backend computes, {@code C[M×N] += X[M×K] ·
 * W[N×K]ᵀ} with {@code W} in PyTorch's weight layout ({@code G·H} rows):
 *
 * <ul>
 *   <li>{@code <id>.step}: one recurrent step, M = batch, K = H_out, N = G·H;
 *   <li>{@code <id>.in<l>}: layer l's input projection over the whole sequence, M = batch·seq, K =
 *       input size (layer 0) or D·H_out (layers ≥ 1), N = G·H.
 * </ul>
 *
 * The default parameter list holds each distinct shape once; the ids that repeat one of them
 * (S4.step = S3.step, S4.in0 = S3.in0, S3.in1 = S3.in0, S5.in1 = S5.in0, C2.in0 = C2.step, C5.in1 =
 * C5.in0) are accepted by {@code -p shape=...} too. FLOP per call = 2·M·N·K, so GFLOP/s = 2·M·N·K /
 * (time in ns); each trial prints its shape, FLOP count and BLAS class.
 *
 * <p>Implementations (each {@code C += ...}, {@code beta = 1}, because the backend preloads the
 * bias):
 *
 * <ul>
 *   <li>{@link #blas}: {@code BLAS.getInstance().sgemm("T", "N", N, M, K, ...)} on {@code W} as
 *       PyTorch stores it, the call the CPU backend made before its current rewrite (row-major
 *       operands swapped into column-major). {@code getInstance()} tries a native BLAS through JNI
 *       first ({@code libblas.so.3}; on Debian that is often the slow reference BLAS), then
 *       VectorBLAS: the class is printed, and results are only comparable for the same class.
 *   <li>{@link #javaBlas}: the same call through {@code JavaBLAS.getInstance()} (VectorBLAS when
 *       the Vector API module is present, which the fork's {@code --add-modules} arranges on JDK
 *       17).
 *   <li>{@link #blasNN}, {@link #javaBlasNN}: {@code sgemm("N", "N", ...)} on the weights packed
 *       transposed ({@code Wᵀ}, K × N row-major), the layout of the notes' §7 table.
 *   <li>{@link #naive}: the baseline, a plain Java triple loop, one scalar dot product per output.
 *   <li>{@link #naiveAxpy}: a plain triple loop in i-p-j order over {@code Wᵀ} ({@code C[i][:] +=
 *       X[i][p]·Wᵀ[p][:]}), whose inner loop C2 can vectorize.
 * </ul>
 *
 * Self-contained on purpose: no rnn4j classes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 3,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {

  /** id → {M, K, N}; includes the alias ids. */
  static final Map<String, int[]> SHAPES = new LinkedHashMap<>();

  static {
    // config: gates, input, hidden, layers, directions, batch, seq (all without projection)
    config("S2", 4, 32, 64, 1, 1, 32, 50);
    config("S3", 4, 256, 256, 2, 1, 64, 100);
    config("S4", 4, 256, 256, 2, 2, 64, 100);
    config("S5", 3, 256, 256, 2, 1, 64, 100);
    config("C1", 4, 128, 128, 1, 1, 1, 100);
    config("C2", 4, 256, 256, 1, 1, 1, 1);
    config("C3", 4, 256, 256, 1, 1, 32, 50);
    config("C4", 4, 512, 512, 1, 1, 64, 100);
    config("C5", 3, 256, 256, 2, 1, 32, 100);
    config("C6", 1, 512, 512, 1, 1, 64, 100);
    config("C7", 4, 64, 128, 2, 2, 16, 200);
    config("C8", 4, 1024, 1024, 1, 1, 16, 25);
  }

  private static void config(
      String id, int gates, int input, int hidden, int layers, int directions, int batch, int seq) {
    int gh = gates * hidden;
    SHAPES.put(id + ".step", new int[] {batch, hidden, gh});
    for (int l = 0; l < layers; l++) {
      int k = l == 0 ? input : directions * hidden;
      SHAPES.put(id + ".in" + l, new int[] {batch * seq, k, gh});
    }
  }

  @Param({
    "S2.step", "S2.in0", "S3.step", "S3.in0", "S4.in1", "S5.step", "S5.in0", "C1.step", "C1.in0",
    "C2.step", "C3.step", "C3.in0", "C4.step", "C4.in0", "C5.step", "C5.in0", "C6.step", "C6.in0",
    "C7.step", "C7.in0", "C7.in1", "C8.step", "C8.in0"
  })
  public String shape;

  int m;
  int k;
  int n;
  float[] x;
  float[] w;
  float[] wT;
  float[] c;
  BLAS blas;
  BLAS javaBlas;

  @Setup(Level.Trial)
  public void setUp() {
    int[] mkn = SHAPES.get(shape);
    if (mkn == null) {
      throw new IllegalArgumentException("unknown shape " + shape + "; known: " + SHAPES.keySet());
    }
    m = mkn[0];
    k = mkn[1];
    n = mkn[2];
    SplittableRandom random = new SplittableRandom(42);
    x = new float[m * k];
    w = new float[n * k];
    c = new float[m * n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble(-1, 1);
    }
    double bound = 1 / Math.sqrt(k); // PyTorch's init bound is 1/sqrt(H); k stands in for it here
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextDouble(-bound, bound);
    }
    wT = new float[k * n];
    for (int j = 0; j < n; j++) {
      for (int p = 0; p < k; p++) {
        wT[p * n + j] = w[j * k + p];
      }
    }
    blas = BLAS.getInstance();
    javaBlas = JavaBLAS.getInstance();
    System.out.printf(
        "%n# shape %s: M=%d K=%d N=%d, %.4g GFLOP per call; BLAS.getInstance()=%s, "
            + "JavaBLAS.getInstance()=%s, java %s%n",
        shape,
        m,
        k,
        n,
        2.0 * m * n * k / 1e9,
        blas.getClass().getName(),
        javaBlas.getClass().getName(),
        System.getProperty("java.version"));
  }

  /** Row-major C += X·Wᵀ as column-major Cᵀ += W·Xᵀ (W read as its transpose, Xᵀ as is). */
  @Benchmark
  public float[] blas() {
    blas.sgemm("T", "N", n, m, k, 1f, w, 0, k, x, 0, k, 1f, c, 0, n);
    return c;
  }

  @Benchmark
  public float[] javaBlas() {
    javaBlas.sgemm("T", "N", n, m, k, 1f, w, 0, k, x, 0, k, 1f, c, 0, n);
    return c;
  }

  /**
   * Row-major C += X·(Wᵀ) as column-major Cᵀ += (Wᵀ read as W, N × K)·Xᵀ, no transposition flags.
   */
  @Benchmark
  public float[] blasNN() {
    blas.sgemm("N", "N", n, m, k, 1f, wT, 0, n, x, 0, k, 1f, c, 0, n);
    return c;
  }

  @Benchmark
  public float[] javaBlasNN() {
    javaBlas.sgemm("N", "N", n, m, k, 1f, wT, 0, n, x, 0, k, 1f, c, 0, n);
    return c;
  }

  @Benchmark
  public float[] naive() {
    naiveGemm(m, n, k, x, w, c);
    return c;
  }

  @Benchmark
  public float[] naiveAxpy() {
    naiveAxpyGemm(m, n, k, x, wT, c);
    return c;
  }

  /** C[i][j] += Σ_p X[i][p]·W[j][p], all row-major, one float accumulator per output. */
  static void naiveGemm(int m, int n, int k, float[] x, float[] w, float[] c) {
    for (int i = 0; i < m; i++) {
      int xRow = i * k;
      int cRow = i * n;
      for (int j = 0; j < n; j++) {
        int wRow = j * k;
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += x[xRow + p] * w[wRow + p];
        }
        c[cRow + j] += sum;
      }
    }
  }

  /** C[i][:] += X[i][p]·Wᵀ[p][:] for p = 0..K−1, all row-major ({@code wT} is K × N). */
  static void naiveAxpyGemm(int m, int n, int k, float[] x, float[] wT, float[] c) {
    for (int i = 0; i < m; i++) {
      int cRow = i * n;
      for (int p = 0; p < k; p++) {
        float xv = x[i * k + p];
        int wRow = p * n;
        for (int j = 0; j < n; j++) {
          c[cRow + j] += xv * wT[wRow + j];
        }
      }
    }
  }
}
