package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.Availability;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendProvider;
import dev.rnn4j.backend.Device;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers the CUDA backend. {@link #probe()} looks for the driver on disk before loading
 * anything, so on a machine without one it answers without touching native code.
 */
public final class CudaBackendProvider implements BackendProvider {
  @Override
  public Device.Type type() {
    return Device.Type.CUDA;
  }

  @Override
  public Availability probe() {
    return CudaLibraries.availability();
  }

  /**
   * The probe's findings (driver, devices, libraries and the files they came from, versions), then
   * each device with its memory, then a load test of rnn4j's PTX kernels on device 0; or what is
   * missing.
   */
  @Override
  public List<String> diagnose() {
    List<String> lines = new ArrayList<>();
    CudaLibraries.Report r = CudaLibraries.probe();
    lines.addAll(r.lines());
    if (!r.available()) {
      lines.add("unavailable: " + r.reason());
      return lines;
    }
    try {
      for (int i = 0; i < CudaDevice.count(); i++) {
        CudaDevice d = CudaDevice.get(i);
        lines.add(
            String.format(
                "cuda:%d %s, compute capability %d.%d, %d multiprocessors, %.1f GiB, %.1f GiB "
                    + "free",
                i,
                d.name(),
                d.computeCapability() / 10,
                d.computeCapability() % 10,
                d.multiprocessors(),
                d.totalMemory() / 1073741824.0,
                d.freeMemory() / 1073741824.0));
      }
      lines.add("PTX kernels: " + CudaDevice.get(0).kernels().describe() + " loaded on cuda:0");
      lines.add("available: " + r.reason());
    } catch (RuntimeException e) {
      lines.add("unavailable: " + e.getMessage());
    }
    return lines;
  }

  @Override
  public Backend create(Device device) {
    if (device.type() != Device.Type.CUDA) {
      throw new IllegalArgumentException(
          "the CUDA provider creates cuda backends only, got " + device);
    }
    return CudaBackend.open(device.index(), MathMode.fromSystemProperty());
  }
}
