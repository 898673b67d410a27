package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.Availability;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendProvider;
import dev.rnn4j.backend.Device;

/** Registers the CPU backend, which is available everywhere. */
public final class CpuBackendProvider implements BackendProvider {
  @Override
  public Device.Type type() {
    return Device.Type.CPU;
  }

  @Override
  public Availability probe() {
    return Availability.yes("pure Java");
  }

  @Override
  public Backend create(Device device) {
    if (device.type() != Device.Type.CPU) {
      throw new IllegalArgumentException(
          "the CPU provider creates cpu backends only, got " + device);
    }
    return CpuBackend.shared();
  }
}
