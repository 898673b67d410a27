package dev.rnn4j.spark.example;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spark.RnnPredictor;
import dev.rnn4j.spark.SparkTrainer;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.EpochStats;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Trains a forecaster of the CO2 series on Spark, then scores a DataFrame of windows with it. */
public final class SparkForecastExample {
  private SparkForecastExample() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().appName("rnn4j-co2").getOrCreate();
    try {
      run(spark, Path.of(args.length > 0 ? args[0] : "co2.safetensors"));
    } finally {
      spark.stop();
    }
  }

  /** Trains into {@code checkpoint} (a path on the driver) and returns the scored windows. */
  public static Dataset<Row> run(SparkSession spark, Path checkpoint) throws Exception {
    // 1. Train: LSTM(1, 16) on the shipped series, 3 epochs of Adam; 2 tasks per step's gradient.
    DataConfig data = DataConfig.defaults();
    TrainingConfig config =
        TrainingConfig.forData(data, RnnConfig.lstm(1, 16).batchFirst(true).build()).withEpochs(3);
    TimeSeries series = TimeSeries.defaultDataset();
    SparkTrainer.on(spark)
        .partitions(2)
        .listener(
            new Trainer.Listener() {
              @Override
              public void onStep(int epoch, int step, int steps, double runningLoss) {}

              @Override
              public void onEpoch(EpochStats s) {
                System.out.printf(
                    "epoch %d  train loss %.6f  val RMSE %.3f (naive %.3f)%n",
                    s.epoch(), s.trainLoss(), s.validationRmse(), s.naiveRmse());
              }
            })
        .train(config, series, null, checkpoint);

    // 2. Score: one row per window of 24 months (the model's window), as array<double>.
    List<Row> rows = new ArrayList<>();
    for (int start = 0; start + data.window() <= series.length(); start++) {
      Double[] window = new Double[data.window()];
      for (int i = 0; i < window.length; i++) {
        window[i] = series.get(start + i, 0);
      }
      rows.add(RowFactory.create(start + data.window(), window));
    }
    StructType schema =
        new StructType()
            .add("row", DataTypes.IntegerType)
            .add("window", DataTypes.createArrayType(DataTypes.DoubleType));
    Dataset<Row> windows = spark.createDataFrame(rows, schema).repartition(4);
    Dataset<Row> scored =
        new RnnPredictor()
            .setModelPath(checkpoint.toAbsolutePath().toString())
            .setInputCol("window")
            .setOutputCol("forecast")
            .setBatchSize(256)
            .transform(windows)
            .select("row", "forecast")
            .orderBy("row");
    scored.show(3, false);
    return scored;
  }
}
