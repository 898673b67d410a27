package dev.rnn4j.spark;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * A test-only Spark plugin that fails a chosen task attempt, the way a lost executor or a bad disk
 * would, so that tests can check what Spark's retry gives. {@link LocalSpark} installs it; it does
 * nothing until {@link #failFirstAttemptOnce} arms it. It acts in {@code
 * ExecutorPlugin.onTaskStart}, on the task's thread before the task's own code, so production code
 * needs no hook for it.
 */
public final class TaskFaults implements SparkPlugin {
  private static final AtomicInteger ARMED_PARTITION = new AtomicInteger(-1);
  private static final AtomicInteger INJECTED = new AtomicInteger();

  /** Fails attempt 0 of the next task of partition {@code partition}, once. */
  static void failFirstAttemptOnce(int partition) {
    ARMED_PARTITION.set(partition);
  }

  /** Disarms, and returns how many failures were injected since the last call. */
  static int reset() {
    ARMED_PARTITION.set(-1);
    return INJECTED.getAndSet(0);
  }

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {}

      @Override
      public void onTaskStart() {
        TaskContext task = TaskContext.get();
        int partition = task.partitionId();
        if (task.attemptNumber() == 0 && ARMED_PARTITION.compareAndSet(partition, -1)) {
          INJECTED.incrementAndGet();
          throw new IllegalStateException(
              "TaskFaults: attempt 0 of partition "
                  + partition
                  + " of stage "
                  + task.stageId()
                  + " fails on purpose");
        }
      }
    };
  }
}
