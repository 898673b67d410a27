package dev.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.GradClipping;
import dev.rnn4j.train.LossResult;
import dev.rnn4j.train.MseLoss;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The twins of the training kernels against rnn4j's CPU classes on seeded random data: the optimizers
 * bit for bit (the same operations in the same order), the loss gradient bit for bit, and the
 * reductions, which sum in another order, to rounding.
 */
class KernelTwinsTest {
  private static final int N = 3001; // more than one block, not a multiple of 256
  private static final int STEPS = 4;

  @Test
  void sgdTwinIsSgd() {
    OptimizerConfig[] configs = {
        OptimizerConfig.sgd(0.05),
        OptimizerConfig.sgd(0.05).withWeightDecay(0.01),
        OptimizerConfig.sgd(0.05).withMomentum(0.9).withDampening(0.1).withWeightDecay(0.01),
        OptimizerConfig.sgd(0.05).withMomentum(0.9).withNesterov(true),
    };
    for (OptimizerConfig c : configs) {
      SplittableRandom random = new SplittableRandom(11);
      float[] p32 = floats(random, N);
      float[][] g32 = new float[STEPS][];
      double[] p64 = doubles(random, N);
      double[][] g64 = new double[STEPS][];
      for (int s = 0; s < STEPS; s++) {
        g32[s] = floats(random, N);
        g64[s] = doubles(random, N);
      }
      float[] twin32 = p32.clone();
      float[] buf32 = c.momentum() != 0 ? new float[N] : null;
      double[] twin64 = p64.clone();
      double[] buf64 = c.momentum() != 0 ? new double[N] : null;
      Optimizer opt = c.create();
      StateDict params = params(p32, p64);
      for (int s = 0; s < STEPS; s++) {
        params = opt.step(params, params(g32[s], g64[s]));
        SgdScalars scalars =
            SgdScalars.of(c.lr(), c.momentum(), c.dampening(), c.weightDecay(), c.nesterov(), s + 1);
        KernelTwins.sgdStep(twin32, g32[s], buf32, scalars);
        KernelTwins.sgdStep(twin64, g64[s], buf64, scalars);
        assertArrayEquals(params.get("w32").toFloatArray(), twin32, c + " step " + (s + 1));
        assertArrayEquals(params.get("w64").toDoubleArray(), twin64, c + " step " + (s + 1));
      }
      if (buf32 != null) {
        assertArrayEquals(opt.state().get("momentum_buffer.w32").toFloatArray(), buf32, c.toString());
        assertArrayEquals(opt.state().get("momentum_buffer.w64").toDoubleArray(), buf64, c.toString());
      }
    }
  }

  @Test
  void adamTwinIsAdamAndAdamW() {
    OptimizerConfig[] configs = {
        OptimizerConfig.adam(0.01),
        OptimizerConfig.adam(0.01).withWeightDecay(0.1).withBetas(0.8, 0.99),
        OptimizerConfig.adam(0.01).withAmsgrad(true).withEps(1e-6),
        OptimizerConfig.adamw(0.01),
        OptimizerConfig.adamw(0.01).withWeightDecay(0.0),
        OptimizerConfig.adamw(0.01).withAmsgrad(true),
    };
    for (OptimizerConfig c : configs) {
      boolean decoupled = c.type().equals("adamw");
      SplittableRandom random = new SplittableRandom(23);
      float[] p32 = floats(random, N);
      double[] p64 = doubles(random, N);
      float[] t32 = p32.clone();
      double[] t64 = p64.clone();
      float[][] s32 = {new float[N], new float[N], c.amsgrad() ? new float[N] : null};
      double[][] s64 = {new double[N], new double[N], c.amsgrad() ? new double[N] : null};
      Optimizer opt = c.create();
      StateDict params = params(p32, p64);
      for (int s = 0; s < STEPS; s++) {
        float[] g32 = floats(random, N);
        double[] g64 = doubles(random, N);
        params = opt.step(params, params(g32, g64));
        AdamScalars scalars = AdamScalars.of(c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(),
            decoupled, s + 1);
        KernelTwins.adamStep(t32, g32, s32[0], s32[1], s32[2], scalars);
        KernelTwins.adamStep(t64, g64, s64[0], s64[1], s64[2], scalars);
        assertArrayEquals(params.get("w32").toFloatArray(), t32, c + " step " + (s + 1));
        assertArrayEquals(params.get("w64").toDoubleArray(), t64, c + " step " + (s + 1));
      }
      StateDict state = opt.state();
      assertArrayEquals(state.get("exp_avg.w32").toFloatArray(), s32[0], c.toString());
      assertArrayEquals(state.get("exp_avg_sq.w64").toDoubleArray(), s64[1], c.toString());
      if (c.amsgrad()) {
        assertArrayEquals(state.get("max_exp_avg_sq.w32").toFloatArray(), s32[2], c.toString());
      }
    }
  }

  @Test
  void mseTwinIsMseLoss() {
    SplittableRandom random = new SplittableRandom(5);
    for (int n : new int[] {1, 255, 257, N, 400_000}) {
      float[] p32 = floats(random, n);
      float[] t32 = floats(random, n);
      float[] dp32 = new float[n];
      double loss32 = KernelTwins.mseFinish(KernelTwins.mse(p32, t32, dp32), n);
      LossResult cpu32 = MseLoss.compute(Tensor.of(p32, n), Tensor.of(t32, n));
      assertArrayEquals(cpu32.gradient().toFloatArray(), dp32, "float32 gradient, n = " + n);
      assertEquals(cpu32.value(), (float) loss32, Math.ulp((float) cpu32.value()), "float32 loss, n = " + n);

      double[] p64 = doubles(random, n);
      double[] t64 = doubles(random, n);
      double[] dp64 = new double[n];
      double loss64 = KernelTwins.mseFinish(KernelTwins.mse(p64, t64, dp64), n);
      LossResult cpu64 = MseLoss.compute(Tensor.of(p64, n), Tensor.of(t64, n));
      assertArrayEquals(cpu64.gradient().toDoubleArray(), dp64, "float64 gradient, n = " + n);
      assertEquals(cpu64.value(), loss64, 1e-12 * cpu64.value(), "float64 loss, n = " + n);
    }
    assertEquals(Double.NaN, KernelTwins.mseFinish(new double[0], 0));
  }

  @Test
  void clippingTwinIsClipGradNorm() {
    SplittableRandom random = new SplittableRandom(7);
    int[] sizes = {300, 5, 70_000};
    for (double maxNorm : new double[] {0.5, 1e6}) {
      float[][] g32 = new float[sizes.length][];
      double[][] g64 = new double[sizes.length][];
      Map<String, Tensor> m32 = new LinkedHashMap<>();
      Map<String, Tensor> m64 = new LinkedHashMap<>();
      for (int i = 0; i < sizes.length; i++) {
        g32[i] = floats(random, sizes[i]);
        g64[i] = doubles(random, sizes[i]);
        m32.put("g" + i, Tensor.of(g32[i], sizes[i]));
        m64.put("g" + i, Tensor.of(g64[i], sizes[i]));
      }
      GradClipping.Clipped cpu32 = GradClipping.clipGradNorm(StateDict.of(m32), maxNorm);
      GradClipping.Clipped cpu64 = GradClipping.clipGradNorm(StateDict.of(m64), maxNorm);
      double[] twin32 = KernelTwins.clipCoefficient(concatPartials32(g32), maxNorm);
      double[] twin64 = KernelTwins.clipCoefficient(concatPartials64(g64), maxNorm);
      assertEquals(cpu32.totalNorm(), (float) twin32[0], Math.ulp((float) cpu32.totalNorm()));
      assertEquals(cpu64.totalNorm(), twin64[0], 1e-12 * cpu64.totalNorm());
      for (int i = 0; i < sizes.length; i++) {
        KernelTwins.scale(g32[i], twin32[1]);
        KernelTwins.scale(g64[i], twin64[1]);
        float[] expected32 = cpu32.grads().get("g" + i).toFloatArray();
        double[] expected64 = cpu64.grads().get("g" + i).toDoubleArray();
        for (int j = 0; j < sizes[i]; j++) {
          assertEquals(expected32[j], g32[i][j], Math.ulp(expected32[j]), "float32 g" + i + "[" + j + "]");
          assertEquals(expected64[j], g64[i][j], 1e-12 * Math.abs(expected64[j]), "float64 g" + i + "[" + j + "]");
        }
      }
    }
    double[] nan = KernelTwins.clipCoefficient(new double[] {Double.NaN}, 1.0);
    assertEquals(Double.NaN, nan[1], "a NaN norm gives a NaN coefficient, as clip_grad_norm_");
  }

  @Test
  void sumRowsTwinSumsColumns() {
    SplittableRandom random = new SplittableRandom(13);
    int m = 1000;
    int k = 3;
    double[] x = doubles(random, m * k);
    double[] out = new double[k];
    KernelTwins.sumRows(x, out, m, k);
    for (int col = 0; col < k; col++) {
      double s = 0;
      for (int r = 0; r < m; r++) {
        s += x[r * k + col];
      }
      assertEquals(s, out[col], 1e-12 * Math.abs(s) + 1e-15, "column " + col);
    }
  }

  @Test
  void layoutTwinsInvertEachOther() {
    SplittableRandom random = new SplittableRandom(17);
    int t = 4;
    int n = 3;
    int h = 5;
    float[] y = floats(random, t * n * 2 * h);
    float[] out0 = new float[t * n * h];
    float[] out1 = new float[t * n * h];
    KernelTwins.splitDirections(y, out0, out1, t * n, h);
    assertEquals(y[2 * h + h + 1], out1[h + 1], "row 1, direction 1, column 1");
    float[] merged = new float[y.length];
    KernelTwins.mergeDirections(out0, out1, merged, t * n, h);
    assertArrayEquals(y, merged);
    float[] transposed = new float[y.length];
    float[] back = new float[y.length];
    KernelTwins.transpose01(y, transposed, t, n, 2 * h);
    assertEquals(y[(2 * n + 1) * 2 * h + 3], transposed[(1 * t + 2) * 2 * h + 3], "y[2, 1, 3]");
    KernelTwins.transpose01(transposed, back, n, t, 2 * h);
    assertArrayEquals(y, back);

    int[] lengths = {4, 1, 2};
    float[] last = new float[n * 2 * h];
    KernelTwins.gatherLast(y, lengths, last, t, n, 2 * h);
    float[] dy = floats(random, y.length);
    KernelTwins.scatterLast(last, lengths, dy, t, n, 2 * h);
    float[] masked = y.clone();
    KernelTwins.maskPadding(masked, lengths, t, n, 2 * h);
    for (int step = 0; step < t; step++) {
      for (int b = 0; b < n; b++) {
        for (int j = 0; j < 2 * h; j++) {
          int i = (step * n + b) * 2 * h + j;
          assertEquals(step == lengths[b] - 1 ? y[i] : 0f, dy[i], "scatterLast(gatherLast) at " + i);
          assertEquals(step < lengths[b] ? y[i] : 0f, masked[i], "maskPadding at " + i);
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

  private static StateDict params(float[] w32, double[] w64) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("w32", Tensor.of(w32, w32.length));
    m.put("w64", Tensor.of(w64, w64.length));
    return StateDict.of(m);
  }

  private static double[] concatPartials32(float[][] grads) {
    double[][] parts = new double[grads.length][];
    for (int i = 0; i < grads.length; i++) {
      parts[i] = KernelTwins.sumSquares(grads[i]);
    }
    return concat(parts);
  }

  private static double[] concatPartials64(double[][] grads) {
    double[][] parts = new double[grads.length][];
    for (int i = 0; i < grads.length; i++) {
      parts[i] = KernelTwins.sumSquares(grads[i]);
    }
    return concat(parts);
  }

  private static double[] concat(double[][] parts) {
    int total = 0;
    for (double[] p : parts) {
      total += p.length;
    }
    double[] all = new double[total];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
