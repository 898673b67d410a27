package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * {@code torch.nn.Linear}'s arithmetic: {@code y = x W^T + b} over rows, with W (out_features, in_features)
 * and b (out_features), and its gradients. Stateless: the weights are arguments, so that the owner (a
 * {@link SequenceModel}) keeps them with the rest of its parameters.
 *
 * <p>Sums run in double and round once, so float32 results are as close to exact as float32 allows.
 */
final class Linear {
  private Linear() {}

  /**
   * PyTorch's initialization of {@code nn.Linear(in, out)}: weight and bias both uniform in
   * (-1/sqrt(in_features), 1/sqrt(in_features)) (kaiming_uniform with a = sqrt(5) gives the same bound).
   */
  static Tensor[] init(int inFeatures, int outFeatures, boolean bias, SplittableRandom random) {
    double bound = 1 / Math.sqrt(inFeatures);
    float[] w = new float[outFeatures * inFeatures];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (bound * (2 * random.nextDouble() - 1));
    }
    float[] b = new float[outFeatures];
    for (int i = 0; i < b.length && bias; i++) {
      b[i] = (float) (bound * (2 * random.nextDouble() - 1));
    }
    return new Tensor[] {Tensor.wrap(w, outFeatures, inFeatures), bias ? Tensor.wrap(b, outFeatures) : null};
  }

  /** {@code x (M, in) -> x W^T + b (M, out)}; {@code bias} may be null. */
  static Tensor forward(Tensor x, Tensor weight, Tensor bias) {
    int rows = x.size(0);
    int in = weight.size(1);
    int out = weight.size(0);
    checkArgument(x.size(1) == in,
        "mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", rows, x.size(1), in, out);
    double[] xs = x.toDoubleArray();
    double[] ws = weight.toDoubleArray();
    double[] bs = bias == null ? null : bias.toDoubleArray();
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
    return typed(y, x.dtype(), rows, out);
  }

  /** Gradients of {@code sum(y * dy)}: {@code {dx (M, in), dW (out, in), db (out)}}. */
  static Tensor[] backward(Tensor x, Tensor weight, Tensor dy) {
    int rows = x.size(0);
    int in = weight.size(1);
    int out = weight.size(0);
    double[] xs = x.toDoubleArray();
    double[] ws = weight.toDoubleArray();
    double[] g = dy.toDoubleArray();
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
    DType dtype = x.dtype();
    return new Tensor[] {typed(dx, dtype, rows, in), typed(dw, dtype, out, in), typed(db, dtype, out)};
  }

  private static Tensor typed(double[] data, DType dtype, int... shape) {
    return Tensor.wrap(data, shape).to(dtype);
  }
}
