package dev.rnn4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The tests' one SparkSession: {@code local[2,2]} (two task threads in this JVM, like a two-core
 * executor, and a failed task is tried once more, as on a cluster), no UI, two shuffle partitions,
 * and the {@link TaskFaults} plugin, idle until a test arms it. Starting Spark costs seconds, so
 * every test class shares this session, and it stops when the JVM does. No {@code
 * spark.*.resource.gpu.*} setting: local mode never schedules GPU resources, and a task set that
 * asks for them never starts.
 */
final class LocalSpark {
  private static SparkSession session;

  private LocalSpark() {}

  static synchronized SparkSession get() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2,2]")
              .appName("rnn4j-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.plugins", TaskFaults.class.getName())
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "rnn4j-tests-spark-stop"));
    }
    return session;
  }
}
