package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.util.TreeSet;

/**
 * Evaluation metrics with scikit-learn's definitions ({@code sklearn.metrics}, checked against
 * scikit-learn 1.9.1 by {@code src/test/python/generate_metrics_fixtures.py}), computed in double.
 *
 * <p>Classification takes class indices (y_true, y_pred of equal length N &gt;= 1); regression
 * takes values, one output ({@code double[]}) or several ({@code double[N][outputs]}, each output's
 * error then averaged with equal weights: {@code multioutput='uniform_average'}).
 */
public final class Metrics {
  /** numpy's float64 epsilon, the floor of |y_true| in {@link #meanAbsolutePercentageError}. */
  private static final double EPSILON = Math.ulp(1.0);

  private Metrics() {}

  /** {@code accuracy_score(y_true, y_pred)}: the share of exact matches. */
  public static double accuracyScore(long[] yTrue, long[] yPred) {
    checkSameLength(yTrue.length, yPred.length);
    int hits = 0;
    for (int i = 0; i < yTrue.length; i++) {
      hits += yTrue[i] == yPred[i] ? 1 : 0;
    }
    return (double) hits / yTrue.length;
  }

  /**
   * {@code f1_score(y_true, y_pred, average='macro')}: the unweighted mean over the labels present
   * in y_true or y_pred (sorted) of F1 = 2 TP / (2 TP + FP + FN). A class that is never predicted
   * has TP = 0 and F1 0; zero_division (F1 of a label with TP + FP + FN = 0) cannot arise with
   * these labels.
   */
  public static double f1Score(long[] yTrue, long[] yPred) {
    checkSameLength(yTrue.length, yPred.length);
    TreeSet<Long> present = new TreeSet<>();
    for (int i = 0; i < yTrue.length; i++) {
      present.add(yTrue[i]);
      present.add(yPred[i]);
    }
    return f1Score(yTrue, yPred, present.stream().mapToLong(Long::longValue).toArray(), 0.0);
  }

  /**
   * {@code f1_score(y_true, y_pred, labels=labels, average='macro', zero_division=zeroDivision)}:
   * the mean over {@code labels} of F1 = 2 TP / (2 TP + FP + FN), where a label with TP + FP + FN =
   * 0 (absent from both) counts as {@code zeroDivision}: 0 for scikit-learn's default {@code
   * "warn"} (without the warning), 1, or NaN (which makes the mean NaN).
   */
  public static double f1Score(long[] yTrue, long[] yPred, long[] labels, double zeroDivision) {
    checkSameLength(yTrue.length, yPred.length);
    checkArgument(labels.length > 0, "Expected at least one label, got none");
    checkArgument(
        zeroDivision == 0 || zeroDivision == 1 || Double.isNaN(zeroDivision),
        "zero_division must be 0, 1 or NaN, got %s",
        zeroDivision);
    double sum = 0;
    for (long label : labels) {
      long tp = 0;
      long fp = 0;
      long fn = 0;
      for (int i = 0; i < yTrue.length; i++) {
        boolean isTrue = yTrue[i] == label;
        boolean isPred = yPred[i] == label;
        tp += isTrue && isPred ? 1 : 0;
        fp += !isTrue && isPred ? 1 : 0;
        fn += isTrue && !isPred ? 1 : 0;
      }
      long denominator = 2 * tp + fp + fn;
      sum += denominator == 0 ? zeroDivision : 2.0 * tp / denominator;
    }
    return sum / labels.length;
  }

  /**
   * {@code confusion_matrix(y_true, y_pred, labels=range(numClasses))}: {@code m[i][j]} counts the
   * samples of true class i predicted as j.
   *
   * @throws IllegalArgumentException if an index is outside [0, numClasses)
   */
  public static long[][] confusionMatrix(long[] yTrue, long[] yPred, int numClasses) {
    checkSameLength(yTrue.length, yPred.length);
    checkArgument(
        numClasses >= 1, "numClasses must be at least 1. Expected >= 1, got %d", numClasses);
    long[][] m = new long[numClasses][numClasses];
    for (int i = 0; i < yTrue.length; i++) {
      checkArgument(
          yTrue[i] >= 0 && yTrue[i] < numClasses && yPred[i] >= 0 && yPred[i] < numClasses,
          "Expected class indices in [0, %d), got y_true[%d] = %d, y_pred[%d] = %d",
          numClasses,
          i,
          yTrue[i],
          i,
          yPred[i]);
      m[(int) yTrue[i]][(int) yPred[i]]++;
    }
    return m;
  }

  /** {@code mean_absolute_error(y_true, y_pred)}. */
  public static double meanAbsoluteError(double[] yTrue, double[] yPred) {
    return meanAbsoluteError(column(yTrue), column(yPred));
  }

  /**
   * {@code mean_absolute_error} of (N, outputs) values: the mean over outputs of each one's MAE.
   */
  public static double meanAbsoluteError(double[][] yTrue, double[][] yPred) {
    return uniformAverage(yTrue, yPred, Kind.MAE);
  }

  /** {@code root_mean_squared_error(y_true, y_pred)}. */
  public static double rootMeanSquaredError(double[] yTrue, double[] yPred) {
    return rootMeanSquaredError(column(yTrue), column(yPred));
  }

  /**
   * {@code root_mean_squared_error} of (N, outputs) values: the mean over outputs of each one's
   * RMSE (not the RMSE of all values together).
   */
  public static double rootMeanSquaredError(double[][] yTrue, double[][] yPred) {
    return uniformAverage(yTrue, yPred, Kind.RMSE);
  }

  /**
   * {@code mean_absolute_percentage_error(y_true, y_pred)}: the mean of |y_true - y_pred| /
   * max(|y_true|, eps), eps the float64 machine epsilon (2.22e-16): a fraction, not a percentage,
   * and huge rather than infinite where y_true is 0.
   */
  public static double meanAbsolutePercentageError(double[] yTrue, double[] yPred) {
    return meanAbsolutePercentageError(column(yTrue), column(yPred));
  }

  /** {@code mean_absolute_percentage_error} of (N, outputs) values, averaged over outputs. */
  public static double meanAbsolutePercentageError(double[][] yTrue, double[][] yPred) {
    return uniformAverage(yTrue, yPred, Kind.MAPE);
  }

  private enum Kind {
    MAE,
    RMSE,
    MAPE
  }

  private static double uniformAverage(double[][] yTrue, double[][] yPred, Kind kind) {
    checkSameLength(yTrue.length, yPred.length);
    int outputs = yTrue[0].length;
    checkArgument(outputs >= 1, "Expected at least one output, got 0");
    for (int i = 0; i < yTrue.length; i++) {
      checkArgument(
          yTrue[i].length == outputs && yPred[i].length == outputs,
          "Expected %d outputs in every row, got %d (y_true) and %d (y_pred) in row %d",
          outputs,
          yTrue[i].length,
          yPred[i].length,
          i);
    }
    double total = 0;
    for (int j = 0; j < outputs; j++) {
      double sum = 0;
      for (int i = 0; i < yTrue.length; i++) {
        double error = Math.abs(yTrue[i][j] - yPred[i][j]);
        sum +=
            switch (kind) {
              case MAE -> error;
              case RMSE -> error * error;
              case MAPE -> error / Math.max(Math.abs(yTrue[i][j]), EPSILON);
            };
      }
      double mean = sum / yTrue.length;
      total += kind == Kind.RMSE ? Math.sqrt(mean) : mean;
    }
    return total / outputs;
  }

  private static double[][] column(double[] values) {
    double[][] out = new double[values.length][];
    for (int i = 0; i < values.length; i++) {
      out[i] = new double[] {values[i]};
    }
    return out;
  }

  private static void checkSameLength(int nTrue, int nPred) {
    checkArgument(
        nTrue == nPred,
        "Found input variables with inconsistent numbers of samples: [%d, %d]",
        nTrue,
        nPred);
    checkArgument(nTrue >= 1, "Expected at least 1 sample, got 0");
  }
}
