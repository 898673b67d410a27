package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.GpuTestSupport.toDoubles;
import static dev.rnn4j.backend.cuda.GpuTestSupport.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.SgdScalars;
import dev.rnn4j.testing.GpuTest;
import java.util.Arrays;
import java.util.SplittableRandom;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kernel in both dtypes against its {@link KernelTwins} twin, on seeded random data, into
 * outputs poisoned beforehand. The twins replay the kernels' arithmetic and reduction order, so the
 * comparison is bit for bit, except where device exp/log enter (cross-entropy: a few float64 ulps);
 * a failure names the first differing index, both values and the largest difference. Sizes are
 * chosen to span several blocks, to hit the 1024-block grid cap (so grid-stride loops run more than
 * once) and to be no multiple of 256.
 */
@GpuTest
class CudaKernelsGpuTest {
  private static GpuTestSupport gpu;
  private static CudaKernels kernels;

  @BeforeAll
  static void setUp() {
    gpu = new GpuTestSupport();
    kernels = CudaKernels.load();
  }

  @AfterAll
  static void tearDown() {
    try {
      if (kernels != null) {
        kernels.close();
      }
    } finally {
      if (gpu != null) {
        gpu.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void transpose01(DType dtype) {
    int a = 7;
    int b = 33;
    int c = 19;
    double[] in = data(dtype, 1, a * b * c);
    CUdeviceptr out = gpu.poisoned(dtype, in.length);
    kernels.transpose01(gpu.stream, dtype, gpu.upload(dtype, in), out, a, b, c);
    double[] expected = new double[in.length];
    KernelTwins.transpose01(in, expected, a, b, c);
    assertMatches("transpose01", dtype, expected, gpu.download(dtype, out, in.length));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void splitDirections(DType dtype) {
    int rows = 5 * 7;
    int h = 37;
    double[] y = data(dtype, 2, rows * 2 * h);
    CUdeviceptr out0 = gpu.poisoned(dtype, rows * h);
    CUdeviceptr out1 = gpu.poisoned(dtype, rows * h);
    kernels.splitDirections(gpu.stream, dtype, gpu.upload(dtype, y), out0, out1, rows, h);
    double[] e0 = new double[rows * h];
    double[] e1 = new double[rows * h];
    KernelTwins.splitDirections(y, e0, e1, rows, h);
    assertMatches("split_directions out0", dtype, e0, gpu.download(dtype, out0, rows * h));
    assertMatches("split_directions out1", dtype, e1, gpu.download(dtype, out1, rows * h));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void paddingRowsFillAndAdd(DType dtype) {
    int t = 6;
    int n = 5;
    int c = 9;
    CUdeviceptr lengths = gpu.upload(new int[] {6, 1, 3, 0, 4});
    double[] y = data(dtype, 5, t * n * c);
    CUdeviceptr masked = gpu.upload(dtype, y);
    kernels.maskPadding(gpu.stream, dtype, masked, lengths, t, n, c);
    double[] expected = y.clone();
    KernelTwins.maskPadding(expected, new int[] {6, 1, 3, 0, 4}, t, n, c);
    assertMatches("mask_padding", dtype, expected, gpu.download(dtype, masked, y.length));

    int width = 300; // rows span blocks
    int sourceRows = 4000;
    int[] rows = new int[1500]; // 450,000 elements: the grid cap is reached
    for (int r = 0; r < rows.length; r++) {
      rows[r] = (r * 7919) % sourceRows; // distinct: 7919 is prime to 4000
    }
    double[] source = data(dtype, 6, sourceRows * width);
    CUdeviceptr gathered = gpu.poisoned(dtype, (long) rows.length * width);
    kernels.gatherRows(
        gpu.stream,
        dtype,
        gpu.upload(dtype, source),
        gpu.upload(rows),
        gathered,
        rows.length,
        width);
    double[] expectedRows = new double[rows.length * width];
    KernelTwins.gatherRows(source, rows, expectedRows, width);
    assertMatches(
        "gather_rows", dtype, expectedRows, gpu.download(dtype, gathered, expectedRows.length));

    double[] into = data(dtype, 7, sourceRows * width);
    CUdeviceptr scattered = gpu.upload(dtype, into);
    kernels.scatterRows(
        gpu.stream,
        dtype,
        gpu.upload(dtype, expectedRows),
        gpu.upload(rows),
        scattered,
        rows.length,
        width);
    KernelTwins.scatterRows(expectedRows, rows, into, width);
    assertMatches("scatter_rows", dtype, into, gpu.download(dtype, scattered, into.length));

    int big = 300_001;
    CUdeviceptr filled = gpu.poisoned(dtype, big);
    kernels.fill(gpu.stream, dtype, filled, big, 0.1);
    double[] expectedFill = new double[big];
    Arrays.fill(expectedFill, round(dtype, 0.1));
    assertMatches("fill", dtype, expectedFill, gpu.download(dtype, filled, big));

    double[] a = data(dtype, 8, big);
    double[] b = data(dtype, 9, big);
    CUdeviceptr sum = gpu.upload(dtype, a);
    kernels.add(gpu.stream, dtype, sum, gpu.upload(dtype, b), big);
    double[] expectedSum;
    if (dtype == DType.FLOAT32) {
      float[] f = toFloats(a);
      KernelTwins.add(f, toFloats(b));
      expectedSum = toDoubles(f);
    } else {
      expectedSum = a.clone();
      KernelTwins.add(expectedSum, b);
    }
    assertMatches("add", dtype, expectedSum, gpu.download(dtype, sum, big));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void biasForwardAndGradient(DType dtype) {
    int m = 1000;
    int k = 13;
    double[] y = data(dtype, 7, m * k);
    double[] b = data(dtype, 8, k);
    CUdeviceptr dy = gpu.upload(dtype, y);
    kernels.addRowBias(gpu.stream, dtype, dy, gpu.upload(dtype, b), m, k);
    double[] expected;
    if (dtype == DType.FLOAT32) {
      float[] f = toFloats(y);
      KernelTwins.addRowBias(f, toFloats(b), m, k);
      expected = toDoubles(f);
    } else {
      expected = y.clone();
      KernelTwins.addRowBias(expected, b, m, k);
    }
    assertMatches("add_row_bias", dtype, expected, gpu.download(dtype, dy, m * k));

    for (int[] shape : new int[][] {{5000, 3}, {7, 1100}, {70_000, 1}}) {
      int rows = shape[0];
      int cols = shape[1];
      double[] x = data(dtype, 9, rows * cols);
      double[] start = data(dtype, 10, cols); // sum_rows accumulates onto what is there
      CUdeviceptr sums = gpu.upload(dtype, start);
      kernels.sumRows(gpu.stream, dtype, gpu.upload(dtype, x), sums, rows, cols);
      double[] expectedSums;
      if (dtype == DType.FLOAT32) {
        float[] f = toFloats(start);
        KernelTwins.sumRows(toFloats(x), f, rows, cols);
        expectedSums = toDoubles(f);
      } else {
        expectedSums = start.clone();
        KernelTwins.sumRows(x, expectedSums, rows, cols);
      }
      assertMatches(
          "sum_rows " + rows + "x" + cols, dtype, expectedSums, gpu.download(dtype, sums, cols));
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void mseLoss(DType dtype) {
    int n = 300_001; // 1172 blocks' worth: the grid is capped at 1024
    double[] p = data(dtype, 10, n);
    double[] t = data(dtype, 11, n);
    CUdeviceptr grad = gpu.poisoned(dtype, n);
    CUdeviceptr partials = gpu.poisoned(DType.FLOAT64, CudaKernels.partialCount(n));
    CUdeviceptr loss = gpu.poisoned(dtype, 1);
    int count =
        kernels.mse(
            gpu.stream, dtype, gpu.upload(dtype, p), gpu.upload(dtype, t), grad, n, partials);
    kernels.mseFinish(gpu.stream, dtype, partials, count, n, loss);

    double[] expectedGrad;
    double[] expectedPartials;
    if (dtype == DType.FLOAT32) {
      float[] g = new float[n];
      expectedPartials = KernelTwins.mse(toFloats(p), toFloats(t), g);
      expectedGrad = toDoubles(g);
    } else {
      expectedGrad = new double[n];
      expectedPartials = KernelTwins.mse(p, t, expectedGrad);
    }
    assertEquals(expectedPartials.length, count, "partials");
    double expectedLoss = round(dtype, KernelTwins.mseFinish(expectedPartials, n));
    assertMatches("mse grad", dtype, expectedGrad, gpu.download(dtype, grad, n));
    assertMatches(
        "mse partials",
        DType.FLOAT64,
        expectedPartials,
        gpu.download(DType.FLOAT64, partials, count));
    assertMatches("mse loss", dtype, new double[] {expectedLoss}, gpu.download(dtype, loss, 1));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void crossEntropyLoss(DType dtype) {
    int n = 5000; // rows over several blocks
    int c = 37;
    int[] target = new int[n];
    int count = 0;
    SplittableRandom random = new SplittableRandom(60);
    for (int i = 0; i < n; i++) {
      target[i] = i % 7 == 2 ? KernelTwins.IGNORE_INDEX : random.nextInt(c);
      count += target[i] == KernelTwins.IGNORE_INDEX ? 0 : 1;
    }
    double[] logits = data(dtype, 61, n * c);
    CUdeviceptr grad = gpu.poisoned(dtype, (long) n * c);
    CUdeviceptr terms = gpu.poisoned(DType.FLOAT64, n);
    CUdeviceptr loss = gpu.poisoned(dtype, 1);
    kernels.crossEntropy(
        gpu.stream, dtype, gpu.upload(dtype, logits), gpu.upload(target), grad, n, c, count, terms);
    kernels.crossEntropyFinish(gpu.stream, dtype, terms, n, count, loss);
    double[] expectedGrad = new double[n * c];
    double[] expectedTerms = KernelTwins.crossEntropy(logits, target, expectedGrad, n, c, count);
    for (int i = 0; i < expectedGrad.length; i++) {
      expectedGrad[i] = round(dtype, expectedGrad[i]);
    }
    // Device exp/log are within 1 ulp of Java's, not equal to them: to a few ulps of float64.
    assertNear("cross_entropy terms", expectedTerms, gpu.download(DType.FLOAT64, terms, n), 4);
    assertNear(
        "cross_entropy grad",
        expectedGrad,
        gpu.download(dtype, grad, n * c),
        dtype == DType.FLOAT32 ? 1 << 29 : 4);
    double expectedLoss = round(dtype, KernelTwins.crossEntropyFinish(expectedTerms, count));
    assertNear(
        "cross_entropy loss",
        new double[] {expectedLoss},
        gpu.download(dtype, loss, 1),
        dtype == DType.FLOAT32 ? 1 << 29 : 64);
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void gradientClipping(DType dtype) {
    int[] sizes = {70_000, 300, 260_000};
    double[][] grads = new double[sizes.length][];
    CUdeviceptr[] device = new CUdeviceptr[sizes.length];
    int total = 0;
    for (int i = 0; i < sizes.length; i++) {
      grads[i] = data(dtype, 12 + i, sizes[i]);
      device[i] = gpu.upload(dtype, grads[i]);
      total += CudaKernels.partialCount(sizes[i]);
    }
    CUdeviceptr partials = gpu.poisoned(DType.FLOAT64, total);
    int offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      offset +=
          kernels.sumSquares(
              gpu.stream, dtype, device[i], sizes[i], partials.withByteOffset(8L * offset));
    }
    CUdeviceptr norm = gpu.poisoned(dtype, 1);
    CUdeviceptr coef = gpu.poisoned(DType.FLOAT64, 1);
    double maxNorm = 3.0; // well below the norm of ~330,000 values in [-1, 1]: the gradients shrink
    kernels.clipCoefficient(gpu.stream, dtype, partials, offset, maxNorm, norm, coef);
    for (int i = 0; i < sizes.length; i++) {
      kernels.scale(gpu.stream, dtype, device[i], sizes[i], coef);
    }

    double[] expectedPartials = new double[total];
    int at = 0;
    for (double[] g : grads) {
      double[] part =
          dtype == DType.FLOAT32 ? KernelTwins.sumSquares(toFloats(g)) : KernelTwins.sumSquares(g);
      System.arraycopy(part, 0, expectedPartials, at, part.length);
      at += part.length;
    }
    double[] expected = KernelTwins.clipCoefficient(expectedPartials, maxNorm);
    assertMatches(
        "sum_squares partials",
        DType.FLOAT64,
        expectedPartials,
        gpu.download(DType.FLOAT64, partials, total));
    assertMatches(
        "clip_coefficient norm",
        dtype,
        new double[] {round(dtype, expected[0])},
        gpu.download(dtype, norm, 1));
    assertMatches(
        "clip_coefficient coef",
        DType.FLOAT64,
        new double[] {expected[1]},
        gpu.download(DType.FLOAT64, coef, 1));
    for (int i = 0; i < sizes.length; i++) {
      double[] scaled;
      if (dtype == DType.FLOAT32) {
        float[] f = toFloats(grads[i]);
        KernelTwins.scale(f, expected[1]);
        scaled = toDoubles(f);
      } else {
        scaled = grads[i].clone();
        KernelTwins.scale(scaled, expected[1]);
      }
      assertMatches("scale g" + i, dtype, scaled, gpu.download(dtype, device[i], sizes[i]));
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void sgdStep(DType dtype) {
    int n = 300_001;
    SgdScalars[] cases = {
      SgdScalars.of(0.05, 0, 0, 0, false, 1),
      SgdScalars.of(0.05, 0.9, 0.1, 0.01, false, 1),
      SgdScalars.of(0.05, 0.9, 0.1, 0.01, false, 3),
      SgdScalars.of(0.05, 0.9, 0, 0.001, true, 2),
    };
    int seed = 20;
    for (SgdScalars s : cases) {
      double[] p = data(dtype, seed++, n);
      double[] g = data(dtype, seed++, n);
      double[] buf = s.momentum() != 0 ? data(dtype, seed++, n) : null;
      CUdeviceptr dp = gpu.upload(dtype, p);
      CUdeviceptr dbuf = buf != null ? gpu.upload(dtype, buf) : null;
      kernels.sgdStep(gpu.stream, dtype, dp, gpu.upload(dtype, g), dbuf, n, s);
      double[] expectedP;
      double[] expectedBuf;
      if (dtype == DType.FLOAT32) {
        float[] fp = toFloats(p);
        float[] fbuf = buf != null ? toFloats(buf) : null;
        KernelTwins.sgdStep(fp, toFloats(g), fbuf, s);
        expectedP = toDoubles(fp);
        expectedBuf = fbuf != null ? toDoubles(fbuf) : null;
      } else {
        expectedP = p.clone();
        expectedBuf = buf != null ? buf.clone() : null;
        KernelTwins.sgdStep(expectedP, g, expectedBuf, s);
      }
      assertMatches("sgd_step param " + s, dtype, expectedP, gpu.download(dtype, dp, n));
      if (expectedBuf != null) {
        assertMatches(
            "sgd_step momentum_buffer " + s, dtype, expectedBuf, gpu.download(dtype, dbuf, n));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void adamStep(DType dtype) {
    int n = 300_001;
    Object[][] cases = {
      {AdamScalars.of(1e-3, 0.9, 0.999, 1e-8, 0, false, 1), false},
      {AdamScalars.of(1e-2, 0.8, 0.99, 1e-6, 0.1, false, 7), true},
      {AdamScalars.of(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 3), false},
      {AdamScalars.of(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 1000), true},
    };
    int seed = 40;
    for (Object[] c : cases) {
      AdamScalars s = (AdamScalars) c[0];
      boolean amsgrad = (Boolean) c[1];
      double[] p = data(dtype, seed++, n);
      double[] g = data(dtype, seed++, n);
      double[] m = data(dtype, seed++, n);
      double[] v = abs(data(dtype, seed++, n));
      double[] vmax = amsgrad ? abs(data(dtype, seed++, n)) : null;
      CUdeviceptr dp = gpu.upload(dtype, p);
      CUdeviceptr dm = gpu.upload(dtype, m);
      CUdeviceptr dv = gpu.upload(dtype, v);
      CUdeviceptr dvmax = amsgrad ? gpu.upload(dtype, vmax) : null;
      kernels.adamStep(gpu.stream, dtype, dp, gpu.upload(dtype, g), dm, dv, dvmax, n, s);
      double[][] expected; // p, m, v, vmax
      if (dtype == DType.FLOAT32) {
        float[][] f = {toFloats(p), toFloats(m), toFloats(v), amsgrad ? toFloats(vmax) : null};
        KernelTwins.adamStep(f[0], toFloats(g), f[1], f[2], f[3], s);
        expected =
            new double[][] {
              toDoubles(f[0]), toDoubles(f[1]), toDoubles(f[2]), amsgrad ? toDoubles(f[3]) : null
            };
      } else {
        expected = new double[][] {p.clone(), m.clone(), v.clone(), amsgrad ? vmax.clone() : null};
        KernelTwins.adamStep(expected[0], g, expected[1], expected[2], expected[3], s);
      }
      String what = "adam_step " + s + (amsgrad ? " amsgrad" : "");
      assertMatches(what + " param", dtype, expected[0], gpu.download(dtype, dp, n));
      assertMatches(what + " exp_avg", dtype, expected[1], gpu.download(dtype, dm, n));
      assertMatches(what + " exp_avg_sq", dtype, expected[2], gpu.download(dtype, dv, n));
      if (amsgrad) {
        assertMatches(what + " max_exp_avg_sq", dtype, expected[3], gpu.download(dtype, dvmax, n));
      }
    }
  }

  /** Seeded values in [-1, 1], never exactly 0, representable in {@code dtype}. */
  private static double[] data(DType dtype, int seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      double u = 2 * random.nextDouble() - 1;
      a[i] = round(dtype, u == 0 ? 0.5 : u);
    }
    return a;
  }

  /**
   * Within {@code ulps} float64 ulps of the twin (exp and log differ in their last bit between the
   * device and Java); a float32 value one float32 ulp away is 2^29 float64 ulps away.
   */
  private static void assertNear(String what, double[] expected, double[] actual, long ulps) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double tolerance = ulps * Math.ulp(expected[i]);
      if (!(Math.abs(expected[i] - actual[i]) <= tolerance)
          && Double.compare(expected[i], actual[i]) != 0) {
        fail(
            String.format(
                "%s: first difference at index %d: expected %s (twin), got %s (GPU), more than "
                    + "%d float64 ulps",
                what, i, expected[i], actual[i], ulps));
      }
    }
  }

  private static double[] abs(double[] a) {
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.abs(a[i]);
    }
    return a;
  }

  private static double round(DType dtype, double v) {
    return dtype == DType.FLOAT32 ? (float) v : v;
  }

  /**
   * Bit for bit (NaN equal to NaN); otherwise the first differing index, both values, the max diff.
   */
  private static void assertMatches(String what, DType dtype, double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, what + ": length");
    int first = -1;
    int mismatches = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      boolean same =
          Double.compare(expected[i], actual[i]) == 0
              || (dtype == DType.FLOAT32
                  && Float.compare((float) expected[i], (float) actual[i]) == 0);
      if (!same) {
        mismatches++;
        if (first < 0) {
          first = i;
        }
        double diff = Math.abs(expected[i] - actual[i]);
        maxDiff = Double.isNaN(diff) ? Double.NaN : Math.max(maxDiff, diff);
      }
    }
    if (first >= 0) {
      fail(
          String.format(
              "%s (%s): %d of %d elements differ; first at index %d: expected %s (twin), got "
                  + "%s (GPU); max |diff| %s",
              what,
              dtype,
              mismatches,
              expected.length,
              first,
              expected[first],
              actual[first],
              maxDiff));
    }
  }
}
