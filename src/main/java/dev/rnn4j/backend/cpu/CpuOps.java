package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.SgdScalars;
import java.util.Arrays;
import java.util.List;

/**
 * The CPU backend's array operations other than the recurrent stack: the definitions every other
 * backend reproduces (the CUDA kernels' twins are tested against these). Each is written for
 * float32 and float64 with the same arithmetic; where PyTorch's CPU kernels fuse a multiply-add, so
 * does this code ({@link Math#fma}), so that the optimizers' float32 and float64 trajectories equal
 * PyTorch's bit for bit. Sums that PyTorch takes in the input's dtype are taken here in double and
 * rounded once: the linear layer, the losses and the gradient norm are then within a float32
 * rounding of PyTorch, and the same on every run.
 */
final class CpuOps {
  private CpuOps() {}

  static boolean f32(HostStorage s) {
    return s.dtype() == DType.FLOAT32;
  }

  /** y = x W^T + b over rows, each output summed in double from the bias on and rounded once. */
  static HostStorage linear(
      HostStorage x, HostStorage weight, HostStorage bias, int rows, int in, int out) {
    double[] xs = widened(x);
    double[] ws = widened(weight);
    double[] bs = bias == null ? null : widened(bias);
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = bs == null ? 0 : bs[o];
        for (int i = 0; i < in; i++) {
          s += xs[r * in + i] * ws[o * in + i];
        }
        y[r * out + o] = s;
      }
    }
    return typed(y, x.dtype());
  }

  /**
   * dx = dy W; weightGrad += dy^T x; biasGrad += column sums of dy; each sum in double, rounded
   * once.
   */
  static HostStorage linearBackward(
      HostStorage x,
      HostStorage weight,
      HostStorage dy,
      int rows,
      int in,
      int out,
      HostStorage weightGrad,
      HostStorage biasGrad) {
    double[] xs = widened(x);
    double[] ws = widened(weight);
    double[] g = widened(dy);
    double[] dx = new double[rows * in];
    double[] dw = new double[out * in];
    double[] db = new double[out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double go = g[r * out + o];
        db[o] += go;
        for (int i = 0; i < in; i++) {
          dx[r * in + i] += go * ws[o * in + i];
          dw[o * in + i] += go * xs[r * in + i];
        }
      }
    }
    add(weightGrad, typed(dw, x.dtype()));
    if (biasGrad != null) {
      add(biasGrad, typed(db, x.dtype()));
    }
    return typed(dx, x.dtype());
  }

  /** The mean of the squared differences, summed in order in double; the gradient 2 (p - t) / n. */
  static HostStorage mseLoss(HostStorage prediction, HostStorage target, HostStorage grad) {
    int n = (int) prediction.numel();
    double[] p = widened(prediction);
    double[] t = widened(target);
    double sum = 0;
    boolean f32 = f32(prediction);
    for (int i = 0; i < n; i++) {
      double d = p[i] - t[i];
      sum += d * d;
      double g = 2 * d / n;
      if (f32) {
        grad.floats()[i] = (float) g;
      } else {
        grad.doubles()[i] = g;
      }
    }
    grad.bumpVersion();
    return scalar(sum / n, prediction.dtype()); // NaN when n = 0
  }

  /** nll_loss(log_softmax(logits)) averaged over the rows whose target is not -100, in double. */
  static HostStorage crossEntropyLoss(
      HostStorage logits, long[] target, int n, int c, HostStorage gradInto) {
    int count = 0;
    for (long t : target) {
      count += t == -100 ? 0 : 1;
    }
    double[] x = widened(logits);
    double[] grad = new double[n * c];
    double loss = 0;
    for (int row = 0; row < n; row++) {
      if (target[row] == -100) {
        continue; // no loss and a zero gradient
      }
      int offset = row * c;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, x[offset + j]); // NaN propagates, as in PyTorch
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += Math.exp(x[offset + j] - max);
      }
      double logSum = Math.log(sum);
      for (int j = 0; j < c; j++) {
        double softmax = Math.exp((x[offset + j] - max) - logSum);
        grad[offset + j] = (softmax - (j == target[row] ? 1 : 0)) / count;
      }
      loss -= (x[offset + (int) target[row]] - max) - logSum;
    }
    copyInto(grad, gradInto);
    return scalar(loss / count, logits.dtype()); // NaN when every row is ignored
  }

  /**
   * The 2-norm of all gradients in double, in order; each scaled by the clip coefficient when below
   * 1.
   */
  static HostStorage clipGradNorm(List<HostStorage> grads, double maxNorm) {
    double sumOfSquares = 0;
    boolean allFloat32 = true;
    for (HostStorage g : grads) {
      if (f32(g)) {
        for (float f : g.floats()) {
          double v = f;
          sumOfSquares += v * v;
        }
      } else {
        for (double v : g.doubles()) {
          sumOfSquares += v * v;
        }
      }
      allFloat32 &= f32(g);
    }
    double totalNorm = Math.sqrt(sumOfSquares);
    double coef = maxNorm / (totalNorm + 1e-6);
    if (!(coef >= 1)) { // a NaN norm scales too: the gradients become NaN, as in PyTorch
      grads.forEach(g -> scale(g, coef));
    }
    return scalar(totalNorm, allFloat32 ? DType.FLOAT32 : DType.FLOAT64);
  }

  /** x *= alpha, alpha rounded to the dtype first (PyTorch's {@code mul_}). */
  static void scale(HostStorage x, double alpha) {
    if (f32(x)) {
      float a = (float) alpha;
      float[] v = x.floats();
      for (int i = 0; i < v.length; i++) {
        v[i] *= a;
      }
    } else {
      double[] v = x.doubles();
      for (int i = 0; i < v.length; i++) {
        v[i] *= alpha;
      }
    }
    x.bumpVersion();
  }

  static void fill(HostStorage x, double value) {
    if (f32(x)) {
      Arrays.fill(x.floats(), (float) value);
    } else {
      Arrays.fill(x.doubles(), value);
    }
    x.bumpVersion();
  }

  /** into += x. */
  static void add(HostStorage into, HostStorage x) {
    if (f32(into)) {
      float[] a = into.floats();
      float[] b = x.floats();
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    } else {
      double[] a = into.doubles();
      double[] b = x.doubles();
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    }
    into.bumpVersion();
  }

  /** PyTorch 1.13's single-tensor SGD, line by line: see {@code dev.rnn4j.train.Sgd}. */
  static void sgdStep(
      HostStorage param, HostStorage grad, HostStorage momentumBuffer, SgdScalars s) {
    if (f32(param)) {
      float[] p = param.floats();
      float[] g = grad.floats();
      float[] buf = momentumBuffer == null ? null : momentumBuffer.floats();
      float weightDecay = (float) s.weightDecay();
      float momentum = (float) s.momentum();
      float keep = (float) s.keep(); // PyTorch computes 1 - dampening in double, then rounds
      float negLr = (float) s.negLr();
      for (int i = 0; i < p.length; i++) {
        float d = g[i];
        if (s.decay()) {
          d = Math.fma(p[i], weightDecay, d);
        }
        if (buf != null) {
          buf[i] = s.first() ? d : Math.fma(d, keep, buf[i] * momentum);
          d = s.nesterov() ? Math.fma(buf[i], momentum, d) : buf[i];
        }
        p[i] = Math.fma(d, negLr, p[i]);
      }
    } else {
      double[] p = param.doubles();
      double[] g = grad.doubles();
      double[] buf = momentumBuffer == null ? null : momentumBuffer.doubles();
      for (int i = 0; i < p.length; i++) {
        double d = g[i];
        if (s.decay()) {
          d = Math.fma(p[i], s.weightDecay(), d);
        }
        if (buf != null) {
          buf[i] = s.first() ? d : Math.fma(d, s.keep(), buf[i] * s.momentum());
          d = s.nesterov() ? Math.fma(buf[i], s.momentum(), d) : buf[i];
        }
        p[i] = Math.fma(d, s.negLr(), p[i]);
      }
    }
    param.bumpVersion();
    if (momentumBuffer != null) {
      momentumBuffer.bumpVersion();
    }
  }

  /**
   * PyTorch 1.13's single-tensor Adam and AdamW, line by line: see {@code dev.rnn4j.train.Adam}.
   */
  static void adamStep(
      HostStorage param,
      HostStorage grad,
      HostStorage expAvg,
      HostStorage expAvgSq,
      HostStorage maxExpAvgSq,
      AdamScalars s) {
    boolean decoupled = s.mode() == AdamScalars.DECOUPLED;
    boolean l2 = s.mode() == AdamScalars.L2;
    if (f32(param)) {
      float[] p = param.floats();
      float[] g = grad.floats();
      float[] m = expAvg.floats();
      float[] v = expAvgSq.floats();
      float[] vmax = maxExpAvgSq == null ? null : maxExpAvgSq.floats();
      float negStepSize = (float) s.negStepSize();
      float biasCorrection2Sqrt = (float) s.biasCorrection2Sqrt();
      float eps = (float) s.eps();
      float beta1 = (float) s.beta1();
      float oneMinusBeta1 = (float) s.oneMinusBeta1();
      float beta2 = (float) s.beta2();
      float oneMinusBeta2 = (float) s.oneMinusBeta2();
      float weightDecay = (float) s.weightDecay();
      float decay = (float) s.decay();
      for (int i = 0; i < p.length; i++) {
        float gi = g[i];
        if (decoupled) {
          p[i] *= decay; // AdamW multiplies even when weight_decay is 0 (by exactly 1)
        } else if (l2) {
          gi = Math.fma(p[i], weightDecay, gi);
        }
        m[i] = Math.fma(gi, oneMinusBeta1, m[i] * beta1);
        v[i] = Math.fma(oneMinusBeta2 * gi, gi, v[i] * beta2); // addcmul_: self + (value * t1) * t2
        float second = v[i];
        if (vmax != null) {
          vmax[i] = Math.max(vmax[i], v[i]);
          second = vmax[i];
        }
        float denom = (float) Math.sqrt(second) / biasCorrection2Sqrt + eps;
        p[i] += negStepSize * m[i] / denom; // addcdiv_: self + (value * t1) / t2, nothing fused
      }
    } else {
      double[] p = param.doubles();
      double[] g = grad.doubles();
      double[] m = expAvg.doubles();
      double[] v = expAvgSq.doubles();
      double[] vmax = maxExpAvgSq == null ? null : maxExpAvgSq.doubles();
      for (int i = 0; i < p.length; i++) {
        double gi = g[i];
        if (decoupled) {
          p[i] *= s.decay();
        } else if (l2) {
          gi = Math.fma(p[i], s.weightDecay(), gi);
        }
        m[i] = Math.fma(gi, s.oneMinusBeta1(), m[i] * s.beta1());
        v[i] = Math.fma(s.oneMinusBeta2() * gi, gi, v[i] * s.beta2());
        double second = v[i];
        if (vmax != null) {
          vmax[i] = Math.max(vmax[i], v[i]);
          second = vmax[i];
        }
        double denom = Math.sqrt(second) / s.biasCorrection2Sqrt() + s.eps();
        p[i] += s.negStepSize() * m[i] / denom;
      }
    }
    for (HostStorage h : new HostStorage[] {param, expAvg, expAvgSq, maxExpAvgSq}) {
      if (h != null) {
        h.bumpVersion();
      }
    }
  }

  /** out (B, A, C) = in (A, B, C) transposed in its first two dimensions. */
  static void transpose01(HostStorage in, HostStorage out, int a, int b, int c) {
    Object src = f32(in) ? in.floats() : in.doubles();
    Object dst = f32(out) ? out.floats() : out.doubles();
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        System.arraycopy(src, (i * b + j) * c, dst, (j * a + i) * c, c);
      }
    }
    out.bumpVersion();
  }

  static void gatherRows(HostStorage source, int width, int[] rows, HostStorage out) {
    Object src = f32(source) ? source.floats() : source.doubles();
    Object dst = f32(out) ? out.floats() : out.doubles();
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(src, rows[r] * width, dst, r * width, width);
    }
    out.bumpVersion();
  }

  static void scatterRows(HostStorage source, int width, int[] rows, HostStorage into) {
    Object src = f32(source) ? source.floats() : source.doubles();
    Object dst = f32(into) ? into.floats() : into.doubles();
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(src, r * width, dst, rows[r] * width, width);
    }
    into.bumpVersion();
  }

  static void splitDirection(HostStorage y, int rows, int hOut, int direction, HostStorage out) {
    Object src = f32(y) ? y.floats() : y.doubles();
    Object dst = f32(out) ? out.floats() : out.doubles();
    for (int r = 0; r < rows; r++) {
      System.arraycopy(src, (2 * r + direction) * hOut, dst, r * hOut, hOut);
    }
    out.bumpVersion();
  }

  static void copy(HostStorage source, HostStorage into) {
    Object src = f32(source) ? source.floats() : source.doubles();
    Object dst = f32(into) ? into.floats() : into.doubles();
    System.arraycopy(src, 0, dst, 0, (int) source.numel());
    into.bumpVersion();
  }

  /** The values as doubles: a widened copy of a float32 array, a float64 storage's own array. */
  private static double[] widened(HostStorage s) {
    if (!f32(s)) {
      return s.doubles();
    }
    float[] f = s.floats();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static void copyInto(double[] values, HostStorage into) {
    if (f32(into)) {
      float[] v = into.floats();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) values[i];
      }
    } else {
      System.arraycopy(values, 0, into.doubles(), 0, values.length);
    }
    into.bumpVersion();
  }

  private static HostStorage typed(double[] values, DType dtype) {
    if (dtype == DType.FLOAT64) {
      return HostStorage.of(values);
    }
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return HostStorage.of(f);
  }

  private static HostStorage scalar(double value, DType dtype) {
    return dtype == DType.FLOAT32
        ? HostStorage.of(new float[] {(float) value})
        : HostStorage.of(new double[] {value});
  }
}
