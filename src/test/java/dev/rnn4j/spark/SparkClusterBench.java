package dev.rnn4j.spark;

import dev.rnn4j.spark.cluster.ClusterBenchJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Issue 22's Spark benchmark (not a test): starts a {@link StandaloneCluster} with two one-core
 * executor JVMs, submits {@link ClusterBenchJob} through {@code spark-submit} with {@code
 * target/rnn4j.jar}, and copies its report to the file given (docs/spark.md quotes it). Run it with
 * {@code bash src/test/shell/spark-bench.sh [ROUNDS] [REPORT]} on an otherwise idle machine.
 */
public final class SparkClusterBench {
  private SparkClusterBench() {}

  /** Arguments: the number of rounds and the report's path. */
  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    Path report = Path.of(args[1]).toAbsolutePath();
    Path folder = Path.of("target", "spark-bench").toAbsolutePath();
    Path jar = Path.of("target", "rnn4j.jar").toAbsolutePath();
    try (StandaloneCluster cluster = StandaloneCluster.start(folder, 2, "2g")) {
      Path work = Files.createDirectories(folder.resolve("checkpoints"));
      Path app =
          StandaloneCluster.appJar(
              Path.of("target", "test-classes"),
              "dev/rnn4j/spark/cluster",
              folder.resolve("app.jar"));
      Process driver =
          cluster.submit(
              "driver",
              List.of(
                  "--class",
                  ClusterBenchJob.class.getName(),
                  "--jars",
                  jar.toString(),
                  "--conf",
                  "spark.executor.cores=1",
                  "--conf",
                  "spark.executor.memory=1g",
                  "--conf",
                  "spark.cores.max=2",
                  "--conf",
                  "spark.scheduler.minRegisteredResourcesRatio=1.0",
                  "--conf",
                  "spark.ui.enabled=false",
                  "--conf",
                  "spark.driver.host=127.0.0.1"),
              app,
              List.of(report.toString(), Integer.toString(rounds), work.toString()));
      int exit = StandaloneCluster.await(driver, Duration.ofHours(2));
      if (exit != 0) {
        throw new IOException(
            "the benchmark's driver failed (" + exit + "): see " + cluster.log("driver"));
      }
    }
    System.out.print(Files.readString(report, StandardCharsets.UTF_8));
  }
}
