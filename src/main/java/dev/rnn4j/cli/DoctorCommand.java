package dev.rnn4j.cli;

import dev.rnn4j.backend.Availability;
import dev.rnn4j.backend.BackendProvider;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j doctor}: what this machine offers rnn4j. The Java runtime and the CPU backend's
 * kernels, then the CUDA backend's findings (driver and CUDA versions, devices and their memory,
 * cuDNN and cuBLAS versions and files, a PTX load test), and which device {@code --device auto}
 * takes and why.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    header =
        "Says what this machine offers rnn4j: the CPU backend, and CUDA with what is missing and why.",
    description = {
      "Prints the Java runtime, the CPU backend, and everything the CUDA backend looks for: the NVIDIA "
          + "driver and the CUDA version it supports, each device with its memory, cuDNN 9 and cuBLAS with "
          + "their versions and the files they were loaded from (on CUDA 13 hosts, through the forwarding "
          + "libcublas.so.12 that rnn4j builds), and a load test of rnn4j's PTX kernels. Ends with the "
          + "device that --device auto would take. Exit code 0 either way: a machine without a GPU is "
          + "a fine machine for the CPU backend."
    })
final class DoctorCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "java: %s %s (%s), %d processors%n",
        System.getProperty("java.vm.name"),
        Runtime.version(),
        System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors());
    out.println("cpu: " + Backends.cpu().description());
    Optional<BackendProvider> cuda = Backends.providerFor(Device.Type.CUDA);
    boolean available = false;
    if (cuda.isEmpty()) {
      out.println("cuda: this build of rnn4j has no CUDA backend");
    } else {
      List<String> lines = cuda.get().diagnose();
      for (String line : lines) {
        out.println("cuda: " + line);
      }
      Availability a = cuda.get().probe();
      available =
          a.available() && !lines.isEmpty() && lines.get(lines.size() - 1).startsWith("available");
    }
    out.println(
        available
            ? "--device auto: cuda:0"
            : "--device auto: the CPU (CUDA is unavailable, for the reason above; --device cuda would fail with "
                + "it)");
    out.flush();
    return 0;
  }
}
