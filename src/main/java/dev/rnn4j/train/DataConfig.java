package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a forecaster's data comes from and how it is cut: CSV columns, sliding windows, the split
 * by time, normalization and anchoring.
 *
 * <p>Anchoring expresses each window relative to its own last value: every input feature minus its
 * value at the window's last step, every target minus the last input value of its column. The model
 * then forecasts changes, not levels, which carries across a trend that leaves the training range
 * (the naive last-value forecast is a prediction of zero in these units).
 *
 * @param csv the CSV file, or null for the shipped dataset ({@link TimeSeries#defaultDataset()})
 * @param columns the input columns; the first is the one forecast
 * @param window input steps per sample
 * @param horizon steps forecast per sample
 * @param stride steps between consecutive samples
 * @param validationFraction the share of the series, at its end, held out for validation
 * @param normalize whether to z-score every column with statistics of the training part
 * @param anchored whether windows are made relative to their last value (see above)
 * @param csvSha256 the SHA-256 of the data's bytes ({@link #contentSha256()}) when the run was
 *     configured, or null where unknown (checkpoints written before it was recorded); a resumed run
 *     reads a moved CSV whose content has this checksum
 */
public record DataConfig(
    String csv,
    List<String> columns,
    int window,
    int horizon,
    int stride,
    double validationFraction,
    boolean normalize,
    boolean anchored,
    String csvSha256) {
  /** Settings whose data checksum is not known. */
  public DataConfig(
      String csv,
      List<String> columns,
      int window,
      int horizon,
      int stride,
      double validationFraction,
      boolean normalize,
      boolean anchored) {
    this(csv, columns, window, horizon, stride, validationFraction, normalize, anchored, null);
  }

  /** Copies the column list and checks every component. */
  public DataConfig {
    columns = List.copyOf(columns);
    checkArgument(!columns.isEmpty(), "at least one column is needed, got none");
    checkArgument(window > 0, "window must be greater than zero, got %d", window);
    checkArgument(horizon > 0, "horizon must be greater than zero, got %d", horizon);
    checkArgument(stride > 0, "stride must be greater than zero, got %d", stride);
    checkArgument(
        validationFraction > 0 && validationFraction < 1,
        "validation fraction must be in (0, 1), got %s",
        validationFraction);
  }

  /** The shipped monthly CO2 series, two years of input for the next six months. */
  public static DataConfig defaults() {
    return new DataConfig(null, List.of(TimeSeries.DEFAULT_COLUMN), 24, 6, 1, 0.2, true, true);
  }

  /** These settings reading {@code csv} (null: the shipped series), the checksum kept. */
  public DataConfig withCsv(String csv) {
    return new DataConfig(
        csv, columns, window, horizon, stride, validationFraction, normalize, anchored, csvSha256);
  }

  /** These settings with the data checksum {@code csvSha256}. */
  public DataConfig withCsvSha256(String csvSha256) {
    return new DataConfig(
        csv, columns, window, horizon, stride, validationFraction, normalize, anchored, csvSha256);
  }

  /**
   * The SHA-256 of the bytes these settings read now: the CSV file's, or the shipped series'.
   *
   * @throws java.io.UncheckedIOException if the file cannot be read
   */
  public String contentSha256() {
    return DataChecksum.sha256(csv, TimeSeries.DEFAULT_RESOURCE);
  }

  /** The series these settings read. */
  public TimeSeries readSeries() {
    return csv == null
        ? TimeSeries.defaultDataset(columns)
        : TimeSeries.readCsv(Path.of(csv), columns.toArray(String[]::new));
  }

  /** The windows of {@code series}, split by time, normalized with training statistics if asked. */
  public WindowDataset.Split split(TimeSeries series) {
    WindowDataset.Split split =
        WindowDataset.builder(series, window, horizon)
            .stride(stride)
            .build()
            .splitByTime(validationFraction);
    return normalize ? split.normalized() : split;
  }
}
