package dev.rnn4j.spark;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.cpu.CpuBackend;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which device a task runs its model on. A {@code device} of {@code auto} takes, in this order:
 *
 * <ol>
 *   <li>the task's GPU ({@code TaskContext.resourcesJMap().get("gpu").addresses()[0]}, a CUDA
 *       ordinal);
 *   <li>the executor's GPU, as {@link Rnn4jPlugin} saw it at start-up;
 *   <li>the configured device, Spark's {@value #DEVICE_CONF};
 *   <li>the CPU, with one WARN line per executor that says why.
 * </ol>
 *
 * <p>A GPU found this way falls back to the CPU (WARN, once per reason) when the CUDA backend is
 * unavailable. {@code cpu} and {@code cuda:N} are taken as given; {@code cuda} is the task's GPU,
 * else the configured device, else {@code cuda:0}; neither {@code cuda} nor {@code cuda:N} ever
 * falls back. The resource name is {@value #RESOURCE_NAME_CONF} (default {@code gpu}).
 */
final class ExecutorDevice {
  static final String DEVICE_CONF = "spark.rnn4j.device";
  static final String RESOURCE_NAME_CONF = "spark.rnn4j.gpu.resourceName";
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorDevice.class);
  // Executors run thousands of tasks: each distinct warning is logged once per JVM.
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  private static volatile String[] executorAddresses = new String[0];

  /**
   * A resolved device.
   *
   * @param device {@code cpu} or {@code cuda:N}
   * @param mayFallBack whether an unavailable CUDA backend means the CPU (auto) rather than an
   *     error
   * @param cpuForLackOfGpu whether {@code auto} found no GPU and took the CPU, which is worth a
   *     warning
   * @param reason how it was chosen, for messages
   */
  record Choice(String device, boolean mayFallBack, boolean cpuForLackOfGpu, String reason) {}

  private ExecutorDevice() {}

  /** Records the GPU addresses an executor plugin was given (step 2 of the class comment). */
  static void setExecutorAddresses(String[] addresses) {
    executorAddresses = addresses.clone();
  }

  /**
   * The device for the running task (or, outside a task, for this JVM) given the {@code device}
   * param.
   */
  static Choice forCurrentTask(String requested) {
    TaskContext task = TaskContext.get();
    Map<String, ResourceInformation> resources = task == null ? Map.of() : task.resourcesJMap();
    SparkEnv env = SparkEnv.get();
    SparkConf conf = env == null ? null : env.conf();
    String resourceName = conf == null ? "gpu" : conf.get(RESOURCE_NAME_CONF, "gpu");
    String configured = conf == null ? null : conf.get(DEVICE_CONF, null);
    return resolve(requested, resources, resourceName, executorAddresses, configured);
  }

  /**
   * The resolution rules of the class comment, on plain values.
   *
   * @param requested {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}
   * @param taskResources the task's resources (empty outside a task, and always in local mode)
   * @param resourceName the name of the GPU resource
   * @param pluginAddresses the executor's GPU addresses, possibly none
   * @param configured {@value #DEVICE_CONF}, or null when unset
   * @throws IllegalArgumentException if a device string or a GPU address is malformed
   */
  static Choice resolve(
      String requested,
      Map<String, ResourceInformation> taskResources,
      String resourceName,
      String[] pluginAddresses,
      String configured) {
    Objects.requireNonNull(requested, "device");
    String[] task =
        taskResources.containsKey(resourceName)
            ? taskResources.get(resourceName).addresses()
            : new String[0];
    if (requested.equals("auto")) {
      if (task.length > 0) {
        return new Choice(
            cuda(task, "the task's " + resourceName + " resource"),
            true,
            false,
            "the task's " + resourceName + " resource");
      }
      if (pluginAddresses.length > 0) {
        return new Choice(
            cuda(pluginAddresses, "the executor's " + resourceName + " resource"),
            true,
            false,
            "the executor's " + resourceName + " resource");
      }
      if (configured != null && !configured.equals("auto")) {
        return new Choice(
            Device.parse(configured).toString(), true, false, DEVICE_CONF + "=" + configured);
      }
      return new Choice(
          "cpu",
          false,
          true,
          "no "
              + resourceName
              + " resource is assigned to the task and "
              + DEVICE_CONF
              + " is not set");
    }
    Device device = Device.parse(requested);
    if (requested.equals("cuda")) {
      if (task.length > 0) {
        return new Choice(
            cuda(task, "the task's " + resourceName + " resource"),
            false,
            false,
            "device=cuda and the task's " + resourceName + " resource");
      }
      if (configured != null && configured.startsWith("cuda")) {
        return new Choice(
            Device.parse(configured).toString(), false, false, "device=cuda and " + DEVICE_CONF);
      }
    }
    return new Choice(device.toString(), false, false, "device=" + requested);
  }

  /**
   * The backend for {@code choice}: an unavailable GPU means the CPU only when the choice may fall
   * back.
   */
  static Backend backend(Choice choice) {
    if (choice.device().equals("cpu")) {
      if (choice.cpuForLackOfGpu()) {
        warnOnce("rnn4j runs on the CPU: " + choice.reason());
      }
      return cpuForTask();
    }
    try {
      return Backends.select(choice.device());
    } catch (BackendUnavailableException e) {
      if (!choice.mayFallBack()) {
        throw e;
      }
      warnOnce(
          "rnn4j runs on the CPU instead of "
              + choice.device()
              + " (from "
              + choice.reason()
              + "): "
              + e.getMessage());
      return cpuForTask();
    }
  }

  /**
   * The CPU backend with as many threads as Spark gives the running task ({@code spark.task.cpus},
   * 1 by default), or one per processor outside a task. An executor runs as many tasks at once as
   * it has cores, so a task that took every processor of the host would contend with the others.
   */
  static Backend cpuForTask() {
    TaskContext task = TaskContext.get();
    return task == null ? Backends.cpu() : CpuBackend.withThreads(task.cpus());
  }

  private static String cuda(String[] addresses, String source) {
    String first = addresses[0].trim();
    if (first.isEmpty() || first.length() > 9 || !first.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          String.format(
              "%s address must be a CUDA ordinal (a whole number "
                  + ">= 0; see docs/spark.md on discovery scripts), got '%s'",
              source, addresses[0]));
    }
    if (addresses.length > 1) {
      warnOnce(
          String.format(
              "%s has %d addresses %s; rnn4j uses only the first, cuda:%s",
              source, addresses.length, String.join(",", addresses), first));
    }
    return "cuda:" + Integer.parseInt(first);
  }

  private static void warnOnce(String message) {
    if (WARNED.add(message)) {
      LOG.warn(message);
    }
  }
}
