package dev.rnn4j.train;

import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/**
 * A sequence model together with the data transforms it was trained under: it turns batches of a
 * (normalized) {@link WindowDataset} into the model's units (anchored, if configured) and the model's
 * outputs back into forecasts in the series' own units.
 */
public final class Forecaster {
  private final SequenceModel model;
  private final boolean anchored;

  public Forecaster(SequenceModel model, boolean anchored) {
    this.model = model;
    this.anchored = anchored;
  }

  public SequenceModel model() {
    return model;
  }

  /** A batch in the model's units, and the anchors that undo it. */
  record ModelBatch(Tensor input, Tensor target, double[] anchors) {}

  /**
   * With anchoring, subtracts each sample's last input value of every feature from that feature, and the
   * target column's last value from the targets (step-major, K target columns).
   */
  static ModelBatch toModelUnits(Batch batch, WindowDataset dataset) {
    int n = batch.size();
    int window = dataset.window();
    int features = dataset.numFeatures();
    int k = dataset.targetColumns().size();
    int[] targetFeature = targetFeatures(dataset);
    float[] x = batch.input().toFloatArray();
    float[] y = batch.target().toFloatArray();
    double[] anchors = new double[n * k];
    for (int s = 0; s < n; s++) {
      float[] last = new float[features];
      System.arraycopy(x, (s * window + window - 1) * features, last, 0, features);
      for (int w = 0; w < window; w++) {
        for (int f = 0; f < features; f++) {
          x[(s * window + w) * features + f] -= last[f];
        }
      }
      for (int c = 0; c < k; c++) {
        anchors[s * k + c] = last[targetFeature[c]];
      }
      int per = y.length / n;
      for (int e = 0; e < per; e++) {
        y[s * per + e] -= (float) anchors[s * k + e % k];
      }
    }
    return new ModelBatch(Tensor.wrap(x, batch.input().shape()), Tensor.wrap(y, batch.target().shape()),
        anchors);
  }

  /** The batch as the model sees it. */
  ModelBatch modelBatch(Batch batch, WindowDataset dataset) {
    return anchored ? toModelUnits(batch, dataset) : new ModelBatch(batch.input(), batch.target(), null);
  }

  /**
   * Forecasts for every sample of {@code dataset}, in the series' units: (samples, horizon * K), float64,
   * in the dataset's target layout. Runs in evaluation mode.
   */
  public Tensor forecast(WindowDataset dataset, int batchSize) {
    model.eval();
    int per = dataset.targetSize();
    double[] out = new double[dataset.size() * per];
    int row = 0;
    for (BatchIterator it = BatchIterator.inOrder(dataset, batchSize); it.hasNext(); ) {
      Batch batch = it.next();
      ModelBatch mb = modelBatch(batch, dataset);
      double[] p = model.forward(mb.input(), null).toDoubleArray();
      restore(p, mb.anchors(), dataset.targetColumns().size());
      System.arraycopy(p, 0, out, row * per, p.length);
      row += batch.size();
    }
    return dataset.inverseTargets(Tensor.wrap(out, dataset.size(), per));
  }

  /** The naive forecast, each sample's last input value of its target column(s), in the series' units. */
  public static Tensor naiveForecast(WindowDataset dataset) {
    int per = dataset.targetSize();
    int k = dataset.targetColumns().size();
    int[] targetFeature = targetFeatures(dataset);
    int features = dataset.numFeatures();
    double[] out = new double[dataset.size() * per];
    for (int i = 0; i < dataset.size(); i++) {
      double[] x = dataset.input(i);
      for (int e = 0; e < per; e++) {
        out[i * per + e] = x[(dataset.window() - 1) * features + targetFeature[e % k]];
      }
    }
    return dataset.inverseTargets(Tensor.wrap(out, dataset.size(), per));
  }

  /** Every sample's targets in the series' units. */
  public static Tensor actual(WindowDataset dataset) {
    int per = dataset.targetSize();
    double[] out = new double[dataset.size() * per];
    for (int i = 0; i < dataset.size(); i++) {
      System.arraycopy(dataset.target(i), 0, out, i * per, per);
    }
    return dataset.inverseTargets(Tensor.wrap(out, dataset.size(), per));
  }

  /** Root mean squared difference of two tensors of one shape. */
  public static double rmse(Tensor a, Tensor b) {
    double sum = 0;
    for (int i = 0; i < a.numel(); i++) {
      double d = a.getFlat(i) - b.getFlat(i);
      sum += d * d;
    }
    return Math.sqrt(sum / a.numel());
  }

  private static void restore(double[] prediction, double[] anchors, int k) {
    if (anchors == null) {
      return;
    }
    int n = anchors.length / k;
    int per = prediction.length / n;
    for (int s = 0; s < n; s++) {
      for (int e = 0; e < per; e++) {
        prediction[s * per + e] += anchors[s * k + e % k];
      }
    }
  }

  private static int[] targetFeatures(WindowDataset dataset) {
    List<String> columns = dataset.series().columns();
    return dataset.targetColumns().stream().mapToInt(columns::indexOf).toArray();
  }
}
