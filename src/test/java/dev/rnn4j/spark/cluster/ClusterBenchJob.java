package dev.rnn4j.spark.cluster;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.cpu.CpuBackend;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.spark.SparkTrainer;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingConfig;
import dev.rnn4j.train.WindowDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * The application behind {@code SparkClusterBench}: on a standalone cluster of two one-core
 * executors, for forecasters from the default ({@code LSTM(1, 32, num_layers=2)}, batch 32) up, the
 * time of a training step of
 *
 * <ul>
 *   <li>one process with one thread (one executor's cores) and with two, in this driver JVM while
 *       the executors idle;
 *   <li>one process with one thread on half the batch: what each barrier task computes per step;
 *   <li>a barrier fit over the two executors, and a job-per-step fit (the default case only).
 * </ul>
 *
 * <p>Each time per step is the difference between a longer and a shorter fit over the difference in
 * steps, so a fit's fixed costs (a Spark stage's start, its one {@code allGather}) cancel out;
 * validation after each epoch is included, as in any fit. A first round warms the JVMs up and is
 * not reported; each later round runs every side of every case in turn, and the report gives each
 * figure's median over the rounds with its range.
 *
 * <p>Arguments: the report file, the number of rounds, a folder for checkpoints that the driver and
 * the executors share.
 */
public final class ClusterBenchJob {
  /**
   * A forecaster size and batch, and the two fits' epochs; job-per-step fits are slow, so they run
   * for the first case only (1 and 3 epochs).
   */
  private record Case(String name, int hidden, int batch, int shortEpochs, int longEpochs) {}

  private static final List<Case> CASES =
      List.of(
          new Case("default", 32, 32, 2, 12),
          new Case("H128", 128, 32, 1, 5),
          new Case("H256-B64", 256, 64, 1, 4),
          new Case("H512-B128", 512, 128, 1, 3));

  private ClusterBenchJob() {}

  /** Runs the benchmark; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    Path report = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    Path work = Path.of(args[2]);
    SparkSession spark = SparkSession.builder().appName("rnn4j-cluster-bench").getOrCreate();
    try {
      TimeSeries series = TimeSeries.defaultDataset();
      int processors = Runtime.getRuntime().availableProcessors();
      List<String> lines = new ArrayList<>();
      lines.add(
          String.format(
              Locale.ROOT,
              "# rnn4j Spark benchmark: %s; Spark %s, master %s, executors: 2 x 1 core; driver JVM"
                  + " %d processors, Java %s; float32, %d rounds, median [min, max] ms per step",
              cpuName(),
              spark.version(),
              spark.sparkContext().master(),
              processors,
              Runtime.version(),
              rounds));
      lines.add(
          "case        params  batch steps  one process 1 thr  one process 2 thr  share B/2 1 thr"
              + "    barrier 2 exec     job per step");
      String[] sides = {"single1", "single2", "share", "barrier", "job"};
      double[][][] times = new double[CASES.size()][sides.length][rounds];
      // Round 0 warms the JIT of this JVM and of the executors up and is not reported.
      for (int r = -1; r < rounds; r++) {
        for (int c = 0; c < CASES.size(); c++) {
          Case k = CASES.get(c);
          TrainingConfig config = config(k, k.batch());
          TrainingConfig half = config(k, k.batch() / 2);
          double[] round = {
            perStep(work, k, config, series, (cfg, e, out) -> single(cfg, e, out, 1)),
            perStep(work, k, config, series, (cfg, e, out) -> single(cfg, e, out, 2)),
            perStep(work, k, half, series, (cfg, e, out) -> single(cfg, e, out, 1)),
            perStep(work, k, config, series, (cfg, e, out) -> spark(spark, cfg, e, out, true)),
            c == 0
                ? perStep(
                    work,
                    new Case(k.name(), k.hidden(), k.batch(), 1, 3),
                    config,
                    series,
                    (cfg, e, out) -> spark(spark, cfg, e, out, false))
                : Double.NaN
          };
          if (r >= 0) {
            for (int side = 0; side < sides.length; side++) {
              times[c][side][r] = round[side];
            }
          }
        }
      }
      for (int c = 0; c < CASES.size(); c++) {
        Case k = CASES.get(c);
        TrainingConfig config = config(k, k.batch());
        StringBuilder line =
            new StringBuilder(
                String.format(
                    Locale.ROOT,
                    "%-10s %7d %6d %5d",
                    k.name(),
                    parameters(config),
                    k.batch(),
                    steps(config, series)));
        for (int side = 0; side < sides.length; side++) {
          line.append(
              String.format(
                  Locale.ROOT,
                  "  %-17s",
                  c == 0 || side < sides.length - 1 ? summary(times[c][side]) : "-"));
        }
        lines.add(line.toString().stripTrailing());
      }
      Files.write(report, lines, StandardCharsets.UTF_8);
    } finally {
      spark.stop();
    }
  }

  /** One way of running a fit of {@code epochs} epochs into {@code checkpoint}. */
  private interface Fit {
    void run(TrainingConfig config, int epochs, Path checkpoint) throws IOException;
  }

  private static double perStep(
      Path work, Case k, TrainingConfig config, TimeSeries series, Fit fit) throws IOException {
    Path dir = Files.createTempDirectory(work, "fit-");
    long shortFit = timed(fit, config, k.shortEpochs(), dir.resolve("short.safetensors"));
    long longFit = timed(fit, config, k.longEpochs(), dir.resolve("long.safetensors"));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
    int steps = steps(config, series) * (k.longEpochs() - k.shortEpochs());
    return (longFit - shortFit) / 1e6 / steps;
  }

  private static long timed(Fit fit, TrainingConfig config, int epochs, Path checkpoint)
      throws IOException {
    long start = System.nanoTime();
    fit.run(config, epochs, checkpoint);
    return System.nanoTime() - start;
  }

  private static void single(TrainingConfig config, int epochs, Path checkpoint, int threads)
      throws IOException {
    Backend cpu = CpuBackend.withThreads(threads);
    TrainingConfig c = config.withEpochs(epochs);
    Trainer.train(
        c,
        c.data().split(TimeSeries.defaultDataset()),
        null,
        checkpoint,
        cpu,
        DType.FLOAT32,
        Trainer.local(),
        Trainer.Listener.SILENT);
  }

  private static void spark(
      SparkSession spark, TrainingConfig config, int epochs, Path checkpoint, boolean barrier)
      throws IOException {
    SparkTrainer.on(spark)
        .partitions(2)
        .device("cpu")
        .barrier(barrier)
        .listener(Trainer.Listener.SILENT)
        .train(
            config.withEpochs(epochs),
            TimeSeries.defaultDataset(),
            null,
            checkpoint.toUri().toString());
  }

  private static TrainingConfig config(Case k, int batch) {
    DataConfig data = DataConfig.defaults();
    TrainingConfig base =
        TrainingConfig.forData(
            data, RnnConfig.lstm(1, k.hidden()).numLayers(2).batchFirst(true).build());
    return base.withSchedule(k.longEpochs(), batch, base.seed(), base.clipNorm());
  }

  private static int steps(TrainingConfig config, TimeSeries series) {
    WindowDataset train = config.data().split(series).train();
    return (train.size() + config.batchSize() - 1) / config.batchSize();
  }

  private static long parameters(TrainingConfig config) {
    try (SequenceModel model = SequenceModel.create(config.model(), config.seed())) {
      return model.parameterCount();
    }
  }

  private static String summary(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double median =
        sorted.length % 2 == 1
            ? sorted[sorted.length / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return String.format(
        Locale.ROOT, "%.1f [%.1f, %.1f]", median, sorted[0], sorted[sorted.length - 1]);
  }

  /** The processor's name, from /proc/cpuinfo where there is one. */
  private static String cpuName() throws IOException {
    Path info = Path.of("/proc/cpuinfo");
    if (Files.isReadable(info)) {
      for (String line : Files.readAllLines(info)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    }
    return System.getProperty("os.arch");
  }
}
