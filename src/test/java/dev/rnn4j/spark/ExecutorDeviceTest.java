package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.rnn4j.backend.BackendUnavailableException;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.cpu.CpuBackend;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The device rules on plain values: local mode never assigns GPUs, so tasks' resources are stubbed
 * here; and the CPU's threads, inside a local Spark task and outside one.
 */
class ExecutorDeviceTest {
  private static final String[] NONE = new String[0];

  private static Map<String, ResourceInformation> gpus(String... addresses) {
    return Map.of("gpu", new ResourceInformation("gpu", addresses));
  }

  private static String resolve(
      String requested, Map<String, ResourceInformation> task, String[] plugin, String configured) {
    return ExecutorDevice.resolve(requested, task, "gpu", plugin, configured).device();
  }

  @Test
  void autoTakesTheTasksGpuThenTheExecutorsThenConfigurationThenTheCpu() {
    assertEquals("cuda:3", resolve("auto", gpus("3", "5"), new String[] {"1"}, "cuda:2"));
    assertEquals("cuda:1", resolve("auto", Map.of(), new String[] {"1"}, "cuda:2"));
    assertEquals("cuda:2", resolve("auto", Map.of(), NONE, "cuda:2"));
    assertEquals("cpu", resolve("auto", Map.of(), NONE, "cpu"));
    assertEquals(
        false,
        ExecutorDevice.resolve("auto", Map.of(), "gpu", NONE, "cpu").cpuForLackOfGpu(),
        "a configured CPU is no reason to warn");
    ExecutorDevice.Choice cpu = ExecutorDevice.resolve("auto", Map.of(), "gpu", NONE, null);
    assertEquals(
        new ExecutorDevice.Choice(
            "cpu",
            false,
            true,
            "no gpu resource is assigned to the task and spark.rnn4j.device is not set"),
        cpu);
  }

  @Test
  void theResourceNameIsConfigurable() {
    Map<String, ResourceInformation> task =
        Map.of("nvidia", new ResourceInformation("nvidia", new String[] {"4"}));
    assertEquals("cuda:4", ExecutorDevice.resolve("auto", task, "nvidia", NONE, null).device());
    assertEquals("cpu", ExecutorDevice.resolve("auto", task, "gpu", NONE, null).device());
  }

  @Test
  void explicitDevicesAreTakenAsGivenAndNeverFallBack() {
    assertEquals("cpu", resolve("cpu", gpus("0"), NONE, "cuda:1"));
    assertEquals("cuda:6", resolve("cuda:6", gpus("0"), NONE, null));
    assertEquals("cuda:2", resolve("cuda", gpus("2"), NONE, null));
    assertEquals("cuda:1", resolve("cuda", Map.of(), NONE, "cuda:1"));
    assertEquals("cuda:0", resolve("cuda", Map.of(), NONE, null));
    assertEquals(false, ExecutorDevice.resolve("cuda", gpus("2"), "gpu", NONE, null).mayFallBack());
    assertEquals(true, ExecutorDevice.resolve("auto", gpus("2"), "gpu", NONE, null).mayFallBack());
  }

  @Test
  void malformedAddressesAndDevicesAreErrors() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> resolve("auto", gpus("GPU-8f2a"), NONE, null));
    assertEquals(
        "the task's gpu resource address must be a CUDA ordinal (a whole number >= 0; see "
            + "docs/spark.md on discovery scripts), got 'GPU-8f2a'",
        e.getMessage());
    IllegalArgumentException d =
        assertThrows(IllegalArgumentException.class, () -> resolve("gpu0", Map.of(), NONE, null));
    assertEquals("device must be one of auto, cpu, cuda, cuda:N, got 'gpu0'", d.getMessage());
  }

  @Test
  @Tag("integration")
  @Tag("spark")
  void aTaskComputesWithTheCpusSparkGaveItAndTheDriverWithEveryProcessor() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
    List<List<Integer>> inTask =
        jsc.parallelize(List.of(0), 1)
            .map(
                x ->
                    List.of(
                        ((CpuBackend) ExecutorDevice.cpuForTask()).threads(),
                        TaskContext.get().cpus()))
            .collect();
    assertEquals(List.of(List.of(1, 1)), inTask, "spark.task.cpus, 1 by default");
    assertEquals(
        ((CpuBackend) Backends.cpu()).threads(),
        ((CpuBackend) ExecutorDevice.cpuForTask()).threads(),
        "outside a task");
  }

  @Test
  void anUnavailableGpuFallsBackOnlyUnderAuto() {
    boolean cudaHere;
    try {
      Backends.select("cuda:0");
      cudaHere = true;
    } catch (BackendUnavailableException e) {
      cudaHere = false;
    }
    assumeFalse(cudaHere, "CUDA device 0 is available here, so there is no fallback to see");
    ExecutorDevice.Choice auto = ExecutorDevice.resolve("auto", gpus("0"), "gpu", NONE, null);
    assertEquals(Device.CPU, ExecutorDevice.backend(auto).device());
    ExecutorDevice.Choice cuda = ExecutorDevice.resolve("cuda", gpus("0"), "gpu", NONE, null);
    assertThrows(BackendUnavailableException.class, () -> ExecutorDevice.backend(cuda));
  }
}
