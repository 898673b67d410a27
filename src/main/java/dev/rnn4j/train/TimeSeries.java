package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One or more numeric columns of a table, in row (time) order: a (T, F) matrix of float64 values
 * with named columns, where T is the number of time steps and F the number of selected columns.
 *
 * <p>{@link #readCsv(Path, List)} reads a CSV file with a header row (RFC 4180 quoting, parsed by
 * Apache Commons CSV) and keeps the selected columns in the order they are named, rows in file
 * order. Cells are trimmed; empty lines and lines starting with {@code #} (NOAA's comment lines)
 * are skipped. Every data row must have one cell per header column, and every selected cell must be
 * a finite decimal number ({@code 315.71}, {@code -2}, {@code 1e-3}); columns that are not selected
 * are only counted, not parsed. Every problem is an {@link IllegalArgumentException} naming the
 * file and, for a cell, its 1-based line and its column:
 *
 * <pre>{@code
 * data.csv line 4, column "co2_ppm": expected a number, got "n/a"
 * data.csv has no column "co2"; its columns are: year, month, co2_ppm
 * }</pre>
 *
 * <p>{@link #defaultDataset()} is the series shipped with rnn4j: the monthly mean CO2 at Mauna Loa
 * (NOAA Global Monitoring Laboratory and Scripps, public domain), described in {@code
 * dev/rnn4j/data/README.md} on the classpath.
 *
 * <p>A time series is an immutable value.
 */
public final class TimeSeries {
  /** The classpath resource of {@link #defaultDataset()}. */
  public static final String DEFAULT_RESOURCE = "/dev/rnn4j/data/co2-mauna-loa-monthly.csv";

  /** The column {@link #defaultDataset()} selects: monthly mean CO2 in ppm (micromol/mol). */
  public static final String DEFAULT_COLUMN = "co2_ppm";

  /**
   * Decimal numbers only: {@link Double#parseDouble} alone would also take "NaN", "0x1p3" and "1d".
   * Possessive, because backtracking over the split between the two digit runs of a long cell that
   * then fails to match took time quadratic in its length (a 100,000-digit cell hung the reader).
   */
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?+(?:\\d++\\.?+\\d*+|\\.\\d++)(?:[eE][-+]?+\\d++)?+");

  static final CSVFormat FORMAT =
      CSVFormat.RFC4180
          .builder()
          .setCommentMarker('#')
          .setIgnoreEmptyLines(true)
          .setTrim(true)
          .get();

  private final String source;
  private final List<String> columns;
  private final int length;
  private final double[] values; // row-major (T, F)

  private TimeSeries(String source, List<String> columns, int length, double[] values) {
    this.source = source;
    this.columns = columns;
    this.length = length;
    this.values = values;
  }

  /**
   * A series from rows of values: {@code rows[t][f]} is column {@code columns.get(f)} at time step
   * {@code t}. The arrays are copied.
   */
  public static TimeSeries of(List<String> columns, double[][] rows) {
    List<String> names = checkColumnNames(columns);
    checkArgument(rows.length > 0, "a time series needs at least one row, got 0");
    int f = names.size();
    double[] values = new double[rows.length * f];
    for (int t = 0; t < rows.length; t++) {
      checkArgument(
          rows[t].length == f,
          "rows[%d] has %d values, expected %d (one per column)",
          t,
          rows[t].length,
          f);
      for (int j = 0; j < f; j++) {
        checkArgument(
            Double.isFinite(rows[t][j]), "rows[%d][%d] must be finite, got %s", t, j, rows[t][j]);
        values[t * f + j] = rows[t][j];
      }
    }
    return new TimeSeries("arrays", names, rows.length, values);
  }

  /** A one-column series. The array is copied. */
  public static TimeSeries of(String column, double... values) {
    double[][] rows = new double[values.length][];
    for (int t = 0; t < values.length; t++) {
      rows[t] = new double[] {values[t]};
    }
    return of(List.of(column), rows);
  }

  /** Reads the named columns of a CSV file with a header row; see the class documentation. */
  public static TimeSeries readCsv(Path file, String... columns) {
    return readCsv(file, List.of(columns));
  }

  /** Reads the named columns of a CSV file with a header row; see the class documentation. */
  public static TimeSeries readCsv(Path file, List<String> columns) {
    Objects.requireNonNull(file, "file");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return parse(decode(bytes, file.toString()), file.toString(), columns);
  }

  /** The monthly mean CO2 at Mauna Loa, column {@link #DEFAULT_COLUMN} only. */
  public static TimeSeries defaultDataset() {
    return defaultDataset(List.of(DEFAULT_COLUMN));
  }

  /**
   * The monthly mean CO2 at Mauna Loa with the named columns, out of {@code year}, {@code month},
   * {@code decimal_date} and {@code co2_ppm}. March 1958 to July 2026, one row per month, 821 rows.
   */
  public static TimeSeries defaultDataset(List<String> columns) {
    String name = DEFAULT_RESOURCE.substring(DEFAULT_RESOURCE.lastIndexOf('/') + 1);
    try (InputStream in = TimeSeries.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(decode(in.readAllBytes(), name), name, columns);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /** Where the values came from: the file name given to {@code readCsv}, or {@code "arrays"}. */
  public String source() {
    return source;
  }

  /** The selected column names, in order (feature order). */
  public List<String> columns() {
    return columns;
  }

  /** T, the number of rows (time steps). */
  public int length() {
    return length;
  }

  /** F, the number of columns. */
  public int numColumns() {
    return columns.size();
  }

  /** The position of {@code column} among {@link #columns()}. */
  public int columnIndex(String column) {
    int i = columns.indexOf(column);
    if (i < 0) {
      throw new IllegalArgumentException(
          String.format(
              "%s has no column \"%s\"; its columns are: %s",
              describe(), column, String.join(", ", columns)));
    }
    return i;
  }

  /** The value of column {@code f} at row {@code t}. */
  public double get(int t, int f) {
    Objects.checkIndex(t, length);
    Objects.checkIndex(f, columns.size());
    return values[t * columns.size() + f];
  }

  /** One column as a new array, in row order. */
  public double[] column(String column) {
    int f = columnIndex(column);
    double[] out = new double[length];
    for (int t = 0; t < length; t++) {
      out[t] = values[t * columns.size() + f];
    }
    return out;
  }

  /** The values as a (T, F) float64 tensor. */
  public Tensor toTensor() {
    return Tensor.of(values, length, columns.size());
  }

  @Override
  public String toString() {
    return "TimeSeries(" + source + ", rows=" + length + ", columns=" + columns + ")";
  }

  private String describe() {
    return source.equals("arrays") ? "the series" : source;
  }

  private static List<String> checkColumnNames(List<String> columns) {
    checkArgument(!columns.isEmpty(), "at least one column must be selected, got none");
    Set<String> seen = new HashSet<>();
    for (String c : columns) {
      Objects.requireNonNull(c, "column name");
      checkArgument(seen.add(c), "column \"%s\" is selected twice", c);
    }
    return List.copyOf(columns);
  }

  static String decode(byte[] bytes, String source) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
      // Spreadsheet programs write a byte order mark, which would otherwise become part of the
      // first name.
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(source + " is not valid UTF-8 text", e);
    }
  }

  private static TimeSeries parse(String text, String source, List<String> selected) {
    List<String> names = checkColumnNames(selected);
    try (CSVParser parser = FORMAT.parse(new StringReader(text))) {
      List<String> header = null;
      int[] picked = null;
      List<double[]> rows = new ArrayList<>();
      for (CSVRecord record : parser) {
        // The parser has just consumed the record's last line; quoted line breaks move its start
        // up.
        long line = parser.getCurrentLineNumber() - lineBreaks(record);
        if (header == null) {
          header = record.toList();
          picked = pick(header, names, source, line);
          continue;
        }
        checkArgument(
            record.size() == header.size(),
            "%s line %d has %d cells, expected %d (one per header column)",
            source,
            line,
            record.size(),
            header.size());
        double[] row = new double[picked.length];
        for (int j = 0; j < picked.length; j++) {
          row[j] = number(record.get(picked[j]), source, line, names.get(j));
        }
        rows.add(row);
      }
      checkArgument(
          header != null, "%s is empty: expected a header row and at least one data row", source);
      checkArgument(!rows.isEmpty(), "%s has a header but no data rows", source);
      int f = names.size();
      double[] values = new double[rows.size() * f];
      for (int t = 0; t < rows.size(); t++) {
        System.arraycopy(rows.get(t), 0, values, t * f, f);
      }
      return new TimeSeries(source, names, rows.size(), values);
    } catch (UncheckedIOException | IOException e) {
      // Commons CSV reports broken quoting this way; the text is in memory, so there is no other
      // I/O.
      Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
      throw new IllegalArgumentException(source + " is not valid CSV: " + cause.getMessage(), e);
    }
  }

  static int[] pick(List<String> header, List<String> names, String source, long line) {
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      Integer previous = position.put(header.get(i), i);
      if (previous != null) {
        throw new IllegalArgumentException(
            String.format(
                "%s line %d: duplicate column \"%s\" in the header (columns %d and %d)",
                source, line, header.get(i), previous + 1, i + 1));
      }
    }
    int[] picked = new int[names.size()];
    for (int j = 0; j < names.size(); j++) {
      Integer i = position.get(names.get(j));
      if (i == null) {
        throw new IllegalArgumentException(
            String.format(
                "%s has no column \"%s\"; its columns are: %s",
                source, names.get(j), String.join(", ", header)));
      }
      picked[j] = i;
    }
    return picked;
  }

  static double number(String cell, String source, long line, String column) {
    if (cell.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              "%s line %d, column \"%s\": expected a number, got an empty cell",
              source, line, column));
    }
    boolean isNumber = NUMBER.matcher(cell).matches();
    double v = isNumber ? Double.parseDouble(cell) : Double.NaN;
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(
          String.format(
              "%s line %d, column \"%s\": expected a %s, got \"%s\"",
              source,
              line,
              column,
              isNumber ? "finite number" : "number",
              cell.length() > 40 ? cell.substring(0, 40) + "..." : cell));
    }
    return v;
  }

  static int lineBreaks(CSVRecord record) {
    int n = 0;
    for (String cell : record) {
      for (int i = 0; i < cell.length(); i++) {
        char c = cell.charAt(i);
        if (c == '\n' || (c == '\r' && (i + 1 == cell.length() || cell.charAt(i + 1) != '\n'))) {
          n++;
        }
      }
    }
    return n;
  }
}
