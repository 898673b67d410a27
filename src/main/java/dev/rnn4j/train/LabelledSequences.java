package dev.rnn4j.train;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Sequences read from a long-format CSV table: one sequence per value of an id column, its steps
 * the rows with that id in file order (ids may interleave; sequences are in order of first
 * appearance), its features the selected numeric columns, and optionally a label column whose value
 * is the same on every row of a sequence.
 *
 * <pre>{@code
 * id,label,value
 * w000,sawtooth,-0.2305
 * w000,sawtooth,0.3165
 * }</pre>
 *
 * <p>The file is read as {@link TimeSeries#readCsv} reads one (UTF-8, RFC 4180, header row, {@code
 * #} comments, trimmed cells, finite decimal features), and every problem is an {@link
 * IllegalArgumentException} naming the file and, for a cell, its 1-based line and column: {@code
 * data.csv line 7, column "label": sequence "a" has label "up" here but "down" on line 3}.
 *
 * <p>{@link #defaultDataset()} is rnn4j's shipped set: the UCI handwritten digits (1,797 8x8 images
 * of the digits 0 to 9, CC BY 4.0, scikit-learn's copy) read row by row, each image a sequence of 8
 * steps of 8 pixels; {@code dev/rnn4j/data/README.md} on the classpath says more.
 *
 * @param source the file name
 * @param ids the S sequence ids, in order of first appearance
 * @param features the H_in feature columns, in order
 * @param sequences S arrays (L_i, H_in)
 * @param labels S labels as written in the file, or null when no label column was read
 */
public record LabelledSequences(
    String source,
    List<String> ids,
    List<String> features,
    List<float[][]> sequences,
    List<String> labels) {
  /** The classpath resource of {@link #defaultDataset()}. */
  public static final String DEFAULT_RESOURCE = "/dev/rnn4j/data/digits-rows.csv";

  /** The default id column. */
  public static final String DEFAULT_ID_COLUMN = "id";

  /** The default label column. */
  public static final String DEFAULT_LABEL_COLUMN = "label";

  /** Copies the lists (labels may be null: sequences read for prediction). */
  public LabelledSequences {
    ids = List.copyOf(ids);
    features = List.copyOf(features);
    sequences = List.copyOf(sequences);
    labels = labels == null ? null : List.copyOf(labels);
  }

  /** The shipped digits: columns id, label and the pixels p0 to p7 of each image row. */
  public static LabelledSequences defaultDataset() {
    String name = DEFAULT_RESOURCE.substring(DEFAULT_RESOURCE.lastIndexOf('/') + 1);
    try (InputStream in = LabelledSequences.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(
          TimeSeries.decode(in.readAllBytes(), name),
          name,
          DEFAULT_ID_COLUMN,
          DEFAULT_LABEL_COLUMN,
          List.of());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  /**
   * Reads a CSV file; see the class documentation.
   *
   * @param labelColumn the label column, or null to read sequences without labels
   * @param features the feature columns, or an empty list for every column but the id and the label
   */
  public static LabelledSequences readCsv(
      Path file, String idColumn, String labelColumn, List<String> features) {
    Objects.requireNonNull(file, "file");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return parse(
        TimeSeries.decode(bytes, file.toString()),
        file.toString(),
        idColumn,
        labelColumn,
        features);
  }

  /** S. */
  public int size() {
    return ids.size();
  }

  /** The distinct labels, sorted (String order): class i is the i-th. */
  public List<String> classes() {
    checkArgument(labels != null, "%s was read without a label column", source);
    return List.copyOf(new TreeSet<>(labels));
  }

  /**
   * The sequences with their labels as indices into {@code classes}.
   *
   * @throws IllegalArgumentException naming the sequence whose label is not one of {@code classes}
   */
  public SequenceDataset toDataset(List<String> classes) {
    checkArgument(labels != null, "%s was read without a label column", source);
    long[] indices = new long[size()];
    for (int i = 0; i < size(); i++) {
      int c = classes.indexOf(labels.get(i));
      checkArgument(
          c >= 0,
          "%s: sequence \"%s\" has label \"%s\", which is not one of the classes %s",
          source,
          ids.get(i),
          labels.get(i),
          classes);
      indices[i] = c;
    }
    return SequenceDataset.classification(sequences, indices);
  }

  private static LabelledSequences parse(
      String text, String source, String idColumn, String labelColumn, List<String> features) {
    Objects.requireNonNull(idColumn, "idColumn");
    try (CSVParser parser = TimeSeries.FORMAT.parse(new StringReader(text))) {
      List<String> header = null;
      int idAt = -1;
      int labelAt = -1;
      int[] featureAt = null;
      List<String> names = features;
      Map<String, Builder> byId = new LinkedHashMap<>();
      for (CSVRecord record : parser) {
        long line = parser.getCurrentLineNumber() - TimeSeries.lineBreaks(record);
        if (header == null) {
          header = record.toList();
          if (names.isEmpty()) {
            names = new ArrayList<>(header);
            names.remove(idColumn);
            names.remove(labelColumn);
            checkArgument(
                !names.isEmpty(),
                "%s has no feature column besides \"%s\"%s",
                source,
                idColumn,
                labelColumn == null ? "" : " and \"" + labelColumn + "\"");
          }
          for (String f : names) {
            checkArgument(
                !f.equals(idColumn) && !f.equals(labelColumn),
                "column \"%s\" cannot be both a feature and the %s column",
                f,
                f.equals(idColumn) ? "id" : "label");
          }
          List<String> wanted = new ArrayList<>(names);
          wanted.add(0, idColumn);
          if (labelColumn != null) {
            wanted.add(1, labelColumn);
          }
          int[] picked = TimeSeries.pick(header, wanted, source, line);
          idAt = picked[0];
          labelAt = labelColumn == null ? -1 : picked[1];
          featureAt = new int[names.size()];
          System.arraycopy(picked, labelColumn == null ? 1 : 2, featureAt, 0, featureAt.length);
          continue;
        }
        checkArgument(
            record.size() == header.size(),
            "%s line %d has %d cells, expected %d (one per header column)",
            source,
            line,
            record.size(),
            header.size());
        String id = record.get(idAt);
        checkArgument(
            !id.isEmpty(),
            "%s line %d, column \"%s\": expected a sequence id, got an empty cell",
            source,
            line,
            idColumn);
        Builder b = byId.computeIfAbsent(id, k -> new Builder());
        if (labelAt >= 0) {
          String label = record.get(labelAt);
          checkArgument(
              !label.isEmpty(),
              "%s line %d, column \"%s\": expected a label, got an empty cell",
              source,
              line,
              labelColumn);
          if (b.label == null) {
            b.label = label;
            b.labelLine = line;
          } else {
            checkArgument(
                b.label.equals(label),
                "%s line %d, column \"%s\": sequence \"%s\" has label \"%s\" here but \"%s\" on"
                    + " line %d",
                source,
                line,
                labelColumn,
                id,
                label,
                b.label,
                b.labelLine);
          }
        }
        float[] step = new float[featureAt.length];
        for (int j = 0; j < featureAt.length; j++) {
          double v = TimeSeries.number(record.get(featureAt[j]), source, line, names.get(j));
          step[j] = (float) v;
          checkArgument(
              Float.isFinite(step[j]),
              "%s line %d, column \"%s\": expected a number within float32's range, got \"%s\"",
              source,
              line,
              names.get(j),
              record.get(featureAt[j]));
        }
        b.steps.add(step);
      }
      checkArgument(
          header != null, "%s is empty: expected a header row and at least one data row", source);
      checkArgument(!byId.isEmpty(), "%s has a header but no data rows", source);
      List<String> ids = new ArrayList<>(byId.keySet());
      List<float[][]> sequences = new ArrayList<>();
      List<String> labels = labelAt >= 0 ? new ArrayList<>() : null;
      for (Builder b : byId.values()) {
        sequences.add(b.steps.toArray(float[][]::new));
        if (labels != null) {
          labels.add(b.label);
        }
      }
      return new LabelledSequences(source, ids, names, sequences, labels);
    } catch (UncheckedIOException | IOException e) {
      Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
      throw new IllegalArgumentException(source + " is not valid CSV: " + cause.getMessage(), e);
    }
  }

  private static final class Builder {
    private final List<float[]> steps = new ArrayList<>();
    private String label;
    private long labelLine;
  }
}
