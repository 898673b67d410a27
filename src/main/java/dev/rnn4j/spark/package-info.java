/**
 * rnn4j inside Spark 4.x executors: scoring DataFrames ({@link dev.rnn4j.spark.RnnPredictor}, a
 * Spark ML {@code Transformer}, and {@link dev.rnn4j.spark.RnnScorer}, the same batching for {@code
 * mapPartitions} users), the executor's model cache ({@link dev.rnn4j.spark.ExecutorRuntime}, one
 * load per checkpoint content per JVM), rnn4j's own GPU worker threads, and synchronous
 * data-parallel training ({@link dev.rnn4j.spark.SparkTrainer}: a Spark job per step, or one
 * barrier stage of long-lived tasks that exchange gradients over sockets). Checkpoints (the last
 * epoch's and the best's) are read and written, and exported models written, through Hadoop's
 * {@code FileSystem} ({@code file:}, {@code hdfs:}, {@code s3a:}, ...), and the driver checks a
 * model before any job reads it. docs/spark.md shows deployment.
 *
 * <p>The only package that imports {@code org.apache.spark} or {@code scala}; Spark is a provided
 * dependency, never inside rnn4j's jar.
 *
 * <p>Limits: the model is {@code dev.rnn4j.train}'s forecaster (checkpoints of {@code rnn4j train}
 * or {@link dev.rnn4j.spark.SparkTrainer}); inputs are windows in the series' units, outputs the
 * forecast of the first column. Training ships the series to every executor (a broadcast), so the
 * series must fit in memory; the compute, not the data, is what scales out. Cached models stay
 * until {@link dev.rnn4j.spark.ExecutorRuntime#clear()} or shutdown. GPU paths are written against
 * {@code Backends.select} and were tested only without a GPU.
 */
package dev.rnn4j.spark;
