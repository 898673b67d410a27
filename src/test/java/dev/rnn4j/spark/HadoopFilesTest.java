package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Checkpoints through Hadoop's file systems ({@code file:} URIs on the local one), the driver's
 * check of {@code modelPath} before any job, and rows named by {@code idCol} or their values.
 */
@Tag("integration")
@Tag("spark")
class HadoopFilesTest {
  private static final String ADVICE =
      "; give a path every executor can read (hdfs://, s3a://, or a shared file: URI)";

  @TempDir static Path tmp;

  private static SparkSession spark;
  private static Path onePath;
  private static final AtomicInteger JOBS = new AtomicInteger();
  private static final SparkListener COUNTER =
      new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
          JOBS.incrementAndGet();
        }
      };

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.get();
    onePath = tmp.resolve("one.safetensors");
    Models.train(1, 11, onePath);
    spark.sparkContext().addSparkListener(COUNTER);
  }

  @AfterAll
  static void tearDown() {
    spark.sparkContext().removeSparkListener(COUNTER);
  }

  /** Rows (key, window): "a" good, "b" null, "c" with 11 steps. */
  private static Dataset<Row> keyed() {
    Double[] good = new Double[12];
    for (int w = 0; w < 12; w++) {
      good[w] = 50.0 + w;
    }
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("a", good));
    rows.add(RowFactory.create("b", null));
    rows.add(RowFactory.create("c", java.util.Arrays.copyOf(good, 11)));
    StructType schema =
        new StructType()
            .add("key", DataTypes.StringType)
            .add("window", DataTypes.createArrayType(DataTypes.DoubleType));
    return spark.createDataFrame(rows, schema).coalesce(1);
  }

  private static int jobsSoFar() {
    try {
      // Listener events arrive asynchronously: count only after every event posted so far.
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } catch (TimeoutException e) {
      throw new AssertionError("Spark's listener bus did not drain", e);
    }
    return JOBS.get();
  }

  /** transform() and transformSchema() fail in the same one line, and no job runs. */
  private static void assertRefusedOnTheDriver(String modelPath, String reason) {
    Dataset<Row> df = keyed();
    int before = jobsSoFar();
    RnnPredictor predictor = new RnnPredictor().setModelPath(modelPath);
    String expected =
        "RnnPredictor: modelPath "
            + modelPath
            + " cannot be read on the driver: "
            + reason
            + ADVICE;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> predictor.transform(df));
    assertEquals(expected, e.getMessage());
    IllegalArgumentException schema =
        assertThrows(IllegalArgumentException.class, () -> predictor.transformSchema(df.schema()));
    assertEquals(expected, schema.getMessage());
    assertEquals(before, jobsSoFar(), "Spark jobs started by a refused transform()");
  }

  @Test
  void aMissingModelPathFailsAtTransformInOneLineWithoutAJob() {
    String missing = tmp.resolve("missing.safetensors").toString();
    assertRefusedOnTheDriver(missing, "File file:" + missing + " does not exist");
  }

  @Test
  void aRelativeModelPathIsResolvedAgainstTheDriversWorkingDirectory() {
    Path cwd = Path.of("").toAbsolutePath();
    assertRefusedOnTheDriver(
        "no-such-dir/co2.safetensors",
        "File file:" + cwd.resolve("no-such-dir/co2.safetensors") + " does not exist");
  }

  @Test
  void aDirectoryFailsAtTransformInOneLineWithoutAJob() {
    assertRefusedOnTheDriver(
        "file:" + tmp, "file:" + tmp + " is a directory, not a checkpoint file");
  }

  @Test
  void aFileThatIsNoCheckpointFailsAtTransformInOneLineWithoutAJob() throws IOException {
    Path text = tmp.resolve("notes.safetensors");
    Files.writeString(text, "not a checkpoint", StandardCharsets.UTF_8);
    Dataset<Row> df = keyed();
    int before = jobsSoFar();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RnnPredictor().setModelPath(text.toString()).transform(df));
    String start =
        "RnnPredictor: modelPath "
            + text
            + " cannot be read on the driver: not a readable checkpoint: ";
    assertEquals(start, e.getMessage().substring(0, start.length()), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertEquals(before, jobsSoFar());
  }

  @Test
  void checkpointsAreWrittenAndReadThroughFileUris() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("runs"));
    String uri = "file:" + dir.resolve("co2.safetensors");
    TrainingConfig config = Models.config(1, 5);
    TimeSeries series = Models.series(1, 120);
    SparkTrainer trainer =
        SparkTrainer.on(spark).partitions(2).device("cpu").listener(Trainer.Listener.SILENT);
    trainer.train(config, series, null, uri);
    Checkpoint first = SparkTrainer.readCheckpoint(uri, spark);
    assertEquals(1, first.epoch());
    // A resumed run replaces the file in place (rename over it) and leaves no temporary file.
    trainer.train(config.withEpochs(2), series, first, uri);
    Checkpoint second = SparkTrainer.readCheckpoint(uri, spark);
    assertEquals(2, second.epoch());
    assertEquals(List.of("co2.safetensors"), files(dir));
    assertArrayEquals(
        Files.readAllBytes(dir.resolve("co2.safetensors")),
        HadoopFiles.read(uri, spark.sparkContext().hadoopConfiguration()));
    List<Row> scored =
        new RnnPredictor().setModelPath(uri).setBadRows("null").transform(keyed()).collectAsList();
    assertEquals(3, scored.get(0).getList(2).size());
    assertNull(scored.get(1).get(2));
  }

  @Test
  void anAtomicWriteReplacesTheFileAndLeavesNoTemporaryNorChecksum() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("atomic"));
    String uri = "file:" + dir.resolve("m.safetensors");
    var conf = spark.sparkContext().hadoopConfiguration();
    // An older file written through Hadoop's local file system, with its .m.safetensors.crc.
    var hadoopPath = new org.apache.hadoop.fs.Path(uri);
    try (var out = hadoopPath.getFileSystem(conf).create(hadoopPath)) {
      out.write(new byte[] {9, 9, 9, 9});
    }
    assertEquals(List.of(".m.safetensors.crc", "m.safetensors"), files(dir));
    HadoopFiles.writeAtomically(new byte[] {1, 2, 3}, uri, conf);
    HadoopFiles.writeAtomically(new byte[] {4, 5}, uri, conf);
    assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(dir.resolve("m.safetensors")));
    assertEquals(List.of("m.safetensors"), files(dir));
    // rnn4j train --resume rewrites a checkpoint without Hadoop: Hadoop still reads it.
    Files.write(dir.resolve("m.safetensors"), new byte[] {6, 7, 8});
    assertArrayEquals(new byte[] {6, 7, 8}, HadoopFiles.read(uri, conf));
  }

  @Test
  void aCheckpointWithAStaleHadoopChecksumBesideItIsReadAndScored() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("stale"));
    Path file = dir.resolve("m.safetensors");
    String uri = "file:" + file;
    var conf = spark.sparkContext().hadoopConfiguration();
    Models.train(1, 5, file);
    byte[] good = Files.readAllBytes(file);
    // Copied in through Hadoop's checksummed local file system (as `hadoop fs -put` would), with
    // its .crc; then rewritten without Hadoop, as `rnn4j train --resume` does.
    var hadoopPath = new org.apache.hadoop.fs.Path(uri);
    try (var out = hadoopPath.getFileSystem(conf).create(hadoopPath, true)) {
      out.write(new byte[] {1, 2, 3});
    }
    Files.write(file, good);
    assertEquals(List.of(".m.safetensors.crc", "m.safetensors"), files(dir));
    assertArrayEquals(good, HadoopFiles.read(uri, conf));
    List<Row> scored =
        new RnnPredictor().setModelPath(uri).setBadRows("null").transform(keyed()).collectAsList();
    assertEquals(3, scored.get(0).getList(2).size());
  }

  @Test
  void aCheckpointThatCannotBeWrittenIsRefusedOnTheDriverBeforeAnyJob() throws IOException {
    Path notAFolder = Files.write(tmp.resolve("plain-file"), new byte[] {1});
    String uri = "file:" + notAFolder.resolve("co2.safetensors");
    long before = jobsSoFar();
    for (boolean barrier : new boolean[] {false, true}) {
      SparkTrainer trainer =
          SparkTrainer.on(spark)
              .partitions(2)
              .device("cpu")
              .barrier(barrier)
              .listener(Trainer.Listener.SILENT);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> trainer.train(Models.config(1, 5), Models.series(1, 120), null, uri));
      String start = "SparkTrainer: checkpoint " + uri + " cannot be written on the driver: ";
      assertEquals(start, e.getMessage().substring(0, start.length()), e.getMessage());
      assertTrue(
          e.getMessage().endsWith("; give a URI that the driver and the tasks can write"),
          e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
    assertEquals(before, jobsSoFar());
  }

  @Test
  void idColNamesTheBadRow() {
    RnnPredictor predictor = new RnnPredictor().setModelPath(onePath.toString()).setIdCol("key");
    SparkException e =
        assertThrows(
            SparkException.class, () -> predictor.transform(keyed().filter("key = 'c'")).collect());
    assertEquals(
        "RnnPredictor: row key=\"c\": column \"window\" has 11 steps, expected 12 (the model's"
            + " window) (badRows=error; badRows=null gives such rows a null forecast)",
        rootCause(e).getMessage());
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> predictor.setIdCol("nope").transformSchema(keyed().schema()));
    assertEquals(
        "idCol \"nope\" is not a column; the columns are key, window", missing.getMessage());
  }

  @Test
  void badRowsNulledAreLoggedByTheirIds() throws IOException {
    List<Row> scored =
        new RnnPredictor()
            .setModelPath(onePath.toString())
            .setIdCol("key")
            .setBadRows("null")
            .transform(keyed())
            .collectAsList();
    assertNull(scored.get(2).get(2));
    // log4j2-test.properties sends warnings to this file, flushed line by line.
    Path log = Path.of(System.getProperty("basedir", "."), "target", "test-logs", "log4j2.log");
    String expected =
        "RnnPredictor: partition 0: 2 bad rows got a null forecast (badRows=null): row key=\"b\":"
            + " column \"window\" is null; row key=\"c\": column \"window\" has 11 steps, expected"
            + " 12 (the model's window)";
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(
        1, lines.stream().filter(l -> l.endsWith(expected)).count(), String.join("\n", lines));
  }

  @Test
  void withoutIdColTheMessageNamesTheRowsFirstValues() {
    RnnPredictor predictor = new RnnPredictor().setModelPath(onePath.toString());
    SparkException e =
        assertThrows(
            SparkException.class, () -> predictor.transform(keyed().filter("key = 'b'")).collect());
    assertEquals(
        "RnnPredictor: row (\"b\", null): column \"window\" is null "
            + "(badRows=error; badRows=null gives such rows a null forecast)",
        rootCause(e).getMessage());
  }

  @Test
  void rddUsersNameRowsByAnIdFunction() {
    List<Tuple2<Integer, double[]>> rows = List.of(new Tuple2<>(7, new double[5]));
    RnnScorer scorer = RnnScorer.forModel(onePath.toString(), spark).device("cpu");
    SparkException e =
        assertThrows(
            SparkException.class,
            () ->
                new JavaSparkContext(spark.sparkContext())
                    .parallelize(rows, 1)
                    .mapPartitions(it -> scorer.score(it, Tuple2::_2, Tuple2::_1, (r, f) -> f))
                    .collect());
    assertEquals(
        "RnnScorer: row id=7: input has 5 steps, expected 12 (the model's window) "
            + "(badRows=error; badRows=null gives such rows a null forecast)",
        rootCause(e).getMessage());
  }

  @Test
  void abbreviationShowsTheFirstValuesAndTheCount() {
    assertEquals(
        "(\"k\", [1.0, 2.0, 3.0, ... (5 values)], [[2 values], [2 values]], ... (4 values))",
        RnnScorer.abbreviate(
            RowFactory.create(
                "k", new double[] {1, 2, 3, 4, 5}, new int[][] {{1, 2}, {3, 4}}, "more"),
            0));
    assertEquals(
        "\"abcdefghijklmnopqrstuvw...", RnnScorer.abbreviate("abcdefghijklmnopqrstuvwxyz", 1));
  }

  /** The names of the files in {@code dir}, sorted. */
  static List<String> files(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
