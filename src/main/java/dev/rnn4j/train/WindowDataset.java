package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Sliding windows over a {@link TimeSeries} for forecasting: each sample is {@code window}
 * consecutive rows of every column as input, and the {@code horizon} rows that follow, of the
 * target column(s) only, as target ("look at 24 months, predict the next 12").
 *
 * <p>Sample {@code i} starts at row {@code s = start(i) = firstRow() + i * stride}, which is {@code
 * i * stride} for the dataset that {@link #builder} makes. Its input is rows {@code [s, s +
 * window)} of all F columns, and its target is rows {@code [s + window, s + window + horizon)} of
 * the K target columns. There are {@code (T - window - horizon) / stride + 1} samples in a series
 * of T rows (integer division).
 *
 * <p>Layouts, as {@link BatchIterator} puts them into tensors:
 *
 * <ul>
 *   <li>input: (window, F), row-major: element {@code w * F + f} is column {@code f} at row {@code
 *       s + w};
 *   <li>target: (horizon * K): element {@code h * K + k} is target column {@code k} at row {@code s
 *       + window + h}. With one target column this is simply the next {@code horizon} values.
 * </ul>
 *
 * <p>Values come out normalized by {@link #normalization()}, which is {@link
 * Normalization#identity()} until {@link #normalized} sets one; {@link #inverseTargets} maps
 * targets and forecasts back to the series' units.
 *
 * <p>A dataset is immutable and reads its series' values when asked, so the samples share storage.
 */
public final class WindowDataset {
  private final TimeSeries series;
  private final int window;
  private final int horizon;
  private final int stride;
  private final List<String> targetColumns;
  private final int[] targetIndex; // positions of the target columns among the series' columns
  private final int firstRow; // the part of the series this dataset covers: [firstRow, endRow)
  private final int endRow;
  private final int size;
  private final Normalization normalization;
  private final double[] mean; // per series column, from normalization
  private final double[] std;

  private WindowDataset(
      TimeSeries series,
      int window,
      int horizon,
      int stride,
      List<String> targetColumns,
      int[] targetIndex,
      int firstRow,
      int endRow,
      Normalization normalization) {
    this.series = series;
    this.window = window;
    this.horizon = horizon;
    this.stride = stride;
    this.targetColumns = targetColumns;
    this.targetIndex = targetIndex;
    this.firstRow = firstRow;
    this.endRow = endRow;
    this.size = (endRow - firstRow - window - horizon) / stride + 1;
    this.normalization = normalization;
    int f = series.numColumns();
    this.mean = new double[f];
    this.std = new double[f];
    for (int j = 0; j < f; j++) {
      String c = series.columns().get(j);
      mean[j] = normalization.isIdentity() ? 0 : normalization.mean(c);
      std[j] = normalization.isIdentity() ? 1 : normalization.std(c);
    }
  }

  /**
   * Windows of {@code window} input rows and {@code horizon} target rows over {@code series}, with
   * stride 1 and the series' first column as target unless the builder says otherwise.
   */
  public static Builder builder(TimeSeries series, int window, int horizon) {
    return new Builder(series, window, horizon);
  }

  /** Optional settings of a {@link WindowDataset}. */
  public static final class Builder {
    private final TimeSeries series;
    private final int window;
    private final int horizon;
    private int stride = 1;
    private List<String> targetColumns;

    private Builder(TimeSeries series, int window, int horizon) {
      this.series = Objects.requireNonNull(series, "series");
      this.window = window;
      this.horizon = horizon;
      this.targetColumns = List.of(series.columns().get(0));
    }

    /** Rows between the starts of consecutive samples (default 1). */
    public Builder stride(int stride) {
      this.stride = stride;
      return this;
    }

    /** The columns to predict, out of the series' columns (default: the first column). */
    public Builder targetColumns(String... columns) {
      return targetColumns(List.of(columns));
    }

    /** The columns to predict, out of the series' columns (default: the first column). */
    public Builder targetColumns(List<String> columns) {
      this.targetColumns = List.copyOf(columns);
      return this;
    }

    /** Validates the settings and makes the dataset. */
    public WindowDataset build() {
      checkArgument(window >= 1, "window must be at least 1, got %d", window);
      checkArgument(horizon >= 1, "horizon must be at least 1, got %d", horizon);
      checkArgument(stride >= 1, "stride must be at least 1, got %d", stride);
      checkArgument(!targetColumns.isEmpty(), "at least one target column is needed, got none");
      int[] targetIndex = new int[targetColumns.size()];
      Set<String> seen = new HashSet<>();
      for (int k = 0; k < targetIndex.length; k++) {
        checkArgument(
            seen.add(targetColumns.get(k)),
            "target column \"%s\" is named twice",
            targetColumns.get(k));
        targetIndex[k] = series.columnIndex(targetColumns.get(k));
      }
      int t = series.length();
      checkArgument(
          t >= window + horizon,
          "series of %d rows is too short for one window: window %d + horizon %d = %d rows needed",
          t,
          window,
          horizon,
          window + horizon);
      return new WindowDataset(
          series,
          window,
          horizon,
          stride,
          targetColumns,
          targetIndex,
          0,
          t,
          Normalization.identity());
    }
  }

  /**
   * The dataset split by time into a training part (the first rows) and a validation part (the last
   * rows), for honest validation of a forecaster.
   *
   * <p>Over this dataset's rows {@code [firstRow(), endRow())}, n rows, the last {@code v =
   * round(validationFraction * n)} rows are the validation part, and {@code boundary = endRow() -
   * v} is its first row. Then:
   *
   * <ul>
   *   <li>the training dataset covers rows {@code [firstRow(), boundary)}: its samples are this
   *       dataset's own samples (same starts, same stride) whose windows lie wholly before the
   *       boundary;
   *   <li>the validation dataset covers rows {@code [boundary - window, endRow())}: its samples
   *       start at {@code boundary - window} and step by {@code stride}. The first one reads the
   *       last {@code window} training rows as input context and predicts the {@code horizon} rows
   *       from the boundary on. Validation <em>inputs</em> may therefore read training rows;
   *       validation <em>targets</em> never do: they lie in {@code [boundary, endRow())}.
   * </ul>
   *
   * <p>So every training target row is before the boundary and every validation target row is at or
   * after it. Fit a {@link Normalization} on the training part only ({@link Split#normalized()}
   * does).
   *
   * @param validationFraction the share of rows for validation, in (0, 1)
   */
  public Split splitByTime(double validationFraction) {
    checkArgument(
        validationFraction > 0 && validationFraction < 1,
        "validationFraction must be in (0, 1), got %s",
        validationFraction);
    int from = firstRow();
    int end = endRow();
    int validationRows = (int) Math.round(validationFraction * (end - from));
    int boundary = end - validationRows;
    checkArgument(
        boundary - from >= window + horizon,
        "training part of %d rows is too short for one window: window %d + horizon %d = %d rows needed "
            + "(validationFraction %s leaves rows [%d, %d) for training)",
        boundary - from,
        window,
        horizon,
        window + horizon,
        validationFraction,
        from,
        boundary);
    checkArgument(
        validationRows >= horizon,
        "validation part of %d rows is too short for one target: horizon %d rows needed "
            + "(validationFraction %s leaves rows [%d, %d) for validation)",
        validationRows,
        horizon,
        validationFraction,
        boundary,
        end);
    WindowDataset train =
        new WindowDataset(
            series,
            window,
            horizon,
            stride,
            targetColumns,
            targetIndex,
            from,
            boundary,
            normalization);
    WindowDataset validation =
        new WindowDataset(
            series,
            window,
            horizon,
            stride,
            targetColumns,
            targetIndex,
            boundary - window,
            end,
            normalization);
    return new Split(train, validation, boundary);
  }

  /**
   * A training and a validation dataset split by time (see {@link WindowDataset#splitByTime}).
   *
   * @param boundary the first row of the validation part: every training target row is before it,
   *     every validation target row at or after it
   */
  public record Split(WindowDataset train, WindowDataset validation, int boundary) {
    /** Checks that both datasets are present. */
    public Split {
      Objects.requireNonNull(train, "train");
      Objects.requireNonNull(validation, "validation");
    }

    /**
     * Both datasets normalized with statistics fitted on the training dataset's rows only ({@link
     * Normalization#fit(WindowDataset)}).
     */
    public Split normalized() {
      Normalization n = Normalization.fit(train);
      return new Split(train.normalized(n), validation.normalized(n), boundary);
    }

    /** The normalization both datasets apply. */
    public Normalization normalization() {
      return train.normalization();
    }
  }

  /**
   * The same samples, with values normalized by {@code normalization}, which must have statistics
   * for every column of the series (or be the identity).
   */
  public WindowDataset normalized(Normalization normalization) {
    Objects.requireNonNull(normalization, "normalization");
    if (!normalization.isIdentity()) {
      for (String c : series.columns()) {
        checkArgument(
            normalization.columns().contains(c),
            "normalization has no statistics for column \"%s\"; it has: %s",
            c,
            String.join(", ", normalization.columns()));
      }
    }
    return new WindowDataset(
        series,
        window,
        horizon,
        stride,
        targetColumns,
        targetIndex,
        firstRow,
        endRow,
        normalization);
  }

  /** The number of samples. */
  public int size() {
    return size;
  }

  /** The series the windows are cut from. */
  public TimeSeries series() {
    return series;
  }

  /** Input rows per sample. */
  public int window() {
    return window;
  }

  /** Rows forecast per sample. */
  public int horizon() {
    return horizon;
  }

  /** Rows between the starts of consecutive samples. */
  public int stride() {
    return stride;
  }

  /** The columns the targets hold, in target order (K of them). */
  public List<String> targetColumns() {
    return targetColumns;
  }

  /** F, the number of input features: all the series' columns. */
  public int numFeatures() {
    return series.numColumns();
  }

  /** The number of target values per sample: {@code horizon * K}. */
  public int targetSize() {
    return horizon * targetIndex.length;
  }

  /** The training statistics inputs and targets are scaled with. */
  public Normalization normalization() {
    return normalization;
  }

  /** The first input row of sample {@code i}. */
  public int start(int i) {
    Objects.checkIndex(i, size);
    return firstRow + i * stride;
  }

  /**
   * The first row of the part of the series this dataset covers, {@code [firstRow(), endRow())}: 0
   * for the dataset {@link #builder} makes. Samples read rows of this part only, starting at its
   * first row.
   */
  public int firstRow() {
    return firstRow;
  }

  /**
   * One past the last row of the part of the series this dataset covers: the series' length for the
   * dataset {@link #builder} makes. With a stride above 1, the last few rows may be read by no
   * sample.
   */
  public int endRow() {
    return endRow;
  }

  /** The input of sample {@code i}: (window, F) row-major, normalized. */
  public double[] input(int i) {
    double[] out = new double[window * numFeatures()];
    int s = start(i);
    int f = numFeatures();
    for (int w = 0; w < window; w++) {
      for (int j = 0; j < f; j++) {
        out[w * f + j] = (series.get(s + w, j) - mean[j]) / std[j];
      }
    }
    return out;
  }

  /** The target of sample {@code i}: (horizon * K), step-major, normalized. */
  public double[] target(int i) {
    int k = targetIndex.length;
    double[] out = new double[horizon * k];
    int first = start(i) + window;
    for (int h = 0; h < horizon; h++) {
      for (int c = 0; c < k; c++) {
        int j = targetIndex[c];
        out[h * k + c] = (series.get(first + h, j) - mean[j]) / std[j];
      }
    }
    return out;
  }

  /**
   * Targets or forecasts in the series' own units: the inverse of this dataset's normalization
   * applied to a tensor whose last dimension is {@link #targetSize()} in the target layout. Returns
   * float64.
   */
  public Tensor inverseTargets(Tensor targets) {
    return normalization.inverseTargets(targets, targetColumns);
  }

  /** Writes the inputs of the given samples into {@code out}, (N, window, F), as float32. */
  void inputsInto(int[] samples, float[] out) {
    int per = window * numFeatures();
    for (int n = 0; n < samples.length; n++) {
      double[] x = input(samples[n]);
      for (int e = 0; e < per; e++) {
        out[n * per + e] = (float) x[e];
      }
    }
  }

  /** Writes the targets of the given samples into {@code out}, (N, horizon * K), as float32. */
  void targetsInto(int[] samples, float[] out) {
    int per = targetSize();
    for (int n = 0; n < samples.length; n++) {
      double[] y = target(samples[n]);
      for (int e = 0; e < per; e++) {
        out[n * per + e] = (float) y[e];
      }
    }
  }

  @Override
  public String toString() {
    return "WindowDataset(samples="
        + size
        + ", window="
        + window
        + ", horizon="
        + horizon
        + ", stride="
        + stride
        + ", targets="
        + targetColumns
        + ", rows=["
        + firstRow()
        + ", "
        + endRow()
        + "))";
  }
}
