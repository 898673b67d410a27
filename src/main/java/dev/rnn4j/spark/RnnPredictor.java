package dev.rnn4j.spark;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.runtime.AbstractFunction1;

/**
 * A Spark ML {@code Transformer} that forecasts with an rnn4j checkpoint: each row's window in
 * {@code inputCol} becomes the forecast of the next {@code horizon} values in {@code outputCol}, as
 * {@code rnn4j predict} computes it (the checkpoint's normalization and anchoring apply).
 *
 * <pre>{@code
 * RnnPredictor predictor = new RnnPredictor()
 *     .setModelPath("hdfs:///models/co2.safetensors")   // a checkpoint that rnn4j train or SparkTrainer wrote
 *     .setInputCol("window").setOutputCol("forecast").setBatchSize(512);
 * Dataset<Row> scored = predictor.transform(windows);
 * }</pre>
 *
 * <p>Params:
 *
 * <ul>
 *   <li>{@code modelPath}: the checkpoint, on any Hadoop file system (required). {@link #transform}
 *       and {@link #transformSchema} read and verify it on the driver first, and fail in one line
 *       if they cannot, before any Spark job; a relative path is resolved there, against its file
 *       system's working directory on the driver (the driver's working directory for {@code file:},
 *       the user's home for HDFS), and executors read that file;
 *   <li>{@code inputCol}: {@code array<float>} or {@code array<double>} of {@code window} values
 *       for a one-column model, {@code array<array<float>>} (or of doubles) of {@code window} steps
 *       of F values for F columns, in the checkpoint's column order (default {@code window});
 *   <li>{@code outputCol}: {@code array<float>} of {@code horizon} values, nullable (default {@code
 *       forecast});
 *   <li>{@code batchSize}: rows per model call within a partition (default 512);
 *   <li>{@code device}: {@code auto} (the task's GPU, else the executor's GPU as {@link
 *       Rnn4jPlugin} saw it, else {@code spark.rnn4j.device}, else the CPU), {@code cpu}, {@code
 *       cuda} or {@code cuda:N} (default {@code auto});
 *   <li>{@code badRows}: exactly {@code error} (the task fails, naming the row and the problem) or
 *       {@code null} (the row's forecast is null, and each task logs one WARN line with the number
 *       of such rows and the first few), for a null window, a wrong number of steps or values, a
 *       NaN or infinite value, a value that normalization takes beyond float32's range, or a
 *       forecast that is not finite (default {@code error});
 *   <li>{@code idCol}: a column that identifies rows (a key, a timestamp), named with its value in
 *       bad-row messages and logs, e.g. {@code row id=17}; unset (the default), a row is named by
 *       its first few values, e.g. {@code row (17, [315.7, 317.45, 317.5, ... (24 values)])}.
 * </ul>
 *
 * <p>It saves and loads with ML pipelines ({@link DefaultParamsWritable}, {@link #read()}); the
 * checkpoint itself is not copied, only its path. The model is loaded once per executor ({@link
 * ExecutorRuntime}).
 */
public final class RnnPredictor extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** This stage's identifier in a pipeline. */
  private final String uid;

  /** {@code modelPath}: the training checkpoint to score with, as a Hadoop path. */
  private final Param<String> modelPath;

  /** {@code inputCol}: the column of input sequences. */
  private final Param<String> inputCol;

  /** {@code outputCol}: the column the forecasts are written to. */
  private final Param<String> outputCol;

  /** {@code batchSize}: the rows scored together in one forward pass. */
  private final IntParam batchSize;

  /** {@code device}: where executors run the model. */
  private final Param<String> device;

  /** {@code badRows}: what a bad row does. */
  private final Param<String> badRows;

  /** {@code idCol}: the column that names a row in bad-row messages. */
  private final Param<String> idCol;

  /** A predictor with a random uid. */
  public RnnPredictor() {
    this(Identifiable.randomUID("rnnPredictor"));
  }

  /** A predictor with the given uid (the form ML pipelines load). */
  public RnnPredictor(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "the rnn4j checkpoint, on any Hadoop file system");
    inputCol =
        new Param<>(
            this, "inputCol", "the windows: array<float>, array<double> or array<array<float>>");
    outputCol = new Param<>(this, "outputCol", "the forecasts, array<float>");
    batchSize =
        new IntParam(
            this,
            "batchSize",
            "rows per model call within a partition (>= 1)",
            ParamValidators.gtEq(1));
    device = new Param<>(this, "device", "auto, cpu, cuda or cuda:N", new DeviceValidator());
    badRows =
        new Param<>(
            this,
            "badRows",
            "error or null: what a null, wrongly sized or NaN window gives",
            ParamValidators.inArray(new String[] {"error", "null"}));
    idCol =
        new Param<>(this, "idCol", "the column that names a row in bad-row messages (optional)");
    setDefault(inputCol, "window");
    setDefault(outputCol, "forecast");
    setDefault(batchSize, 512);
    setDefault(device, "auto");
    setDefault(badRows, "error");
  }

  /**
   * The {@code device} param's check. Spark serializes a Transformer with its params (Java
   * serialization, e.g. inside a closure), so the validator must be serializable, which a Java
   * lambda over {@code scala.Function1} is not.
   */
  private static final class DeviceValidator extends AbstractFunction1<String, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String d) {
      return validDevice(d);
    }
  }

  private static boolean validDevice(String d) {
    return d != null && (d.equals("auto") || RnnScorer.validDevice(d));
  }

  /** Reads a predictor saved with {@code write().save(path)}. */
  public static MLReader<RnnPredictor> read() {
    return new DefaultParamsReader<>();
  }

  /** {@code read().load(path)}. */
  public static RnnPredictor load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The param {@code modelPath}: the training checkpoint to score with, as a Hadoop path. */
  public Param<String> modelPath() {
    return modelPath;
  }

  /** The param {@code inputCol}: the column of input sequences. */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The param {@code outputCol}: the column the forecasts are written to. */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** The param {@code batchSize}: the rows scored together in one forward pass. */
  public IntParam batchSize() {
    return batchSize;
  }

  /** The param {@code device}: where executors run the model. */
  public Param<String> device() {
    return device;
  }

  /** The param {@code badRows}: what a bad row does. */
  public Param<String> badRows() {
    return badRows;
  }

  /** The param {@code idCol}: the column that names a row in bad-row messages. */
  public Param<String> idCol() {
    return idCol;
  }

  /** Sets {@code idCol}: the column that names a row in bad-row messages. */
  public RnnPredictor setIdCol(String value) {
    set(idCol, value);
    return this;
  }

  /** The value of {@code idCol}, or null when it is not set. */
  public String getIdCol() {
    return isDefined(idCol) ? $(idCol) : null;
  }

  /** Sets {@code modelPath}: the training checkpoint to score with, as a Hadoop path. */
  public RnnPredictor setModelPath(String value) {
    set(modelPath, value);
    return this;
  }

  /** Sets {@code inputCol}: the column of input sequences. */
  public RnnPredictor setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  /** Sets {@code outputCol}: the column the forecasts are written to. */
  public RnnPredictor setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  /** Sets {@code batchSize}: the rows scored together in one forward pass. */
  public RnnPredictor setBatchSize(int value) {
    set(batchSize, value);
    return this;
  }

  /** Sets {@code device}: {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public RnnPredictor setDevice(String value) {
    checkArgument(
        validDevice(value), "device must be one of auto, cpu, cuda, cuda:N, got '%s'", value);
    set(device, value);
    return this;
  }

  /**
   * Sets {@code badRows}: exactly {@code error} or {@code null}, as the param is saved and as
   * {@code set(badRows(), ...)} takes it.
   */
  public RnnPredictor setBadRows(String value) {
    checkArgument(
        "error".equals(value) || "null".equals(value),
        "badRows must be one of error, null, got '%s'",
        value);
    set(badRows, value);
    return this;
  }

  /** The value of {@code modelPath}: the training checkpoint to score with, as a Hadoop path. */
  public String getModelPath() {
    return $(modelPath);
  }

  /** The value of {@code inputCol}: the column of input sequences. */
  public String getInputCol() {
    return $(inputCol);
  }

  /** The value of {@code outputCol}: the column the forecasts are written to. */
  public String getOutputCol() {
    return $(outputCol);
  }

  /** The value of {@code batchSize}: the rows scored together in one forward pass. */
  public int getBatchSize() {
    return (Integer) $(batchSize);
  }

  /** The value of {@code device}: where executors run the model. */
  public String getDevice() {
    return $(device);
  }

  /** The value of {@code badRows}: what a bad row does. */
  public String getBadRows() {
    return $(badRows);
  }

  /**
   * The output schema, after checking the columns and, on the driver, that {@code modelPath} is a
   * readable checkpoint.
   *
   * @throws IllegalArgumentException in one line, for a missing column or an unreadable checkpoint
   */
  @Override
  public StructType transformSchema(StructType schema) {
    StructType out = checkSchema(schema);
    HadoopFiles.checkReadable(
        "RnnPredictor", getModelPath(), SparkSession.active().sparkContext().hadoopConfiguration());
    return out;
  }

  private StructType checkSchema(StructType schema) {
    if (!isDefined(modelPath)) {
      throw new IllegalArgumentException(
          "RnnPredictor needs modelPath: setModelPath(a checkpoint's path)");
    }
    String id = getIdCol();
    if (id != null && !Arrays.asList(schema.fieldNames()).contains(id)) {
      throw new IllegalArgumentException(
          String.format(
              "idCol \"%s\" is not a column; the columns are %s",
              id, String.join(", ", schema.fieldNames())));
    }
    String in = getInputCol();
    if (!Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException(
          String.format(
              "inputCol \"%s\" is not a column; the columns are %s",
              in, String.join(", ", schema.fieldNames())));
    }
    DataType type = schema.apply(in).dataType();
    if (!acceptsInput(type)) {
      throw new IllegalArgumentException(
          String.format(
              "inputCol \"%s\" must be array<float>, array<double>, "
                  + "array<array<float>> or array<array<double>>, got %s",
              in, type.simpleString()));
    }
    return outputSchema(schema, getOutputCol());
  }

  /** {@code schema} with a nullable {@code array<float>} column {@code outputCol} appended. */
  public static StructType outputSchema(StructType schema, String outputCol) {
    if (Arrays.asList(schema.fieldNames()).contains(outputCol)) {
      throw new IllegalArgumentException(
          String.format(
              "outputCol \"%s\" already exists; the columns are %s",
              outputCol, String.join(", ", schema.fieldNames())));
    }
    return schema.add(
        new StructField(
            outputCol,
            DataTypes.createArrayType(DataTypes.FloatType, false),
            true,
            Metadata.empty()));
  }

  private static boolean acceptsInput(DataType type) {
    if (!(type instanceof ArrayType array)) {
      return false;
    }
    DataType element = array.elementType();
    if (element instanceof ArrayType inner) {
      element = inner.elementType();
    }
    return element.equals(DataTypes.FloatType) || element.equals(DataTypes.DoubleType);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = checkSchema(dataset.schema());
    Dataset<Row> df = dataset.toDF();
    // forModel checks the checkpoint on the driver, before mapPartitions plans any job.
    RnnScorer scorer =
        RnnScorer.forModel(
                getModelPath(),
                df.sparkSession().sparkContext().hadoopConfiguration(),
                "RnnPredictor")
            .batchSize(getBatchSize())
            .device(getDevice())
            .badRows(RnnScorer.BadRows.parse(getBadRows()))
            .idCol(getIdCol());
    return df.mapPartitions(scorer.appendForecast(df.schema(), getInputCol()), Encoders.row(out));
  }

  @Override
  public RnnPredictor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  @Override
  public String toString() {
    return "RnnPredictor(uid="
        + uid
        + ", modelPath="
        + (isDefined(modelPath) ? getModelPath() : "unset")
        + ", inputCol="
        + getInputCol()
        + ", outputCol="
        + getOutputCol()
        + ")";
  }
}
