package dev.rnn4j.train;

import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mean squared error: {@code torch.nn.MSELoss(reduction='mean')}.
 *
 * <pre>
 * loss = mean((prediction - target)^2)          over all n elements
 * d loss / d prediction = (2 / n) * (prediction - target)
 * </pre>
 *
 * <p>Any shape, e.g. (N, H_out) for one output per sequence or (N, L, H_out) for one per time step; the
 * target must have the prediction's shape (PyTorch would broadcast with a warning, which here is an
 * error). Computed in the inputs' dtype as PyTorch 1.13's CPU kernels compute it, its cascade summation
 * included, so value and gradient are bit-identical to PyTorch's (checked up to 10^6 elements with one
 * thread; PyTorch may split a reduction of more than 32768 elements across threads, and then add in
 * another order). An empty input gives NaN, as in PyTorch.
 */
public final class MseLoss {
  private MseLoss() {}

  /**
   * The loss and its gradient with respect to {@code prediction}.
   *
   * @param prediction the model's output, float32 or float64
   * @param target the target, of the same shape and dtype
   * @throws IllegalArgumentException if the shapes or dtypes differ
   */
  public static LossResult compute(Tensor prediction, Tensor target) {
    Objects.requireNonNull(prediction, "prediction");
    Objects.requireNonNull(target, "target");
    if (!Arrays.equals(prediction.shape(), target.shape())) {
      throw new IllegalArgumentException(String.format(
          "Expected target size %s (the prediction's size), got %s", Shape.list(prediction.shape()),
          Shape.list(target.shape())));
    }
    if (prediction.dtype() != target.dtype()) {
      throw new IllegalArgumentException(String.format(
          "Expected target dtype %s (the prediction's dtype), got %s", prediction.dtype(),
          target.dtype()));
    }
    int n = prediction.numel();
    if (prediction.dtype() == DType.FLOAT32) {
      float[] p = prediction.toFloatArray();
      float[] t = target.toFloatArray();
      float[] squares = new float[n];
      float scale = (float) (2.0 / n); // mse_loss_backward's norm, computed in double
      for (int i = 0; i < n; i++) {
        float d = p[i] - t[i];
        squares[i] = d * d;
        p[i] = scale * d; // the gradient, in place: scale * (input - target) * grad_output (1.0)
      }
      return new LossResult(sum(squares) / n, Tensor.wrap(p, prediction.shape()));
    }
    double[] p = prediction.toDoubleArray();
    double[] t = target.toDoubleArray();
    double[] squares = new double[n];
    double scale = 2.0 / n;
    for (int i = 0; i < n; i++) {
      double d = p[i] - t[i];
      squares[i] = d * d;
      p[i] = scale * d;
    }
    return new LossResult(sum(squares) / n, Tensor.wrap(p, prediction.shape()));
  }

  /**
   * {@code x.sum()} of a contiguous float32 tensor as PyTorch's CPU {@code cascade_sum} adds it (one
   * thread, AVX2): vectors of 8 elements are summed in 4 interleaved accumulators with a 4-level
   * cascade of partial sums every 16 rows; then the leftover elements and the 8 lanes are added in
   * order. Below 8 elements the same cascade runs on scalars.
   */
  static float sum(float[] x) {
    int n = x.length;
    float total = 0;
    if (n >= 8) {
      int vectors = n / 8;
      float[] lanes = rowSum(x, vectors, 8);
      for (int k = vectors * 8; k < n; k++) {
        total += x[k];
      }
      for (int j = 0; j < 8; j++) {
        total += lanes[j];
      }
    } else {
      total = rowSum(x, n, 1)[0];
    }
    return 0f + total; // the result is accumulated into a zero-filled output
  }

  /** The float64 twin of {@link #sum(float[])}, whose AVX2 vectors hold 4 elements. */
  static double sum(double[] x) {
    int n = x.length;
    double total = 0;
    if (n >= 4) {
      int vectors = n / 4;
      double[] lanes = rowSum(x, vectors, 4);
      for (int k = vectors * 4; k < n; k++) {
        total += x[k];
      }
      for (int j = 0; j < 4; j++) {
        total += lanes[j];
      }
    } else {
      total = rowSum(x, n, 1)[0];
    }
    return 0.0 + total;
  }

  /** PyTorch's {@code row_sum}: {@code count} items of {@code width} elements, 4 accumulators. */
  private static float[] rowSum(float[] x, int count, int width) {
    int rows = count / 4;
    float[][] partial = multiRowSum(x, rows, width);
    for (int i = rows * 4; i < count; i++) {
      addInto(partial[0], x, i * width);
    }
    for (int k = 1; k < 4; k++) {
      addInto(partial[0], partial[k], 0);
    }
    return partial[0];
  }

  /**
   * PyTorch's {@code multi_row_sum} for 4 columns: every 2^levelPower rows the level-0 sums move up a
   * level (and on up while the row index is a multiple of the next level's span), which bounds how many
   * values any one accumulator adds before its sum is passed on.
   */
  private static float[][] multiRowSum(float[] x, int rows, int width) {
    int levelPower = Math.max(4, ceilLog2(rows) / 4);
    int levelStep = 1 << levelPower;
    long levelMask = levelStep - 1;
    float[][][] acc = new float[4][4][width];
    int i = 0;
    while (i + levelStep <= rows) {
      for (int j = 0; j < levelStep; j++, i++) {
        for (int k = 0; k < 4; k++) {
          addInto(acc[0][k], x, (i * 4 + k) * width);
        }
      }
      for (int j = 1; j < 4; j++) {
        for (int k = 0; k < 4; k++) {
          addInto(acc[j][k], acc[j - 1][k], 0);
          Arrays.fill(acc[j - 1][k], 0f);
        }
        if ((i & (levelMask << (j * levelPower))) != 0) {
          break;
        }
      }
    }
    for (; i < rows; i++) {
      for (int k = 0; k < 4; k++) {
        addInto(acc[0][k], x, (i * 4 + k) * width);
      }
    }
    for (int j = 1; j < 4; j++) {
      for (int k = 0; k < 4; k++) {
        addInto(acc[0][k], acc[j][k], 0);
      }
    }
    return acc[0];
  }

  private static void addInto(float[] acc, float[] x, int offset) {
    for (int j = 0; j < acc.length; j++) {
      acc[j] += x[offset + j];
    }
  }

  private static double[] rowSum(double[] x, int count, int width) {
    int rows = count / 4;
    double[][] partial = multiRowSum(x, rows, width);
    for (int i = rows * 4; i < count; i++) {
      addInto(partial[0], x, i * width);
    }
    for (int k = 1; k < 4; k++) {
      addInto(partial[0], partial[k], 0);
    }
    return partial[0];
  }

  private static double[][] multiRowSum(double[] x, int rows, int width) {
    int levelPower = Math.max(4, ceilLog2(rows) / 4);
    int levelStep = 1 << levelPower;
    long levelMask = levelStep - 1;
    double[][][] acc = new double[4][4][width];
    int i = 0;
    while (i + levelStep <= rows) {
      for (int j = 0; j < levelStep; j++, i++) {
        for (int k = 0; k < 4; k++) {
          addInto(acc[0][k], x, (i * 4 + k) * width);
        }
      }
      for (int j = 1; j < 4; j++) {
        for (int k = 0; k < 4; k++) {
          addInto(acc[j][k], acc[j - 1][k], 0);
          Arrays.fill(acc[j - 1][k], 0.0);
        }
        if ((i & (levelMask << (j * levelPower))) != 0) {
          break;
        }
      }
    }
    for (; i < rows; i++) {
      for (int k = 0; k < 4; k++) {
        addInto(acc[0][k], x, (i * 4 + k) * width);
      }
    }
    for (int j = 1; j < 4; j++) {
      for (int k = 0; k < 4; k++) {
        addInto(acc[0][k], acc[j][k], 0);
      }
    }
    return acc[0];
  }

  private static void addInto(double[] acc, double[] x, int offset) {
    for (int j = 0; j < acc.length; j++) {
      acc[j] += x[offset + j];
    }
  }

  /** c10's {@code CeilLog2}: 1 up to 2, else the bits needed for {@code x - 1}. */
  private static int ceilLog2(int x) {
    return x <= 2 ? 1 : 32 - Integer.numberOfLeadingZeros(x - 1);
  }
}
