package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.spark.cluster.ClusterFitJob;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.DataConfig;
import dev.rnn4j.train.TimeSeries;
import dev.rnn4j.train.TrainingConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22's real-cluster test: a standalone Master and Worker with two executor JVMs ({@link
 * StandaloneCluster}), an application submitted through {@code spark-submit}'s entry point with the
 * built {@code target/rnn4j.jar} ({@link ClusterFitJob}): a barrier fit, then the same fit again,
 * during which the test kills one executor with SIGKILL, then scoring with the checkpoint it wrote
 * through a {@code file:} URI. The disturbed fit must end in the undisturbed fit's weights bit for
 * bit, and in the single-process fit's within 1e-12, and the forecasts must be those of the
 * checkpoint computed here. It runs in {@code mvn verify}'s integration-test phase (failsafe),
 * after the jar is built.
 */
@Tag("integration")
@Tag("spark")
class SparkClusterIT {
  private static final int EPOCHS = 8;
  private static final Path JAR = Path.of("target", "rnn4j.jar");
  private static final Pattern FAILURES =
      Pattern.compile("failed stage attempts: (\\d+), executors lost: (\\d+)");

  // The cluster's logs stay after the run, for a failure's post-mortem.
  private static final Path LOGS = Path.of("target", "spark-cluster-it");

  @TempDir Path tmp;

  @Test
  void aBarrierFitSurvivesAKilledExecutorAndItsModelScoresOnTheCluster() throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " is built by mvn package, before this test");
    Path calm = tmp.resolve("calm.safetensors");
    Path checkpoint = tmp.resolve("co2.safetensors");
    Path forecasts = tmp.resolve("forecasts.csv");
    Path app =
        StandaloneCluster.appJar(
            Path.of("target", "test-classes"), "dev/rnn4j/spark/cluster", tmp.resolve("app.jar"));
    int killedAt;
    String driverLog;
    try (StandaloneCluster cluster = StandaloneCluster.start(LOGS, 2, "1g")) {
      Process driver =
          cluster.submit(
              "driver",
              List.of(
                  "--class", ClusterFitJob.class.getName(),
                  "--jars", JAR.toAbsolutePath().toString(),
                  "--conf", "spark.executor.cores=1",
                  "--conf", "spark.executor.memory=512m",
                  "--conf", "spark.cores.max=2",
                  // A barrier stage needs both slots: start when both executors have registered,
                  // not
                  // at the first, which costs a 15 s retry (docs/spark.md, Barrier mode).
                  "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                  "--conf", "spark.ui.enabled=false",
                  "--conf", "spark.driver.host=127.0.0.1"),
              app,
              List.of(
                  calm.toUri().toString(),
                  checkpoint.toUri().toString(),
                  Integer.toString(EPOCHS),
                  forecasts.toString()));
      killedAt = killAnExecutorMidFit(cluster, driver, checkpoint);
      int exit = StandaloneCluster.await(driver, Duration.ofSeconds(150));
      driverLog = Files.readString(cluster.log("driver"), StandardCharsets.UTF_8);
      assertEquals(0, exit, "the driver failed; its log:\n" + tail(driverLog));
    }
    // Spark's launcher gives executors the Vector API module by itself (docs/spark.md): every
    // executor, the replacement included, said so once.
    List<Path> executorLogs;
    try (Stream<Path> files = Files.walk(LOGS.resolve("work"))) {
      executorLogs = files.filter(f -> f.getFileName().toString().equals("stderr")).toList();
    }
    assertTrue(
        executorLogs.size() >= 3,
        "two executors and the one that replaced the killed one: " + executorLogs);
    for (Path log : executorLogs) {
      assertTrue(
          Files.readString(log, StandardCharsets.UTF_8)
              .contains("WARNING: Using incubator modules: jdk.incubator.vector"),
          log.toString());
    }
    Matcher failures = FAILURES.matcher(driverLog);
    assertTrue(failures.find(), "the job reports its failures:\n" + tail(driverLog));
    assertTrue(
        Integer.parseInt(failures.group(1)) >= 1 && Integer.parseInt(failures.group(2)) >= 1,
        "the kill after epoch " + killedAt + " failed the barrier stage: " + failures.group());

    TrainingConfig config = TrainingConfig.defaults().withEpochs(EPOCHS);
    TimeSeries series = TimeSeries.defaultDataset();
    Path single = tmp.resolve("single.safetensors");
    Models.trainInOneProcess(config, series, single);
    Checkpoint fitted = Checkpoint.read(checkpoint);
    assertEquals(EPOCHS, fitted.epoch());
    // The undisturbed fit and the one that lost an executor: the same bits.
    Models.assertWeights(Checkpoint.read(calm), fitted, 0);
    // float64 against one process: the shares' sums differ from one process's by one split. The
    // worst difference seen was 6.7e-16 (8 epochs); the bar is 10x that, well inside the issue's
    // 1e-12.
    Models.assertWeights(Checkpoint.read(single), fitted, 7e-15);
    assertForecasts(fitted, series, Files.readAllLines(forecasts, StandardCharsets.UTF_8));
  }

  /**
   * Waits for the fit's first checkpoint, then kills one executor; returns the checkpoint's epoch
   * at that moment, which must leave epochs to train.
   */
  private static int killAnExecutorMidFit(
      StandaloneCluster cluster, Process driver, Path checkpoint) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline && driver.isAlive()) {
      if (Files.isRegularFile(checkpoint)) {
        int epoch = Checkpoint.read(checkpoint).epoch();
        List<ProcessHandle> executors = cluster.executors();
        assertEquals(2, executors.size(), "two executor JVMs run the fit");
        assertTrue(epoch < EPOCHS, "the fit ended before the kill, at epoch " + epoch);
        executors.get(0).destroyForcibly();
        return epoch;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "no checkpoint appeared; the driver's log:\n"
            + tail(Files.readString(cluster.log("driver"), StandardCharsets.UTF_8)));
  }

  /** The cluster's forecasts are those of the checkpoint computed here, window by window. */
  private static void assertForecasts(Checkpoint fitted, TimeSeries series, List<String> lines) {
    DataConfig data = fitted.config().data();
    int window = data.window();
    int horizon = data.horizon();
    double[] expected = Models.forecastsOfEveryWindow(fitted, series);
    assertEquals(series.length() - window + 1, lines.size(), "one forecast per window");
    for (String line : lines) {
      String[] fields = line.split(",");
      int start = Integer.parseInt(fields[0]) - window + 1;
      float[] want = new float[horizon];
      float[] have = new float[horizon];
      for (int h = 0; h < horizon; h++) {
        want[h] = (float) expected[start * horizon + h];
        have[h] = Float.parseFloat(fields[1 + h]);
      }
      assertArrayEquals(want, have, "the window ending at " + fields[0]);
    }
  }

  private static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
