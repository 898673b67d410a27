package dev.rnn4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the benchmarks ran: the header of every report. */
public record MachineInfo(
    String osName,
    String osArch,
    int processors,
    String cpuModel,
    String javaVersion,
    String vmName,
    boolean vectorApi) {
  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  /** This JVM and machine; the CPU model is "unknown" where /proc/cpuinfo cannot be read. */
  public static MachineInfo current() {
    return new MachineInfo(
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(),
        cpuModel(CPUINFO),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
  }

  /**
   * The first {@code model name} of a cpuinfo file (x86), else its {@code Hardware}/{@code Model}
   * line.
   */
  static String cpuModel(Path cpuinfo) {
    List<String> lines;
    try {
      lines = Files.readAllLines(cpuinfo, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
    for (String key : List.of("model name", "Hardware", "Model", "cpu model")) {
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
          String value = line.substring(colon + 1).strip();
          if (!value.isEmpty()) {
            return value;
          }
        }
      }
    }
    return "unknown";
  }

  /** {@code machine: Linux amd64, 2 processors, AMD EPYC 9R14}. */
  public String machineLine() {
    return "machine: "
        + osName
        + " "
        + osArch
        + ", "
        + processors
        + " processor"
        + (processors == 1 ? "" : "s")
        + ", "
        + cpuModel;
  }

  /**
   * {@code jdk: 17.0.15 (OpenJDK 64-Bit Server VM), jdk.incubator.vector absent}: whether the
   * Vector API is resolved decides which Java BLAS netlib can pick.
   */
  public String jdkLine() {
    return "jdk: "
        + javaVersion
        + " ("
        + vmName
        + "), jdk.incubator.vector "
        + (vectorApi ? "present" : "absent");
  }
}
