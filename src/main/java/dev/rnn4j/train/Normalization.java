package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rnn4j.internal.PythonText;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Per-column standardization, {@code (x - mean) / std}, with statistics fitted on training rows
 * only, so that nothing of the validation part leaks into training through them.
 *
 * <p>{@link #fit} computes each column's mean and population standard deviation (divisor n, numpy's
 * default {@code ddof=0}; scikit-learn's {@code StandardScaler} does the same). A column whose
 * fitted values are all equal gets std 1, so nothing divides by zero: its normalized values are
 * then all 0. {@link #identity()} leaves every value as it is (mean 0 and std 1 for every column).
 *
 * <p>The statistics travel with a model: {@link #toJson()} writes
 *
 * <pre>{@code
 * {"columns": ["co2_ppm"], "mean": [361.27980511571227], "std": [34.2058370413468]}
 * }</pre>
 *
 * <p>(the arrays in column order, numbers as Python's {@code json.dumps} writes them, and every
 * double exactly as fitted). The identity is {@code {"columns": [], "mean": [], "std": []}}.
 * Reading is strict: an unknown, missing or duplicate key, a value of the wrong type, arrays of
 * different lengths, a duplicate column, a non-finite mean or a std that is not positive is an
 * {@link IllegalArgumentException}.
 *
 * <p>An immutable value.
 */
public final class Normalization {
  private static final Normalization IDENTITY =
      new Normalization(List.of(), new double[0], new double[0]);
  private static final List<String> JSON_KEYS = List.of("columns", "mean", "std");
  // Strict: duplicate keys and content after the object are errors.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final List<String> columns;
  private final double[] mean;
  private final double[] std;

  private Normalization(List<String> columns, double[] mean, double[] std) {
    this.columns = columns;
    this.mean = mean;
    this.std = std;
  }

  /** The normalization that changes nothing: for training on raw values. */
  public static Normalization identity() {
    return IDENTITY;
  }

  /**
   * Given statistics, one entry per column; std must be positive. No columns at all is the {@link
   * #identity()}. The arrays are copied.
   */
  public static Normalization of(List<String> columns, double[] mean, double[] std) {
    checkArgument(
        mean.length == columns.size(),
        "mean has %d values, expected %d (one per column)",
        mean.length,
        columns.size());
    checkArgument(
        std.length == columns.size(),
        "std has %d values, expected %d (one per column)",
        std.length,
        columns.size());
    if (columns.isEmpty()) {
      return IDENTITY;
    }
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < columns.size(); j++) {
      String c = Objects.requireNonNull(columns.get(j), "column name");
      checkArgument(seen.add(c), "column \"%s\" appears twice", c);
      checkArgument(
          Double.isFinite(mean[j]), "mean of column \"%s\" must be finite, got %s", c, mean[j]);
      checkArgument(
          Double.isFinite(std[j]) && std[j] > 0,
          "std of column \"%s\" must be positive and finite, got %s",
          c,
          std[j]);
    }
    return new Normalization(List.copyOf(columns), mean.clone(), std.clone());
  }

  /** Fits every column of {@code series} on rows {@code [fromRow, toRow)}. */
  public static Normalization fit(TimeSeries series, int fromRow, int toRow) {
    checkArgument(
        0 <= fromRow && fromRow < toRow && toRow <= series.length(),
        "rows [%d, %d) must be a non-empty range within the series' %d rows",
        fromRow,
        toRow,
        series.length());
    int f = series.numColumns();
    int n = toRow - fromRow;
    double[] mean = new double[f];
    double[] std = new double[f];
    for (int j = 0; j < f; j++) {
      double sum = 0;
      boolean constant = true;
      for (int t = fromRow; t < toRow; t++) {
        sum += series.get(t, j);
        constant &= series.get(t, j) == series.get(fromRow, j);
      }
      mean[j] = sum / n;
      // Two passes: summing squares of deviations keeps precision that E[x^2] - E[x]^2 would lose.
      double squares = 0;
      for (int t = fromRow; t < toRow; t++) {
        double d = series.get(t, j) - mean[j];
        squares += d * d;
      }
      // Tested on exact equality, not on the computed std, which rounding can leave at 1e-14 and
      // not 0.
      std[j] = constant ? 1 : Math.sqrt(squares / n);
    }
    return of(series.columns(), mean, std);
  }

  /**
   * Fits every column on the rows a (training) dataset covers, {@code [firstRow(), endRow())}: for
   * the training dataset of {@link WindowDataset#splitByTime}, the rows before the boundary and no
   * others.
   */
  public static Normalization fit(WindowDataset training) {
    return fit(training.series(), training.firstRow(), training.endRow());
  }

  /** Whether this normalization changes nothing (no column is scaled). */
  public boolean isIdentity() {
    return columns.isEmpty();
  }

  /** The columns with statistics, in order; empty for the identity. */
  public List<String> columns() {
    return columns;
  }

  /** The mean of {@code column} (0 for the identity). */
  public double mean(String column) {
    return isIdentity() ? 0 : mean[index(column)];
  }

  /** The standard deviation of {@code column} (1 for the identity). */
  public double std(String column) {
    return isIdentity() ? 1 : std[index(column)];
  }

  /** {@code (value - mean) / std} for {@code column}. */
  public double normalize(String column, double value) {
    return (value - mean(column)) / std(column);
  }

  /** {@code value * std + mean} for {@code column}: back to the column's own units. */
  public double inverse(String column, double value) {
    return value * std(column) + mean(column);
  }

  /**
   * The inverse applied to targets or forecasts whose last dimension is {@code horizon * K} in
   * {@link WindowDataset}'s target layout: element {@code e} of each row belongs to {@code
   * targetColumns.get(e % K)}. Returns a float64 tensor of the same shape.
   */
  public Tensor inverseTargets(Tensor targets, List<String> targetColumns) {
    int k = targetColumns.size();
    int last = targets.dim() == 0 ? 1 : targets.size(-1);
    checkArgument(
        k > 0 && last % k == 0,
        "targets.size(-1) must be a multiple of the %d target columns. Expected horizon * %d, got %d",
        k,
        k,
        last);
    double[] scale = new double[k];
    double[] shift = new double[k];
    for (int c = 0; c < k; c++) {
      scale[c] = std(targetColumns.get(c));
      shift[c] = mean(targetColumns.get(c));
    }
    double[] values = targets.toDoubleArray();
    for (int e = 0; e < values.length; e++) {
      int c = (e % last) % k;
      values[e] = values[e] * scale[c] + shift[c];
    }
    return Tensor.wrap(values, targets.shape());
  }

  /** The statistics as JSON; see the class documentation. */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{\"columns\": [");
    for (int j = 0; j < columns.size(); j++) {
      sb.append(j == 0 ? "" : ", ");
      sb.append(quote(columns.get(j)));
    }
    sb.append("], \"mean\": ");
    appendNumbers(sb, mean);
    sb.append(", \"std\": ");
    appendNumbers(sb, std);
    return sb.append('}').toString();
  }

  /** Reads {@link #toJson()}'s form, strictly; see the class documentation. */
  public static Normalization fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(Objects.requireNonNull(json, "json"));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "normalization JSON is not valid: " + e.getOriginalMessage(), e);
    }
    checkArgument(
        root != null && !root.isMissingNode(), "normalization JSON is not valid: no JSON value");
    checkArgument(
        root.isObject(),
        "normalization JSON must be an object with keys %s, got %s",
        String.join(", ", JSON_KEYS),
        root);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      checkArgument(
          JSON_KEYS.contains(key),
          "normalization JSON has unknown key \"%s\"; the keys are %s",
          key,
          String.join(", ", JSON_KEYS));
    }
    for (String key : JSON_KEYS) {
      checkArgument(root.has(key), "normalization JSON is missing key \"%s\"", key);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode v : array(root, "columns", "strings")) {
      checkArgument(v.isTextual(), "\"columns\" must be an array of strings, got an element %s", v);
      names.add(v.textValue());
    }
    return of(names, numbers(root, "mean"), numbers(root, "std"));
  }

  private static JsonNode array(JsonNode root, String key, String what) {
    JsonNode v = root.get(key);
    checkArgument(v.isArray(), "\"%s\" must be an array of %s, got %s", key, what, v);
    return v;
  }

  private static double[] numbers(JsonNode root, String key) {
    JsonNode values = array(root, key, "numbers");
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = values.get(i);
      checkArgument(v.isNumber(), "\"%s\" must be an array of numbers, got an element %s", key, v);
      out[i] = v.doubleValue();
    }
    return out;
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a String always serializes", e);
    }
  }

  private static void appendNumbers(StringBuilder sb, double[] values) {
    sb.append('[');
    for (int j = 0; j < values.length; j++) {
      sb.append(j == 0 ? "" : ", ").append(PythonText.floatRepr(values[j]));
    }
    sb.append(']');
  }

  private int index(String column) {
    int j = columns.indexOf(column);
    if (j < 0) {
      throw new IllegalArgumentException(
          String.format(
              "normalization has no statistics for column \"%s\"; it has: %s",
              column, String.join(", ", columns)));
    }
    return j;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization other
        && columns.equals(other.columns)
        && Arrays.equals(mean, other.mean)
        && Arrays.equals(std, other.std);
  }

  @Override
  public int hashCode() {
    return Objects.hash(columns, Arrays.hashCode(mean), Arrays.hashCode(std));
  }

  @Override
  public String toString() {
    if (isIdentity()) {
      return "Normalization.identity()";
    }
    StringBuilder sb = new StringBuilder("Normalization(");
    for (int j = 0; j < columns.size(); j++) {
      sb.append(j == 0 ? "" : ", ")
          .append(columns.get(j))
          .append(": mean=")
          .append(PythonText.floatRepr(mean[j]))
          .append(", std=")
          .append(PythonText.floatRepr(std[j]));
    }
    return sb.append(')').toString();
  }
}
