package dev.rnn4j.cli;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Device;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --device} option of the commands that compute, checked while the command line is
 * parsed.
 */
final class DeviceOption {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec mixee;

  private String device = "auto";

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "auto",
      description =
          "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}). auto takes CUDA device 0 when "
              + "it is available and otherwise the CPU, with a warning; cuda fails when it is unavailable.")
  void setDevice(String value) {
    if (!value.equals("auto")) {
      try {
        Device.parse(value);
      } catch (IllegalArgumentException e) {
        // A misspelt device is a usage error (exit 2), like any other bad option value.
        throw new ParameterException(
            mixee.commandLine(), "Invalid value for option '--device': " + e.getMessage());
      }
    }
    device = value;
  }

  /** The backend; throws BackendUnavailableException when the device cannot be used. */
  Backend select() {
    return Backends.select(device);
  }
}
