package dev.rnn4j.spark;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Device;
import dev.rnn4j.train.WindowForecaster;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Scores a partition with an rnn4j checkpoint, {@code batchSize} rows at a time: the function
 * behind {@link RnnPredictor}, for users of {@code Dataset.mapPartitions} and {@code
 * JavaRDD.mapPartitions}.
 *
 * <pre>{@code
 * RnnScorer scorer = RnnScorer.forModel("hdfs:///models/co2.safetensors", spark).batchSize(512);
 * JavaRDD<float[]> forecasts = windows.mapPartitions(
 *     rows -> scorer.score(rows, w -> w, (w, forecast) -> forecast));        // JavaRDD<double[]> windows
 * Dataset<Row> scored = df.mapPartitions(scorer.appendForecast(df.schema(), "window"),
 *     Encoders.row(RnnPredictor.outputSchema(df.schema(), "forecast")));
 * }</pre>
 *
 * <p>A row's input is a window of the series in its own units: for a one-column model {@code
 * window} numbers ({@code double[]}, {@code float[]}, a {@code List} or Scala {@code Seq} of
 * numbers: Spark's {@code array<float>} or {@code array<double>}), for F columns {@code window}
 * steps of F numbers each (nested arrays or lists: {@code array<array<float>>}), in the
 * checkpoint's column order. The result is the forecast of the next {@code horizon} values of the
 * first column, in its units, as {@code rnn4j predict} computes it. Results come in input order;
 * the partition is never held in memory beyond one batch.
 *
 * <p>A bad row (null, the wrong number of steps or values, a NaN or infinite value, a value that
 * the checkpoint's normalization takes beyond float32's range, or a window whose forecast is not
 * finite) fails the task under {@link BadRows#ERROR}, with a message that names the row (by its id,
 * given {@link #idCol} or an {@code id} function, else by its first few values) and the problem;
 * under {@link BadRows#NULL} its result is null, and each task logs one WARN line with the number
 * of such rows and the first few. The model comes from {@link ExecutorRuntime} (once per executor)
 * and runs on the device {@code device} resolves to in each task ({@code auto}: the task's GPU,
 * else the executor's GPU as {@link Rnn4jPlugin} saw it, else {@code spark.rnn4j.device}, else the
 * CPU).
 *
 * <p>An immutable, serializable value: the with-style methods return copies.
 */
public final class RnnScorer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(RnnScorer.class);

  /** What a bad input row gives. */
  public enum BadRows {
    /** The task fails with a message naming the row and the problem (the default). */
    ERROR,
    /** The row's result is null. */
    NULL;

    /** The param value {@code error} or {@code null}. */
    public static BadRows parse(String value) {
      for (BadRows b : values()) {
        if (b.name().toLowerCase(Locale.ROOT).equals(value)) {
          return b;
        }
      }
      throw new IllegalArgumentException("badRows must be one of error, null, got '" + value + "'");
    }
  }

  /** The model's Hadoop path. */
  private final String modelPath;

  /** The driver's Hadoop configuration, to read the model with on executors. */
  private final SerializableConfiguration hadoopConf;

  /** Rows per forward pass. */
  private final int batchSize;

  /** The device executors score on ({@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N}). */
  private final String device;

  /** What a bad row does. */
  private final BadRows badRows;

  /** The name bad-row messages give the caller ({@code RnnPredictor} or a user's function). */
  private final String caller;

  /** The column that identifies a row in bad-row messages ({@link #appendForecast}), or null. */
  private final String idCol;

  private RnnScorer(
      String modelPath,
      SerializableConfiguration hadoopConf,
      int batchSize,
      String device,
      BadRows badRows,
      String caller,
      String idCol) {
    this.modelPath = modelPath;
    this.hadoopConf = hadoopConf;
    this.batchSize = batchSize;
    this.device = device;
    this.badRows = badRows;
    this.caller = caller;
    this.idCol = idCol;
  }

  /**
   * A scorer of the checkpoint at {@code modelPath} (any Hadoop file system, read with {@code
   * spark}'s Hadoop configuration), with batches of 512 rows, device {@code auto} and bad rows as
   * errors.
   *
   * <p>Called on the driver, it reads and verifies the checkpoint there, so that a missing or wrong
   * file fails once rather than in every task attempt. A relative {@code modelPath} is resolved
   * there too, against its file system's working directory on the driver (the driver's working
   * directory for {@code file:}, the user's home for HDFS), and executors read that file.
   *
   * @throws IllegalArgumentException in one line, if the driver cannot read the checkpoint
   */
  public static RnnScorer forModel(String modelPath, SparkSession spark) {
    return forModel(modelPath, spark.sparkContext().hadoopConfiguration());
  }

  /** As {@link #forModel(String, SparkSession)}, with a Hadoop configuration of one's own. */
  public static RnnScorer forModel(String modelPath, Configuration hadoopConf) {
    return forModel(modelPath, hadoopConf, "RnnScorer");
  }

  /** As {@link #forModel(String, Configuration)}, with {@code caller} starting messages. */
  static RnnScorer forModel(String modelPath, Configuration hadoopConf, String caller) {
    Objects.requireNonNull(modelPath, "modelPath");
    return new RnnScorer(
        HadoopFiles.checkReadable(caller, modelPath, hadoopConf),
        new SerializableConfiguration(new Configuration(hadoopConf)),
        512,
        "auto",
        BadRows.ERROR,
        caller,
        null);
  }

  /** Rows per model call, at least 1. */
  public RnnScorer batchSize(int batchSize) {
    checkArgument(batchSize >= 1, "batchSize must be at least 1, got %d", batchSize);
    return new RnnScorer(modelPath, hadoopConf, batchSize, device, badRows, caller, idCol);
  }

  /** {@code auto} (default), {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public RnnScorer device(String device) {
    checkArgument(
        device != null && (device.equals("auto") || validDevice(device)),
        "device must be one of auto, cpu, cuda, cuda:N, got '%s'",
        device);
    return new RnnScorer(modelPath, hadoopConf, batchSize, device, badRows, caller, idCol);
  }

  /** What a bad row gives. */
  public RnnScorer badRows(BadRows badRows) {
    return new RnnScorer(
        modelPath,
        hadoopConf,
        batchSize,
        device,
        Objects.requireNonNull(badRows, "badRows"),
        caller,
        idCol);
  }

  /**
   * The column whose value names a row in bad-row messages and logs of {@link #appendForecast}
   * (e.g. a key), or null (the default) for the row's first few values.
   */
  public RnnScorer idCol(String idCol) {
    return new RnnScorer(modelPath, hadoopConf, batchSize, device, badRows, caller, idCol);
  }

  static boolean validDevice(String device) {
    try {
      Device.parse(device);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Scores one partition lazily, {@code batchSize} rows at a time.
   *
   * @param rows the partition
   * @param input a row's window (see the class comment for the accepted forms)
   * @param output a row and its forecast (null for a bad row under {@link BadRows#NULL}) to the
   *     result
   */
  public <T, R> Iterator<R> score(
      Iterator<T> rows, Function<T, Object> input, BiFunction<T, float[], R> output) {
    return new Scoring<>(rows, input, output, "input", row -> "row " + abbreviate(row, 0));
  }

  /**
   * As {@link #score(Iterator, Function, BiFunction)}, with bad-row messages and logs naming each
   * row by {@code id} (e.g. its key) rather than by its first few values.
   *
   * @param id a row's identifier, as messages print it ({@code row id=...})
   */
  public <T, R> Iterator<R> score(
      Iterator<T> rows,
      Function<T, Object> input,
      Function<T, Object> id,
      BiFunction<T, float[], R> output) {
    Objects.requireNonNull(id, "id");
    return new Scoring<>(
        rows, input, output, "input", row -> "row id=" + abbreviate(id.apply(row), 0));
  }

  /**
   * The {@code Dataset<Row>} form: each row with its forecast appended as a last column ({@code
   * array<float>}, null for a bad row under {@link BadRows#NULL}).
   *
   * @param schema the input's schema
   * @param inputCol the column that holds the windows
   */
  public MapPartitionsFunction<Row, Row> appendForecast(StructType schema, String inputCol) {
    int index = schema.fieldIndex(inputCol);
    // Plain values only: the function travels to executors, and java.util.function's do not
    // serialize.
    String column = idCol;
    int id = idCol == null ? -1 : schema.fieldIndex(idCol);
    String inputName = "column \"" + inputCol + "\"";
    return rows ->
        new Scoring<Row, Row>(
            rows,
            row -> row.get(index),
            RnnScorer::append,
            inputName,
            row ->
                "row " + (id < 0 ? abbreviate(row, 0) : column + "=" + abbreviate(row.get(id), 0)));
  }

  /** At most this many values of a row, or of an array within it, name it in a message. */
  private static final int SHOWN = 3;

  /** At most this many characters of one value (a string, say) name it in a message. */
  private static final int SHOWN_CHARS = 24;

  /**
   * A short form of a row or value for messages: rows and arrays show their first {@value #SHOWN}
   * values (and the count of all), strings their first {@value #SHOWN_CHARS} characters.
   */
  static String abbreviate(Object value, int depth) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Row row) {
      List<Object> fields = new ArrayList<>(row.size());
      for (int i = 0; i < row.size(); i++) {
        fields.add(row.get(i));
      }
      return join(fields, "(", ")", depth);
    }
    if (!(value instanceof String)) {
      List<?> list = Windows.asList(value);
      if (list != null) {
        return depth > 1 ? "[" + list.size() + " values]" : join(list, "[", "]", depth);
      }
    }
    String s = value instanceof String ? "\"" + value + "\"" : value.toString();
    return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "...";
  }

  private static String join(List<?> values, String open, String close, int depth) {
    StringBuilder b = new StringBuilder(open);
    for (int i = 0; i < Math.min(SHOWN, values.size()); i++) {
      b.append(i == 0 ? "" : ", ").append(abbreviate(values.get(i), depth + 1));
    }
    if (values.size() > SHOWN) {
      b.append(", ... (").append(values.size()).append(" values)");
    }
    return b.append(close).toString();
  }

  private static Row append(Row row, float[] forecast) {
    Object[] values = new Object[row.size() + 1];
    for (int i = 0; i < row.size(); i++) {
      values[i] = row.get(i);
    }
    values[row.size()] = forecast;
    return RowFactory.create(values);
  }

  /** The lazy iterator over one partition's results. */
  private final class Scoring<T, R> implements Iterator<R> {
    private final Iterator<T> rows;
    private final Function<T, Object> input;
    private final BiFunction<T, float[], R> output;
    private final String inputName;
    private final Function<T, String> name;
    private final ArrayDeque<R> ready = new ArrayDeque<>();
    private final int partition;
    private ExecutorRuntime.Loaded model;

    /** Under {@link BadRows#NULL}: how many rows got a null result, and the first few of them. */
    private long nulled;

    private final List<String> firstNulled = new ArrayList<>();
    private boolean logged;

    Scoring(
        Iterator<T> rows,
        Function<T, Object> input,
        BiFunction<T, float[], R> output,
        String inputName,
        Function<T, String> name) {
      this.rows = rows;
      this.input = input;
      this.output = output;
      this.inputName = inputName;
      this.name = name;
      TaskContext task = TaskContext.get();
      this.partition = task == null ? 0 : task.partitionId();
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty() && rows.hasNext()) {
        scoreBatch();
      }
      if (ready.isEmpty() && nulled > 0 && !logged) {
        logged = true;
        LOG.warn(
            "{}: partition {}: {} bad rows got a null forecast (badRows=null): {}{}",
            caller,
            partition,
            nulled,
            String.join("; ", firstNulled),
            nulled > firstNulled.size() ? "; ..." : "");
      }
      return !ready.isEmpty();
    }

    @Override
    public R next() {
      if (!hasNext()) {
        throw new NoSuchElementException("the partition has no more rows");
      }
      return ready.poll();
    }

    /** Fails the task for {@code row}, or counts it under {@link BadRows#NULL}. */
    private void badRow(T row, String problem) {
      if (badRows == BadRows.ERROR) {
        throw new IllegalArgumentException(
            String.format(
                "%s: %s: %s (badRows=error; badRows=null gives such rows a null forecast)",
                caller, name.apply(row), problem));
      }
      nulled++;
      if (firstNulled.size() < SHOWN) {
        firstNulled.add(name.apply(row) + ": " + problem);
      }
    }

    private void scoreBatch() {
      // Loaded on the first row, so that an empty partition reads nothing; held for each batch, and
      // loaded again if ExecutorRuntime.clear() retired it between two batches.
      while (model == null || !model.acquire()) {
        model = ExecutorRuntime.model(modelPath, hadoopConf.value(), device);
      }
      try {
        score(model.forecaster());
      } finally {
        model.release();
      }
    }

    private void score(WindowForecaster forecaster) {
      int per = forecaster.window() * forecaster.columns().size();
      List<T> batch = new ArrayList<>(batchSize);
      double[] windows = new double[batchSize * per];
      boolean[] good = new boolean[batchSize];
      int n = 0;
      while (batch.size() < batchSize && rows.hasNext()) {
        T row = rows.next();
        String problem = Windows.read(input.apply(row), forecaster, windows, n * per);
        if (problem != null) {
          badRow(row, inputName + " " + problem);
        }
        good[batch.size()] = problem == null;
        n += problem == null ? 1 : 0;
        batch.add(row);
      }
      double[] forecasts = new double[0];
      if (n > 0) {
        double[] valid = n * per == windows.length ? windows : Arrays.copyOf(windows, n * per);
        int count = n;
        forecasts = DeviceWorkers.run(model.device(), () -> forecaster.forecast(valid, count));
      }
      int horizon = forecaster.horizon();
      int k = 0;
      for (int i = 0; i < batch.size(); i++) {
        float[] forecast = null;
        if (good[i]) {
          forecast = new float[horizon];
          for (int h = 0; h < horizon; h++) {
            forecast[h] = (float) forecasts[k * horizon + h];
          }
          k++;
          // Finite inputs can still overflow inside the model (or in float32 on the way out).
          String problem = nonFinite(forecast);
          if (problem != null) {
            badRow(batch.get(i), inputName + " gives " + problem);
            forecast = null;
          }
        }
        ready.add(output.apply(batch.get(i), forecast));
      }
    }
  }

  /**
   * The value and position of the first non-finite value of {@code forecast}, or null if there is
   * none.
   */
  private static String nonFinite(float[] forecast) {
    for (int h = 0; h < forecast.length; h++) {
      if (!Float.isFinite(forecast[h])) {
        return String.format("a forecast that is not finite: value [%d] is %s", h, forecast[h]);
      }
    }
    return null;
  }

  /** Reading one row's window into the batch, or saying what is wrong with it. */
  static final class Windows {
    private Windows() {}

    /**
     * Copies {@code value}'s window into {@code out} from {@code at}; returns null, or the problem
     * (completing "column \"x\" ...").
     */
    static String read(Object value, WindowForecaster model, double[] out, int at) {
      int window = model.window();
      int f = model.columns().size();
      if (value == null) {
        return "is null";
      }
      List<?> steps = asList(value);
      if (steps == null) {
        return "is a "
            + value.getClass().getSimpleName()
            + ", expected an array of numbers or of arrays";
      }
      if (steps.size() != window) {
        return String.format(
            "has %d steps, expected %d (the model's window)", steps.size(), window);
      }
      for (int t = 0; t < window; t++) {
        Object step = steps.get(t);
        if (step instanceof Number number) {
          if (f != 1) {
            return String.format(
                "holds single numbers, but the model reads %d columns %s: expected "
                    + "array<array<float>>, %d steps of %d values",
                f, model.columns(), window, f);
          }
          String bad = check(number.doubleValue(), "[" + t + "]", model, 0);
          if (bad != null) {
            return bad;
          }
          out[at + t] = number.doubleValue();
          continue;
        }
        if (step == null) {
          return f == 1 ? "value [" + t + "] is null" : "step [" + t + "] is null";
        }
        List<?> values = asList(step);
        if (values == null) {
          return "step ["
              + t
              + "] is a "
              + step.getClass().getSimpleName()
              + ", expected a number or an array";
        }
        if (values.size() != f) {
          return String.format(
              "step [%d] has %d values, expected %d (the model's columns %s)",
              t, values.size(), f, model.columns());
        }
        for (int j = 0; j < f; j++) {
          Object v = values.get(j);
          if (!(v instanceof Number number)) {
            return String.format(
                "value [%d, %d] is %s", t, j, v == null ? "null" : "not a number: " + v);
          }
          String bad = check(number.doubleValue(), "[" + t + ", " + j + "]", model, j);
          if (bad != null) {
            return bad;
          }
          out[at + t * f + j] = number.doubleValue();
        }
      }
      return null;
    }

    private static String check(double v, String where, WindowForecaster model, int column) {
      if (Double.isNaN(v)) {
        return "value " + where + " is NaN";
      }
      if (Double.isInfinite(v)) {
        return "value " + where + " is " + v;
      }
      float x = model.normalized(v, column);
      if (!Float.isFinite(x)) {
        return "value "
            + where
            + " is "
            + v
            + ", which the checkpoint's normalization makes "
            + x
            + " in float32, the model's input";
      }
      return null;
    }

    /**
     * Lists, Scala sequences and Java arrays (primitive or not) as a list; null for anything else.
     */
    static List<?> asList(Object value) {
      if (value instanceof List<?> list) {
        return list;
      }
      if (value instanceof scala.collection.Seq<?> seq) {
        return CollectionConverters.asJava(seq);
      }
      if (value.getClass().isArray()) {
        int n = Array.getLength(value);
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(Array.get(value, i));
        }
        return list;
      }
      return null;
    }
  }
}
