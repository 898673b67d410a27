package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernels' twins against the CPU backend's operations (the definitions every backend
 * implements), through the {@link Backend} SPI, on seeded random data: the data movement bit for
 * bit (the same operations in the same order), the losses' gradients to the last bit of the dtype,
 * and the reductions, which sum in another order, to rounding. (The optimizers' twins are the CPU
 * operations themselves.) No GPU needed: the GPU is held to the twins by {@link
 * CudaKernelsGpuTest}.
 */
class KernelTwinsTest {
  private static final int N = 3001; // more than one block, not a multiple of 256

  private final Backend cpu = Backends.cpu();

  @Test
  void mseTwinIsTheCpuMseLoss() {
    SplittableRandom random = new SplittableRandom(5);
    for (int n : new int[] {1, 255, 257, N, 400_000}) {
      float[] p32 = floats(random, n);
      float[] t32 = floats(random, n);
      float[] dp32 = new float[n];
      double loss32 = KernelTwins.mseFinish(KernelTwins.mse(p32, t32, dp32), n);
      Storage grad32 = put(new float[n]);
      double cpuLoss32 = floatsOf(cpu.mseLoss(put(p32), put(t32), grad32))[0];
      assertArrayEquals(floatsOf(grad32), dp32, "float32 gradient, n = " + n);
      assertEquals(
          cpuLoss32, (float) loss32, Math.ulp((float) cpuLoss32), "float32 loss, n = " + n);

      double[] p64 = doubles(random, n);
      double[] t64 = doubles(random, n);
      double[] dp64 = new double[n];
      double loss64 = KernelTwins.mseFinish(KernelTwins.mse(p64, t64, dp64), n);
      Storage grad64 = put(new double[n]);
      double cpuLoss64 = doublesOf(cpu.mseLoss(put(p64), put(t64), grad64))[0];
      assertArrayEquals(doublesOf(grad64), dp64, "float64 gradient, n = " + n);
      assertEquals(cpuLoss64, loss64, 1e-12 * cpuLoss64, "float64 loss, n = " + n);
    }
    assertEquals(Double.NaN, KernelTwins.mseFinish(new double[0], 0));
  }

  @Test
  void crossEntropyTwinIsTheCpuCrossEntropyLoss() {
    SplittableRandom random = new SplittableRandom(9);
    for (int[] nc : new int[][] {{1, 2}, {7, 5}, {300, 11}, {2000, 3}}) {
      int n = nc[0];
      int c = nc[1];
      int[] target = new int[n];
      long[] longTarget = new long[n];
      int count = 0;
      for (int i = 0; i < n; i++) {
        target[i] = i % 5 == 3 ? KernelTwins.IGNORE_INDEX : random.nextInt(c);
        longTarget[i] = target[i];
        count += target[i] == KernelTwins.IGNORE_INDEX ? 0 : 1;
      }
      double[] logits = doubles(random, n * c);
      for (int i = 0; i < logits.length; i++) {
        logits[i] *= 8; // softmaxes far from uniform
      }
      double[] grad = new double[n * c];
      double loss =
          KernelTwins.crossEntropyFinish(
              KernelTwins.crossEntropy(logits, target, grad, n, c, count), count);
      Storage cpuGrad64 = put(new double[n * c]);
      double cpuLoss64 =
          doublesOf(cpu.crossEntropyLoss(put(logits), longTarget, n, c, cpuGrad64))[0];
      assertClose(doublesOf(cpuGrad64), grad, 0, "float64 gradient " + n + "x" + c);
      assertEquals(cpuLoss64, loss, 1e-12 * Math.abs(cpuLoss64), "float64 loss " + n + "x" + c);

      float[] logits32 = new float[n * c];
      for (int i = 0; i < logits32.length; i++) {
        logits32[i] = (float) logits[i];
      }
      double[] wide = new double[n * c];
      for (int i = 0; i < wide.length; i++) {
        wide[i] = logits32[i];
      }
      double[] grad32 = new double[n * c];
      double loss32 =
          KernelTwins.crossEntropyFinish(
              KernelTwins.crossEntropy(wide, target, grad32, n, c, count), count);
      Storage cpuGrad32 = put(new float[n * c]);
      float cpuLoss32 =
          floatsOf(cpu.crossEntropyLoss(put(logits32), longTarget, n, c, cpuGrad32))[0];
      float[] rounded = new float[n * c];
      for (int i = 0; i < rounded.length; i++) {
        rounded[i] = (float) grad32[i];
      }
      assertArrayEquals(
          floatsOf(cpuGrad32), rounded, Math.ulp(1f) / 2, "float32 gradient " + n + "x" + c);
      assertEquals(cpuLoss32, (float) loss32, Math.ulp(cpuLoss32), "float32 loss " + n + "x" + c);
    }
    int[] ignored = {KernelTwins.IGNORE_INDEX};
    double[] grad = new double[3];
    assertEquals(
        Double.NaN,
        KernelTwins.crossEntropyFinish(
            KernelTwins.crossEntropy(new double[] {1, 2, 3}, ignored, grad, 1, 3, 0), 0));
    assertArrayEquals(new double[3], grad, "an ignored row has no gradient");
  }

  @Test
  void clippingTwinIsTheCpuClipGradNorm() {
    SplittableRandom random = new SplittableRandom(7);
    int[] sizes = {300, 5, 70_000};
    for (double maxNorm : new double[] {0.5, 1e6, Double.POSITIVE_INFINITY}) {
      float[][] g32 = new float[sizes.length][];
      double[][] g64 = new double[sizes.length][];
      List<Storage> cpu32 = new ArrayList<>();
      List<Storage> cpu64 = new ArrayList<>();
      for (int i = 0; i < sizes.length; i++) {
        g32[i] = floats(random, sizes[i]);
        g64[i] = doubles(random, sizes[i]);
        cpu32.add(put(g32[i].clone()));
        cpu64.add(put(g64[i].clone()));
      }
      float norm32 = floatsOf(cpu.clipGradNorm(cpu32, maxNorm))[0];
      double norm64 = doublesOf(cpu.clipGradNorm(cpu64, maxNorm))[0];
      double limit = Double.isInfinite(maxNorm) ? Double.MAX_VALUE : maxNorm;
      double[] twin32 = KernelTwins.clipCoefficient(concatPartials32(g32), limit);
      double[] twin64 = KernelTwins.clipCoefficient(concatPartials64(g64), limit);
      assertEquals(
          norm32, (float) twin32[0], Math.ulp(norm32), "float32 norm, max_norm " + maxNorm);
      assertEquals(norm64, twin64[0], 1e-12 * norm64, "float64 norm, max_norm " + maxNorm);
      for (int i = 0; i < sizes.length; i++) {
        if (!Double.isInfinite(maxNorm)) {
          KernelTwins.scale(g32[i], twin32[1]);
          KernelTwins.scale(g64[i], twin64[1]);
        }
        float[] expected32 = floatsOf(cpu32.get(i));
        double[] expected64 = doublesOf(cpu64.get(i));
        for (int j = 0; j < sizes[i]; j++) {
          assertEquals(
              expected32[j], g32[i][j], Math.ulp(expected32[j]), "float32 g" + i + "[" + j + "]");
          assertEquals(
              expected64[j],
              g64[i][j],
              1e-12 * Math.abs(expected64[j]),
              "float64 g" + i + "[" + j + "]");
        }
      }
    }
    double[] nan = KernelTwins.clipCoefficient(new double[] {Double.NaN}, 1.0);
    assertEquals(Double.NaN, nan[1], "a NaN norm gives a NaN coefficient, as clip_grad_norm_");
  }

  @Test
  void sumRowsTwinIsTheCpuBiasGradient() {
    SplittableRandom random = new SplittableRandom(13);
    int m = 1000;
    int k = 3;
    int in = 2;
    double[] dy = doubles(random, m * k);
    double[] start = doubles(random, k);
    double[] twin = start.clone();
    KernelTwins.sumRows(dy, twin, m, k);
    Storage biasGrad = put(start.clone());
    cpu.linearBackward(
        put(doubles(random, m * in)),
        put(doubles(random, k * in)),
        put(dy),
        m,
        in,
        k,
        put(new double[k * in]),
        biasGrad);
    assertClose(doublesOf(biasGrad), twin, 1e-12, "bias gradient accumulated onto its start");
  }

  @Test
  void layoutTwinsAreTheCpuLayoutOperations() {
    SplittableRandom random = new SplittableRandom(17);
    int t = 4;
    int n = 3;
    int h = 5;
    double[] y = doubles(random, t * n * 2 * h);
    double[] out1 = new double[t * n * h];
    KernelTwins.splitDirections(y, null, out1, t * n, h);
    Storage cpuOut1 = put(new double[t * n * h]);
    cpu.splitDirection(put(y), t * n, h, 1, cpuOut1);
    assertArrayEquals(doublesOf(cpuOut1), out1, "split_directions, direction 1");

    double[] transposed = new double[y.length];
    KernelTwins.transpose01(y, transposed, t, n, 2 * h);
    Storage cpuTransposed = put(new double[y.length]);
    cpu.transpose01(put(y), cpuTransposed, t, n, 2 * h);
    assertArrayEquals(doublesOf(cpuTransposed), transposed, "transpose01");

    int[] rows = {11, 0, 5, 7};
    double[] gathered = new double[rows.length * 2 * h];
    KernelTwins.gatherRows(y, rows, gathered, 2 * h);
    Storage cpuGathered = put(new double[gathered.length]);
    cpu.gatherRows(put(y), 2 * h, rows, cpuGathered);
    assertArrayEquals(doublesOf(cpuGathered), gathered, "gather_rows");

    double[] into = doubles(random, y.length);
    Storage cpuInto = put(into.clone());
    KernelTwins.scatterRows(gathered, rows, into, 2 * h);
    cpu.scatterRows(put(gathered), 2 * h, rows, cpuInto);
    assertArrayEquals(doublesOf(cpuInto), into, "scatter_rows");

    float[] f = floats(random, 7);
    Storage cpuF = put(f.clone());
    KernelTwins.fill(f, 0.1);
    cpu.fillInPlace(cpuF, 0.1);
    assertArrayEquals(floatsOf(cpuF), f, "fill rounds the value to float32");

    double[] a = doubles(random, 9);
    double[] b = doubles(random, 9);
    Storage cpuA = put(a.clone());
    KernelTwins.add(a, b);
    cpu.addInPlace(cpuA, put(b));
    assertArrayEquals(doublesOf(cpuA), a, "add");

    float[] s = floats(random, 9);
    Storage cpuS = put(s.clone());
    KernelTwins.scale(s, 0.3);
    cpu.scaleInPlace(cpuS, 0.3);
    assertArrayEquals(floatsOf(cpuS), s, "scale: the factor rounded to float32 first, as mul_");

    int[] lengths = {4, 1, 2};
    double[] masked = y.clone();
    KernelTwins.maskPadding(masked, lengths, t, n, 2 * h);
    for (int step = 0; step < t; step++) {
      for (int bi = 0; bi < n; bi++) {
        for (int j = 0; j < 2 * h; j++) {
          int i = (step * n + bi) * 2 * h + j;
          assertEquals(step < lengths[bi] ? y[i] : 0, masked[i], "maskPadding at " + i);
        }
      }
    }
  }

  static float[] floats(SplittableRandom random, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (2 * random.nextDouble() - 1);
    }
    return a;
  }

  static double[] doubles(SplittableRandom random, int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = 2 * random.nextDouble() - 1;
    }
    return a;
  }

  private Storage put(float[] values) {
    return cpu.upload(HostStorage.of(values));
  }

  private Storage put(double[] values) {
    return cpu.upload(HostStorage.of(values));
  }

  private float[] floatsOf(Storage s) {
    HostStorage h = HostStorage.zeros(DType.FLOAT32, (int) s.numel());
    cpu.download(s, h);
    return h.floats();
  }

  private double[] doublesOf(Storage s) {
    HostStorage h = HostStorage.zeros(DType.FLOAT64, (int) s.numel());
    cpu.download(s, h);
    return h.doubles();
  }

  /**
   * Element by element within {@code rtol} (0: bit for bit), naming the first index that is not.
   */
  private static void assertClose(double[] expected, double[] actual, double rtol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], rtol * Math.abs(expected[i]), what + " at " + i);
    }
  }

  private static double[] concatPartials32(float[][] grads) {
    List<double[]> parts = new ArrayList<>();
    for (float[] g : grads) {
      parts.add(KernelTwins.sumSquares(g));
    }
    return concat(parts);
  }

  private static double[] concatPartials64(double[][] grads) {
    List<double[]> parts = new ArrayList<>();
    for (double[] g : grads) {
      parts.add(KernelTwins.sumSquares(g));
    }
    return concat(parts);
  }

  private static double[] concat(List<double[]> parts) {
    int total = parts.stream().mapToInt(p -> p.length).sum();
    double[] all = new double[total];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
