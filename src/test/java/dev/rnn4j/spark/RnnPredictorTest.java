package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.TimeSeries;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoring DataFrames on local[2,2]: parity with single-process forecasts, bad rows, pipelines, the
 * cache.
 */
@Tag("integration")
@Tag("spark")
class RnnPredictorTest {
  @TempDir static Path tmp;

  private static SparkSession spark;
  private static Checkpoint one;
  private static Path onePath;
  private static Checkpoint two;
  private static Path twoPath;

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.get();
    onePath = tmp.resolve("one.safetensors");
    one = Models.train(1, 11, onePath);
    twoPath = tmp.resolve("two.safetensors");
    two = Models.train(2, 12, twoPath);
  }

  /** Every window of the series, as rows (id, window) with the window as {@code type}. */
  private static Dataset<Row> windows(
      TimeSeries series, int window, DataType element, boolean nested, int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s + window <= series.length(); s++) {
      Object[] steps = new Object[window];
      for (int w = 0; w < window; w++) {
        if (nested) {
          Object[] values = new Object[series.numColumns()];
          for (int j = 0; j < values.length; j++) {
            values[j] = number(series.get(s + w, j), element);
          }
          steps[w] = values;
        } else {
          steps[w] = number(series.get(s + w, 0), element);
        }
      }
      rows.add(RowFactory.create(s, steps));
    }
    DataType type =
        nested
            ? DataTypes.createArrayType(DataTypes.createArrayType(element))
            : DataTypes.createArrayType(element);
    StructType schema = new StructType().add("id", DataTypes.IntegerType).add("window", type);
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  private static Object number(double v, DataType element) {
    return element.equals(DataTypes.FloatType) ? (Object) (float) v : (Object) v;
  }

  private static void assertScoresEqualSingleProcess(
      Checkpoint ckpt, Dataset<Row> scored, int samples) {
    double[] expected =
        Models.forecastsOfEveryWindow(
            ckpt, Models.series(ckpt.config().data().columns().size(), 120));
    int horizon = ckpt.config().data().horizon();
    List<Row> rows = scored.orderBy("id").collectAsList();
    assertEquals(samples, rows.size());
    for (Row row : rows) {
      int id = row.getInt(0);
      List<Float> got = row.getList(row.fieldIndex("forecast"));
      float[] want = new float[horizon];
      float[] have = new float[horizon];
      for (int h = 0; h < horizon; h++) {
        want[h] = (float) expected[id * horizon + h];
        have[h] = got.get(h);
      }
      assertArrayEquals(want, have, "window " + id);
    }
  }

  @Test
  void scoringOneColumnEqualsSingleProcessForecasts() {
    for (DataType element : List.of(DataTypes.DoubleType, DataTypes.FloatType)) {
      Dataset<Row> df = windows(Models.series(1, 120), 12, element, false, 3);
      RnnPredictor predictor = new RnnPredictor().setModelPath(onePath.toString()).setBatchSize(7);
      // float windows are rounded to float32 on the way in: the single-process run reads doubles.
      if (element.equals(DataTypes.DoubleType)) {
        assertScoresEqualSingleProcess(one, predictor.transform(df), 109);
      } else {
        assertEquals(109, predictor.transform(df).filter("forecast is not null").count());
      }
    }
  }

  @Test
  void scoringSeveralColumnsEqualsSingleProcessForecasts() {
    Dataset<Row> df = windows(Models.series(2, 120), 12, DataTypes.DoubleType, true, 2);
    RnnPredictor predictor = new RnnPredictor().setModelPath(twoPath.toString()).setBatchSize(16);
    assertScoresEqualSingleProcess(two, predictor.transform(df), 109);
  }

  @Test
  void theOutputSchemaAppendsANullableFloatArray() {
    Dataset<Row> df = windows(Models.series(1, 40), 12, DataTypes.DoubleType, false, 1);
    StructType out =
        new RnnPredictor().setModelPath(onePath.toString()).transformSchema(df.schema());
    assertEquals("struct<id:int,window:array<double>,forecast:array<float>>", out.simpleString());
    assertTrue(out.apply("forecast").nullable());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new RnnPredictor()
                    .setModelPath(onePath.toString())
                    .setInputCol("id")
                    .transformSchema(df.schema()));
    assertEquals(
        "inputCol \"id\" must be array<float>, array<double>, array<array<float>> or "
            + "array<array<double>>, got int",
        e.getMessage());
  }

  /** Rows 0..4: good, null, 11 steps, a NaN, good. */
  private static Dataset<Row> withBadRows() {
    List<Row> rows = new ArrayList<>();
    double[] good = new double[12];
    for (int w = 0; w < 12; w++) {
      good[w] = 50 + w;
    }
    double[] nan = good.clone();
    nan[5] = Double.NaN;
    rows.add(RowFactory.create(0, boxed(good)));
    rows.add(RowFactory.create(1, null));
    rows.add(RowFactory.create(2, boxed(java.util.Arrays.copyOf(good, 11))));
    rows.add(RowFactory.create(3, boxed(nan)));
    rows.add(RowFactory.create(4, boxed(good)));
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("window", DataTypes.createArrayType(DataTypes.DoubleType));
    return spark.createDataFrame(rows, schema).coalesce(1);
  }

  private static Double[] boxed(double[] values) {
    Double[] out = new Double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  @Test
  void badRowsFailTheTaskNamingTheRowAndTheProblem() {
    RnnPredictor predictor = new RnnPredictor().setModelPath(onePath.toString());
    SparkException e =
        assertThrows(SparkException.class, () -> predictor.transform(withBadRows()).collect());
    String message = rootCause(e).getMessage();
    assertEquals(
        "RnnPredictor: row (1, null): column \"window\" is null (badRows=error; badRows=null "
            + "gives such rows a null forecast)",
        message);
    SparkException nan =
        assertThrows(
            SparkException.class,
            () -> predictor.transform(withBadRows().filter("id >= 3")).collect());
    assertEquals(
        "RnnPredictor: row (3, [50.0, 51.0, 52.0, ... (12 values)]): column \"window\" value [5] "
            + "is NaN (badRows=error; "
            + "badRows=null gives such rows a null forecast)",
        rootCause(nan).getMessage());
    SparkException length =
        assertThrows(
            SparkException.class,
            () -> predictor.transform(withBadRows().filter("id = 2")).collect());
    assertEquals(
        "RnnPredictor: row (2, [50.0, 51.0, 52.0, ... (11 values)]): column \"window\" has 11 steps, "
            + "expected 12 (the model's "
            + "window) (badRows=error; badRows=null gives such rows a null forecast)",
        rootCause(length).getMessage());
  }

  @Test
  void badRowsGetANullForecastWhenAsked() {
    List<Row> rows =
        new RnnPredictor()
            .setModelPath(onePath.toString())
            .setBadRows("null")
            .setBatchSize(2)
            .transform(withBadRows())
            .orderBy("id")
            .collectAsList();
    assertEquals(5, rows.size());
    assertEquals(3, rows.get(0).getList(2).size());
    assertNull(rows.get(1).get(2));
    assertNull(rows.get(2).get(2));
    assertNull(rows.get(3).get(2));
    assertEquals(rows.get(0).getList(2), rows.get(4).getList(2));
  }

  /**
   * Two-column windows as {@code array<array<element>>}, rows 0..6: good, a step of one value, a
   * null step, a null inside a step, a NaN, 1e300, good.
   */
  private static Dataset<Row> withBadSteps(DataType element) {
    Object[][] good = new Object[12][];
    for (int w = 0; w < 12; w++) {
      good[w] = new Object[] {number(50 + w, element), number(51 + w, element)};
    }
    Object[][][] windows = new Object[7][][];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = good.clone();
    }
    windows[1][3] = new Object[] {number(1, element)};
    windows[2][4] = null;
    windows[3][5] = new Object[] {number(1, element), null};
    windows[4][6] = new Object[] {number(Double.NaN, element), number(1, element)};
    windows[5][7] = new Object[] {number(1, element), number(1e300, element)};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < windows.length; i++) {
      rows.add(RowFactory.create(i, windows[i]));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("window", DataTypes.createArrayType(DataTypes.createArrayType(element)));
    return spark.createDataFrame(rows, schema).coalesce(1);
  }

  @Test
  void badStepsOfSeveralColumnsAreNamed() {
    RnnPredictor predictor = new RnnPredictor().setModelPath(twoPath.toString()).setIdCol("id");
    for (DataType element : List.of(DataTypes.FloatType, DataTypes.DoubleType)) {
      Dataset<Row> df = withBadSteps(element);
      String huge =
          element.equals(DataTypes.FloatType)
              ? "Infinity" // 1e300 as a float
              : "1.0E300, which the checkpoint's normalization makes Infinity in float32, the model's input";
      String[] problems = {
        "step [3] has 1 values, expected 2 (the model's columns [c0, c1])",
        "step [4] is null",
        "value [5, 1] is null",
        "value [6, 0] is NaN",
        "value [7, 1] is " + huge,
      };
      for (int id = 1; id <= 5; id++) {
        Dataset<Row> one = df.filter("id = " + id);
        SparkException e =
            assertThrows(SparkException.class, () -> predictor.transform(one).collect());
        assertEquals(
            "RnnPredictor: row id="
                + id
                + ": column \"window\" "
                + problems[id - 1]
                + " (badRows=error; badRows=null gives such rows a null forecast)",
            rootCause(e).getMessage(),
            element + " row " + id);
      }
      List<Row> scored =
          new RnnPredictor()
              .setModelPath(twoPath.toString())
              .setBadRows("null")
              .setBatchSize(3)
              .transform(df)
              .orderBy("id")
              .collectAsList();
      for (int id = 0; id < 7; id++) {
        boolean bad = id >= 1 && id <= 5;
        assertEquals(bad, scored.get(id).isNullAt(2), element + " row " + id);
      }
    }
  }

  @Test
  void aFiniteWindowWhoseForecastIsNotFiniteIsABadRow() {
    double[] huge = new double[12];
    java.util.Arrays.fill(huge, 50);
    huge[11] = 1e39; // finite in float32 once normalized, but an anchored forecast near it is not
    List<Row> rows = List.of(RowFactory.create(0, boxed(huge)));
    StructType schema =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("window", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1);
    SparkException e =
        assertThrows(
            SparkException.class,
            () -> new RnnPredictor().setModelPath(onePath.toString()).transform(df).collect());
    String message = rootCause(e).getMessage();
    assertTrue(
        message.startsWith(
            "RnnPredictor: row (0, [50.0, 50.0, 50.0, ... (12 values)]): column \"window\" "
                + "gives a forecast that "
                + "is not finite: value [0] is "),
        message);
    assertTrue(
        new RnnPredictor()
            .setModelPath(onePath.toString())
            .setBadRows("null")
            .transform(df)
            .collectAsList()
            .get(0)
            .isNullAt(2));
  }

  @Test
  void aPredictorSurvivesJavaSerializationWithItsParams() throws Exception {
    RnnPredictor predictor =
        new RnnPredictor()
            .setModelPath(onePath.toString())
            .setInputCol("w")
            .setOutputCol("f")
            .setBatchSize(7)
            .setDevice("cpu")
            .setBadRows("null");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(predictor);
    }
    RnnPredictor back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (RnnPredictor) in.readObject();
    }
    assertEquals(predictor.uid(), back.uid());
    assertEquals(onePath.toString(), back.getModelPath());
    assertEquals("w", back.getInputCol());
    assertEquals("f", back.getOutputCol());
    assertEquals(7, back.getBatchSize());
    assertEquals("cpu", back.getDevice());
    assertEquals("null", back.getBadRows());
    assertEquals(true, back.device().isValid().apply("cuda:1"), "the validator still works");
    assertEquals(false, back.device().isValid().apply("gpu0"));
  }

  @Test
  void settersTakeExactlyTheDocumentedValues() {
    RnnPredictor p = new RnnPredictor();
    for (String bad : new String[] {"ERROR", "Null", "skip", null}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> p.setBadRows(bad));
      assertEquals("badRows must be one of error, null, got '" + bad + "'", e.getMessage());
    }
    IllegalArgumentException d =
        assertThrows(IllegalArgumentException.class, () -> p.setDevice(null));
    assertEquals("device must be one of auto, cpu, cuda, cuda:N, got 'null'", d.getMessage());
    assertThrows(IllegalArgumentException.class, () -> p.set(p.badRows(), "ERROR"));
    assertEquals("error", p.getBadRows());
  }

  @Test
  void aSavedPipelineScoresTheSame() throws IOException {
    Dataset<Row> df = windows(Models.series(1, 60), 12, DataTypes.DoubleType, false, 2);
    RnnPredictor predictor =
        new RnnPredictor()
            .setModelPath(onePath.toString())
            .setOutputCol("f")
            .setBatchSize(5)
            .setBadRows("null");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {predictor}).fit(df);
    String dir = tmp.resolve("pipeline").toString();
    model.write().overwrite().save(dir);
    PipelineModel loaded = PipelineModel.load(dir);
    RnnPredictor back = (RnnPredictor) loaded.stages()[0];
    assertEquals(predictor.uid(), back.uid());
    assertEquals(5, back.getBatchSize());
    assertEquals("null", back.getBadRows());
    assertEquals(onePath.toString(), back.getModelPath());
    assertEquals(
        model.transform(df).orderBy("id").collectAsList(),
        loaded.transform(df).orderBy("id").collectAsList());
    predictor.write().overwrite().save(tmp.resolve("stage").toString());
    assertEquals("f", RnnPredictor.load(tmp.resolve("stage").toString()).getOutputCol());
  }

  @Test
  void concurrentTasksOnOneExecutorLoadTheModelOnce() throws IOException {
    // A checkpoint no other test has used: its content hash is new to this JVM's cache.
    Path fresh = tmp.resolve("fresh.safetensors");
    Models.train(1, 99, fresh);
    long before = ExecutorRuntime.loadCount();
    Dataset<Row> df = windows(Models.series(1, 120), 12, DataTypes.DoubleType, false, 8);
    long scored =
        new RnnPredictor()
            .setModelPath(fresh.toString())
            .setBatchSize(4)
            .transform(df)
            .filter("forecast is not null")
            .count();
    assertEquals(109, scored);
    assertEquals(1, ExecutorRuntime.loadCount() - before, "8 tasks on 2 threads, one load");
  }

  @Test
  void rddUsersGetTheSameBatching() {
    List<double[]> windows = new ArrayList<>();
    TimeSeries series = Models.series(1, 120);
    for (int s = 0; s + 12 <= series.length(); s++) {
      double[] w = new double[12];
      for (int i = 0; i < 12; i++) {
        w[i] = series.get(s + i, 0);
      }
      windows.add(w);
    }
    RnnScorer scorer = RnnScorer.forModel(onePath.toString(), spark).batchSize(10).device("cpu");
    List<float[]> forecasts =
        new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
            .parallelize(windows, 3)
            .mapPartitions(rows -> scorer.score(rows, w -> w, (w, forecast) -> forecast))
            .collect();
    double[] expected = Models.forecastsOfEveryWindow(one, series);
    for (int i = 0; i < forecasts.size(); i++) {
      for (int h = 0; h < 3; h++) {
        assertEquals((float) expected[i * 3 + h], forecasts.get(i)[h], "window " + i);
      }
    }
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
