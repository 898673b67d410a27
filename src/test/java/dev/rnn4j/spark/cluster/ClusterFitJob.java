package dev.rnn4j.spark.cluster;

import dev.rnn4j.backend.DType;
import dev.rnn4j.spark.RnnPredictor;
import dev.rnn4j.spark.SparkTrainer;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The application that {@code SparkClusterIT} submits to a standalone cluster with {@code
 * spark-submit}: float64 barrier fits of the default forecaster on the shipped CO2 series, then
 * scoring of every window with the checkpoint the second wrote. It uses rnn4j's public API only,
 * from the jar given to {@code --jars}.
 *
 * <p>Arguments: two checkpoints (Hadoop URIs), the number of epochs, and a local file for the
 * forecasts (one line per window: its last month's index, then the horizon's values). The same fit
 * runs twice, into the first checkpoint and then into the second, during which the test kills an
 * executor; the scores are the second checkpoint's. It prints how many stage attempts failed and
 * how many executors were lost, so the test knows that the executor it killed was lost in a fit.
 */
public final class ClusterFitJob {
  private ClusterFitJob() {}

  /** Runs the fit and the scoring; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    String calm = args[0];
    String checkpoint = args[1];
    int epochs = Integer.parseInt(args[2]);
    Path forecasts = Path.of(args[3]);
    SparkSession spark = SparkSession.builder().appName("rnn4j-cluster-fit").getOrCreate();
    AtomicInteger failedStages = new AtomicInteger();
    AtomicInteger lostExecutors = new AtomicInteger();
    spark
        .sparkContext()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onStageCompleted(SparkListenerStageCompleted completed) {
                if (completed.stageInfo().failureReason().isDefined()) {
                  failedStages.incrementAndGet();
                }
              }

              @Override
              public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                lostExecutors.incrementAndGet();
              }
            });
    try {
      TrainingConfig config = TrainingConfig.defaults().withEpochs(epochs);
      TimeSeries series = TimeSeries.defaultDataset();
      SparkTrainer trainer =
          SparkTrainer.on(spark).partitions(2).dtype(DType.FLOAT64).device("cpu").barrier(true);
      trainer.train(config, series, null, calm);
      trainer.train(config, series, null, checkpoint);
      System.out.printf(
          "failed stage attempts: %d, executors lost: %d%n",
          failedStages.get(), lostExecutors.get());
      Files.write(
          forecasts, score(spark, config.data(), series, checkpoint), StandardCharsets.UTF_8);
    } finally {
      spark.stop();
    }
  }

  private static List<String> score(
      SparkSession spark, DataConfig data, TimeSeries series, String checkpoint) {
    List<Row> rows = new ArrayList<>();
    for (int start = 0; start + data.window() <= series.length(); start++) {
      Double[] window = new Double[data.window()];
      for (int i = 0; i < window.length; i++) {
        window[i] = series.get(start + i, 0);
      }
      rows.add(RowFactory.create(start + data.window() - 1, window));
    }
    StructType schema =
        new StructType()
            .add("last", DataTypes.IntegerType)
            .add("window", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> windows = spark.createDataFrame(rows, schema).repartition(4);
    List<String> lines = new ArrayList<>();
    for (Row row :
        new RnnPredictor()
            .setModelPath(checkpoint)
            .setIdCol("last")
            .transform(windows)
            .orderBy("last")
            .collectAsList()) {
      StringBuilder line = new StringBuilder().append(row.getInt(0));
      for (Object v : row.getList(row.fieldIndex("forecast"))) {
        line.append(',').append(Float.toString((Float) v));
      }
      lines.add(line.toString());
    }
    return lines;
  }
}
