package dev.rnn4j.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;

/**
 * An optional Spark plugin ({@code spark.plugins=dev.rnn4j.spark.Rnn4jPlugin}) for executors: at
 * start-up it records the executor's GPU addresses (a fallback for tasks that were given none), and
 * at shutdown it closes the cached models and stops rnn4j's GPU workers, before the executor's JVM
 * exits. Without it, a JVM shutdown hook does the same; a killed process runs neither, and the
 * NVIDIA driver reclaims its device memory when it ends.
 */
public final class Rnn4jPlugin implements SparkPlugin {
  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        String name = ctx.conf().get(ExecutorDevice.RESOURCE_NAME_CONF, "gpu");
        ResourceInformation gpus = ctx.resources().get(name);
        if (gpus != null) {
          ExecutorDevice.setExecutorAddresses(gpus.addresses());
        }
      }

      @Override
      public void shutdown() {
        ExecutorRuntime.shutdown();
      }
    };
  }
}
