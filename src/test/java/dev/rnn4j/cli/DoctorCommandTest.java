package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code doctor} on a machine without a driver (CI): the CPU backend, and why CUDA is unavailable.
 */
@Tag("integration")
@Tag("cli")
class DoctorCommandTest {
  @Test
  void explainsTheCpuFallbackWhereThereIsNoDriver() {
    assumeFalse(
        Files.exists(Path.of("/dev/nvidiactl")),
        "this machine has an NVIDIA device; native-test/run.sh checks doctor there");
    CliRun run = CliRun.of("doctor");
    assertEquals(0, run.exitCode(), run.describe());
    List<String> lines = run.out().lines().toList();
    assertTrue(lines.get(0).startsWith("java: "), run.describe());
    assertTrue(lines.get(1).startsWith("cpu: cpu ("), run.describe());
    assertTrue(
        lines.contains(
            "cuda: unavailable: no NVIDIA driver: libcuda.so.1 was not found in "
                + "LD_LIBRARY_PATH, the loader's configured directories or the usual system directories"),
        run.describe());
    assertEquals(
        "--device auto: the CPU (CUDA is unavailable, for the reason above; --device cuda would fail "
            + "with it)",
        lines.get(lines.size() - 1),
        run.describe());
  }
}
