package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.Availability;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendProvider;
import dev.rnn4j.backend.Device;

/**
 * Registers the CUDA backend. {@link #probe()} looks for the driver on disk before loading anything, so on
 * a machine without one it answers without touching native code.
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

  @Override
  public Backend create(Device device) {
    if (device.type() != Device.Type.CUDA) {
      throw new IllegalArgumentException("the CUDA provider creates cuda backends only, got " + device);
    }
    return CudaBackend.open(device.index(), MathMode.fromSystemProperty());
  }
}
