package dev.rnn4j.jmh;

import java.util.SplittableRandom;
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
 * How fast a plain Java product can be when C2's auto-vectorizer is all it has: the loop forms the
 * plain path can take, {@code C[M×N] += A[M×K] · B[K×N]} with each element of C summing its k
 * products in order by fused multiply-adds (the Vector API path's arithmetic, so both paths give
 * the same bits). Each form passes over the columns with r rows of C and b rows of B per pass
 * ({@code cRbB}: R rows of C, B rows of B), every array its own and indexed from 0, the only form
 * C2 (JDK 17) vectorizes; C's rows stay in memory between passes, since C2 keeps no vector in a
 * register across the loop's passes. The plain path ships {@link #c2b2}.
 *
 * <p>GFLOP/s = 2·M·N·K / (time in ns). Shapes: {@code 48x256x24} keeps A, B and C in L1 (the forms'
 * ceiling), {@code 48x1024x240} has B (960 KiB) in L2 as S3's step does. Compare with the Vector
 * API's register tiles in the same session ({@code dev.rnn4j.backend.cpu.KernelAb}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlainLoopBenchmark {
  @Param({"48x256x24", "48x1024x240"})
  public String shape;

  private int m;
  private int n;
  private int k;
  private float[] a;
  private float[][] b;
  private float[][] c;

  @Setup
  public void setUp() {
    String[] dims = shape.split("x");
    m = Integer.parseInt(dims[0]);
    n = Integer.parseInt(dims[1]);
    k = Integer.parseInt(dims[2]);
    SplittableRandom random = new SplittableRandom(1);
    a = new float[m * k];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (random.nextDouble() * 1e-3);
    }
    b = new float[k][n];
    for (float[] row : b) {
      for (int j = 0; j < n; j++) {
        row[j] = (float) random.nextDouble();
      }
    }
    c = new float[m][n];
    System.out.printf("%n# PlainLoopBenchmark %s: FLOP per call %d%n", shape, 2L * m * n * k);
  }

  /** One row of C, one row of B: a load and a store of C per multiply-add. */
  @Benchmark
  public float[][] c1b1() {
    for (int r = 0; r < m; r++) {
      float[] y = c[r];
      for (int p = 0; p < k; p++) {
        float s = a[r * k + p];
        float[] x = b[p];
        for (int j = 0; j < n; j++) {
          y[j] = Math.fma(s, x[j], y[j]);
        }
      }
    }
    return c;
  }

  /** Two rows of C, two rows of B: the plain path's form. */
  @Benchmark
  public float[][] c2b2() {
    for (int r = 0; r + 2 <= m; r += 2) {
      float[] y0 = c[r];
      float[] y1 = c[r + 1];
      for (int p = 0; p + 2 <= k; p += 2) {
        float s00 = a[r * k + p];
        float s01 = a[r * k + p + 1];
        float s10 = a[(r + 1) * k + p];
        float s11 = a[(r + 1) * k + p + 1];
        float[] x0 = b[p];
        float[] x1 = b[p + 1];
        for (int j = 0; j < n; j++) {
          float u = x0[j];
          float v = x1[j];
          y0[j] = Math.fma(s01, v, Math.fma(s00, u, y0[j]));
          y1[j] = Math.fma(s11, v, Math.fma(s10, u, y1[j]));
        }
      }
    }
    return c;
  }

  /** Two rows of C, three rows of B. */
  @Benchmark
  public float[][] c2b3() {
    for (int r = 0; r + 2 <= m; r += 2) {
      float[] y0 = c[r];
      float[] y1 = c[r + 1];
      int a0 = r * k;
      int a1 = a0 + k;
      for (int p = 0; p + 3 <= k; p += 3) {
        float s0 = a[a0 + p];
        float s1 = a[a0 + p + 1];
        float s2 = a[a0 + p + 2];
        float t0 = a[a1 + p];
        float t1 = a[a1 + p + 1];
        float t2 = a[a1 + p + 2];
        float[] x0 = b[p];
        float[] x1 = b[p + 1];
        float[] x2 = b[p + 2];
        for (int j = 0; j < n; j++) {
          float u0 = x0[j];
          float u1 = x1[j];
          float u2 = x2[j];
          y0[j] = Math.fma(s2, u2, Math.fma(s1, u1, Math.fma(s0, u0, y0[j])));
          y1[j] = Math.fma(t2, u2, Math.fma(t1, u1, Math.fma(t0, u0, y1[j])));
        }
      }
    }
    return c;
  }

  /** Two rows of C, four rows of B. */
  @Benchmark
  public float[][] c2b4() {
    for (int r = 0; r + 2 <= m; r += 2) {
      float[] y0 = c[r];
      float[] y1 = c[r + 1];
      int a0 = r * k;
      int a1 = a0 + k;
      for (int p = 0; p + 4 <= k; p += 4) {
        float s0 = a[a0 + p];
        float s1 = a[a0 + p + 1];
        float s2 = a[a0 + p + 2];
        float s3 = a[a0 + p + 3];
        float t0 = a[a1 + p];
        float t1 = a[a1 + p + 1];
        float t2 = a[a1 + p + 2];
        float t3 = a[a1 + p + 3];
        float[] x0 = b[p];
        float[] x1 = b[p + 1];
        float[] x2 = b[p + 2];
        float[] x3 = b[p + 3];
        for (int j = 0; j < n; j++) {
          float u0 = x0[j];
          float u1 = x1[j];
          float u2 = x2[j];
          float u3 = x3[j];
          y0[j] = Math.fma(s3, u3, Math.fma(s2, u2, Math.fma(s1, u1, Math.fma(s0, u0, y0[j]))));
          y1[j] = Math.fma(t3, u3, Math.fma(t2, u2, Math.fma(t1, u1, Math.fma(t0, u0, y1[j]))));
        }
      }
    }
    return c;
  }

  /** One row of C, four rows of B: one load and store of C per four multiply-adds. */
  @Benchmark
  public float[][] c1b4() {
    for (int r = 0; r < m; r++) {
      float[] y = c[r];
      int a0 = r * k;
      for (int p = 0; p + 4 <= k; p += 4) {
        float s0 = a[a0 + p];
        float s1 = a[a0 + p + 1];
        float s2 = a[a0 + p + 2];
        float s3 = a[a0 + p + 3];
        float[] x0 = b[p];
        float[] x1 = b[p + 1];
        float[] x2 = b[p + 2];
        float[] x3 = b[p + 3];
        for (int j = 0; j < n; j++) {
          y[j] =
              Math.fma(
                  s3, x3[j], Math.fma(s2, x2[j], Math.fma(s1, x1[j], Math.fma(s0, x0[j], y[j]))));
        }
      }
    }
    return c;
  }

  /** Four rows of C, two rows of B. */
  @Benchmark
  public float[][] c4b2() {
    for (int r = 0; r + 4 <= m; r += 4) {
      float[] y0 = c[r];
      float[] y1 = c[r + 1];
      float[] y2 = c[r + 2];
      float[] y3 = c[r + 3];
      for (int p = 0; p + 2 <= k; p += 2) {
        float s0 = a[r * k + p];
        float s1 = a[(r + 1) * k + p];
        float s2 = a[(r + 2) * k + p];
        float s3 = a[(r + 3) * k + p];
        float t0 = a[r * k + p + 1];
        float t1 = a[(r + 1) * k + p + 1];
        float t2 = a[(r + 2) * k + p + 1];
        float t3 = a[(r + 3) * k + p + 1];
        float[] x0 = b[p];
        float[] x1 = b[p + 1];
        for (int j = 0; j < n; j++) {
          float u = x0[j];
          float v = x1[j];
          y0[j] = Math.fma(t0, v, Math.fma(s0, u, y0[j]));
          y1[j] = Math.fma(t1, v, Math.fma(s1, u, y1[j]));
          y2[j] = Math.fma(t2, v, Math.fma(s2, u, y2[j]));
          y3[j] = Math.fma(t3, v, Math.fma(s3, u, y3[j]));
        }
      }
    }
    return c;
  }
}
