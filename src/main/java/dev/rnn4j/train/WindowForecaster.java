package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * A checkpoint's forecaster for windows given one by one in the series' own units, as a scoring job
 * gets them: each window is normalized with the checkpoint's statistics, anchored if the checkpoint
 * was, run through the model, and its forecast turned back into the series' units. The numbers are
 * those {@link Forecaster#forecast} (and so {@code rnn4j predict}) gives for the same windows.
 *
 * <pre>
 * windows    N * window * F values, row-major (N, window, F); F = {@link #columns()}.size(), in that order
 * forecasts  N * horizon values, row-major (N, horizon), float64, the first column's units
 * </pre>
 *
 * <p>The model runs in evaluation mode. {@link #forecast} may be called from several threads at
 * once; the weights are never changed.
 */
public final class WindowForecaster implements AutoCloseable {
  private final SequenceModel model;
  private final List<String> columns;
  private final int window;
  private final int horizon;
  private final boolean anchored;
  private final double[] mean;
  private final double[] std;
  private final int[] targetFeature;

  private WindowForecaster(SequenceModel model, DataConfig data, Normalization normalization) {
    this.model = model;
    this.columns = data.columns();
    this.window = data.window();
    this.horizon = data.horizon();
    this.anchored = data.anchored();
    int f = columns.size();
    this.mean = new double[f];
    this.std = new double[f];
    for (int j = 0; j < f; j++) {
      mean[j] = normalization.mean(columns.get(j));
      std[j] = normalization.std(columns.get(j));
    }
    // WindowDataset's default target: the first column, which DataConfig documents as the one
    // forecast.
    this.targetFeature = new int[] {0};
  }

  /**
   * The checkpoint's model on {@code backend}, in evaluation mode; the caller closes the result.
   */
  public static WindowForecaster of(Checkpoint checkpoint, Backend backend) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(backend, "backend");
    TrainingConfig config = checkpoint.config();
    SequenceModel model = SequenceModel.fromStateDict(config.model(), checkpoint.weights());
    model.to(backend).eval();
    return new WindowForecaster(model, config.data(), checkpoint.normalization());
  }

  /** The input columns, in the order a window's rows hold them. */
  public List<String> columns() {
    return columns;
  }

  /** The number of steps of a window. */
  public int window() {
    return window;
  }

  /** The number of values one window's forecast holds. */
  public int horizon() {
    return horizon;
  }

  /** The model, borrowed. */
  public SequenceModel model() {
    return model;
  }

  /**
   * {@code value} of column {@code column} (an index into {@link #columns()}) as the model reads
   * it: normalized with the checkpoint's statistics and rounded to float32. A finite value far
   * outside the training data can become infinite here, and a window holding one has no finite
   * forecast.
   */
  public float normalized(double value, int column) {
    // The float32 rounding of WindowDataset's batches, so the numbers agree with
    // Forecaster.forecast.
    return (float) ((value - mean[column]) / std[column]);
  }

  /**
   * Forecasts {@code n} windows; see the class comment for the layout.
   *
   * @throws IllegalArgumentException if {@code windows} does not hold {@code n * window * F} values
   */
  public double[] forecast(double[] windows, int n) {
    int f = columns.size();
    checkArgument(
        n >= 1 && windows.length == n * window * f,
        "windows must hold n * window * F values. Expected %d * %d * %d = %d, got %d",
        n,
        window,
        f,
        (long) n * window * f,
        windows.length);
    float[] x = new float[windows.length];
    for (int e = 0; e < x.length; e++) {
      x[e] = normalized(windows[e], e % f);
    }
    double[] anchors =
        anchored ? Forecaster.anchorInPlace(x, null, n, window, f, targetFeature) : null;
    Tensor input = Tensor.wrap(x, n, window, f).to(model.dtype());
    double[] p = model.forward(input, null).toDoubleArray();
    Forecaster.restore(p, anchors, targetFeature.length);
    int c = targetFeature[0];
    for (int e = 0; e < p.length; e++) {
      p[e] = p[e] * std[c] + mean[c];
    }
    return p;
  }

  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return "WindowForecaster("
        + model
        + ", columns="
        + columns
        + ", window="
        + window
        + ", horizon="
        + horizon
        + ", anchored="
        + anchored
        + ")";
  }
}
