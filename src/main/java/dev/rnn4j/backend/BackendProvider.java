package dev.rnn4j.backend;

import java.util.List;

/**
 * The service interface through which backends are found ({@code
 * META-INF/services/dev.rnn4j.backend.BackendProvider}).
 *
 * <p>{@link #probe()} must never throw and must not load native code that the CPU path could do
 * without: a missing driver is an answer, not an error.
 */
public interface BackendProvider {
  /**
   * The device type this provider serves.
   *
   * @return CPU or CUDA
   */
  Device.Type type();

  /**
   * Whether this provider can create a backend here, and why not. Never throws.
   *
   * @return the answer, with the reason
   */
  Availability probe();

  /**
   * What {@code doctor} prints about this backend: what was found (versions, files, devices) and,
   * when the backend is unavailable, what is missing and why. May load native code, like {@link
   * #probe()} when it finds the libraries. Never throws.
   *
   * @return lines for {@code doctor}, without line breaks
   */
  default List<String> diagnose() {
    Availability a = probe();
    return List.of((a.available() ? "available: " : "unavailable: ") + a.reason());
  }

  /**
   * Creates the backend for {@code device}, whose type is {@link #type()}.
   *
   * @param device a device of this provider's type
   * @return the backend
   * @throws BackendUnavailableException if the device cannot be used
   */
  Backend create(Device device);
}
