package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModel.SequenceTape;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.tensor.TensorScope;
import java.util.Arrays;
import java.util.List;

/**
 * A sequence model together with the data transforms it was trained under: it turns batches of a
 * (normalized) {@link WindowDataset} into the model's units (anchored, if configured) and the
 * model's outputs back into forecasts in the series' own units.
 */
public final class Forecaster {
  private final SequenceModel model;
  private final boolean anchored;

  /**
   * A forecaster over {@code model}.
   *
   * @param model the recurrent stack and head; the forecaster does not own it
   * @param anchored whether inputs and targets are taken relative to each sample's last input value
   */
  public Forecaster(SequenceModel model, boolean anchored) {
    this.model = model;
    this.anchored = anchored;
  }

  /** The model this forecaster applies. */
  public SequenceModel model() {
    return model;
  }

  /** A batch in the model's units, and the anchors that undo it. */
  record ModelBatch(Tensor input, Tensor target, double[] anchors) {}

  /**
   * With anchoring, subtracts each sample's last input value of every feature from that feature,
   * and the target column's last value from the targets (step-major, K target columns).
   */
  static ModelBatch toModelUnits(Batch batch, WindowDataset dataset) {
    float[] x = batch.input().toFloatArray();
    float[] y = batch.target().toFloatArray();
    double[] anchors =
        anchorInPlace(
            x, y, batch.size(), dataset.window(), dataset.numFeatures(), targetFeatures(dataset));
    return new ModelBatch(
        Tensor.wrap(x, batch.input().shape()), Tensor.wrap(y, batch.target().shape()), anchors);
  }

  /**
   * Anchors {@code n} windows in place, (n, window, features) float32 in {@code x} and, unless
   * null, their targets (n, horizon * K) in {@code y}; returns the anchors (n, K). One routine for
   * training, validation and {@link WindowForecaster}, so that all of them compute the same float32
   * numbers.
   */
  static double[] anchorInPlace(
      float[] x, float[] y, int n, int window, int features, int[] targetFeature) {
    int k = targetFeature.length;
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
      if (y != null) {
        int per = y.length / n;
        for (int e = 0; e < per; e++) {
          y[s * per + e] -= (float) anchors[s * k + e % k];
        }
      }
    }
    return anchors;
  }

  /** The batch as the model sees it. */
  ModelBatch modelBatch(Batch batch, WindowDataset dataset) {
    ModelBatch mb =
        anchored
            ? toModelUnits(batch, dataset)
            : new ModelBatch(batch.input(), batch.target(), null);
    // Batches hold float32 data; a float64 model computes on the same values widened (to() is a
    // no-op for float32).
    DType dtype = model.dtype();
    return new ModelBatch(mb.input().to(dtype), mb.target().to(dtype), mb.anchors());
  }

  /**
   * One share of an optimizer step, for data-parallel training ({@code
   * dev.rnn4j.spark.SparkTrainer}): the gradient, with respect to the model's parameters, of this
   * share's part of the step's mean squared error, i.e. of {@code sum over the share's samples of
   * their squared errors / (batchSize * targetSize)}. The gradients of shares that together make
   * the step's samples add up to the step's gradient, which is what {@link Trainer} computes in one
   * piece (or, accumulating, one mini-batch at a time).
   *
   * <p>The share holds its part of each of the step's mini-batches ({@link
   * TrainingConfig#accumulateGradBatches} of them); the parts run forward and backward one at a
   * time, in order, as the mini-batches do in one process, and their gradients add up. Runs the
   * model in whatever mode it is in (training mode, for dropout) and replaces its accumulated
   * gradients.
   *
   * @param dataset the (normalized) training windows
   * @param parts indices into {@code dataset}: this share's part of each of the step's
   *     mini-batches, some possibly empty, at least one sample in all
   * @param batchSize the number of samples of the whole step, at least those of {@code parts}
   */
  public ShareGradient shareGradient(WindowDataset dataset, int[][] parts, int batchSize) {
    int samples = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    checkArgument(
        samples >= 1 && samples <= batchSize,
        "a share must hold between 1 and batchSize samples. Expected 1 to %d, got %d",
        batchSize,
        samples);
    model.zeroGrad();
    double lossSum = 0;
    for (int[] part : parts) {
      if (part.length > 0) {
        lossSum += backwardShare(dataset, part, batchSize) * part.length;
      }
    }
    return new ShareGradient(model.grad(), lossSum, samples);
  }

  /**
   * {@link #shareGradient}'s computation for one part: adds the part's gradient to the model's
   * accumulated ones. Returns the part's loss, the mean over its samples.
   */
  private double backwardShare(WindowDataset dataset, int[] samples, int batchSize) {
    Batch batch = BatchIterator.of(dataset, samples, samples.length).next();
    ModelBatch mb = modelBatch(batch, dataset);
    try (TensorScope scope = TensorScope.open();
        SequenceTape tape = model.forwardForBackward(mb.input(), null)) {
      Tensor prediction = tape.prediction().to(Device.CPU);
      LossResult loss = MseLoss.compute(prediction, mb.target());
      double share = (double) samples.length / batchSize;
      double[] gradient = loss.gradient().toDoubleArray();
      for (int i = 0; i < gradient.length; i++) {
        gradient[i] *= share;
      }
      Tensor scaled = Tensor.wrap(gradient, loss.gradient().shape()).to(model.dtype());
      tape.backward(scaled.to(tape.prediction().device()));
      return loss.value();
    }
  }

  /**
   * Every sample of {@code dataset} as the model sees it (anchored, in the model's dtype), on the
   * host: inputs (S, window, features) and targets (S, horizon * K), for {@link
   * Trainer#trainEpoch}.
   */
  TrainingSet trainingSet(WindowDataset dataset) {
    ModelBatch all = modelBatch(BatchIterator.inOrder(dataset, dataset.size()).next(), dataset);
    return TrainingSet.regression(all.input(), null, all.target());
  }

  /**
   * What {@link #shareGradient} returns.
   *
   * @param grads the share's gradient, under the model's parameter names, in the model's dtype
   * @param lossSum the sum over the share's samples of each sample's mean squared error
   * @param samples the number of samples in the share
   */
  public record ShareGradient(StateDict grads, double lossSum, int samples) {}

  /**
   * Forecasts for every sample of {@code dataset}, in the series' units: (samples, horizon * K),
   * float64, in the dataset's target layout. Runs in evaluation mode.
   */
  public Tensor forecast(WindowDataset dataset, int batchSize) {
    model.eval();
    int per = dataset.targetSize();
    double[] out = new double[dataset.size() * per];
    int row = 0;
    for (BatchIterator it = BatchIterator.inOrder(dataset, batchSize); it.hasNext(); ) {
      Batch batch = it.next();
      ModelBatch mb = modelBatch(batch, dataset);
      double[] p;
      try (TensorScope scope = TensorScope.open()) {
        p = model.forward(mb.input(), null).to(Device.CPU).toDoubleArray();
      }
      restore(p, mb.anchors(), dataset.targetColumns().size());
      System.arraycopy(p, 0, out, row * per, p.length);
      row += batch.size();
    }
    return dataset.inverseTargets(Tensor.wrap(out, dataset.size(), per));
  }

  /**
   * The naive forecast, each sample's last input value of its target column(s), in the series'
   * units.
   */
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

  static void restore(double[] prediction, double[] anchors, int k) {
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

  static int[] targetFeatures(WindowDataset dataset) {
    List<String> columns = dataset.series().columns();
    return dataset.targetColumns().stream().mapToInt(columns::indexOf).toArray();
  }
}
