package dev.rnn4j.backend;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a backend from a device string: {@code auto}, {@code cpu}, {@code cuda} or {@code
 * cuda:N}.
 *
 * <p>{@code auto} takes CUDA device 0 when its provider says it is available, and otherwise the CPU
 * with one WARN line that says why. {@code cuda} never falls back: it fails with the reason.
 */
public final class Backends {
  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  private static final Map<Device, Backend> BY_DEVICE = new ConcurrentHashMap<>();

  private Backends() {}

  /**
   * The backend for {@code spec}; see the class comment.
   *
   * @param spec {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}
   * @return the backend
   * @throws BackendUnavailableException if a CUDA device was asked for and is unavailable, with the
   *     reason
   */
  public static Backend select(String spec) {
    if ("auto".equals(spec)) {
      BackendProvider cuda = provider(Device.Type.CUDA);
      Availability a =
          cuda == null ? Availability.no("this build of rnn4j has no CUDA backend") : cuda.probe();
      if (a.available()) {
        return cuda.create(Device.cuda(0));
      }
      LOG.warn("device auto: running on the CPU because CUDA is unavailable: {}", a.reason());
      return cpu();
    }
    Device device = Device.parse(spec);
    BackendProvider provider = provider(device.type());
    if (provider == null) {
      throw new BackendUnavailableException(
          "device '"
              + spec
              + "' was requested, but this build of rnn4j has no "
              + device.type().name()
              + " backend");
    }
    Availability a = provider.probe();
    if (!a.available()) {
      throw new BackendUnavailableException(
          "device '" + spec + "' was requested, but it is unavailable: " + a.reason());
    }
    return provider.create(device);
  }

  /**
   * The backend that computes on {@code device}, the same one on every call: what tensors on that
   * device use for their own operations ({@code Tensor.to}, {@code select}). CUDA devices fail as
   * {@link #select} fails when they are unavailable.
   *
   * @param device the device
   * @return its backend, created on first use
   */
  public static Backend forDevice(Device device) {
    Backend b = BY_DEVICE.get(device);
    if (b == null) {
      b = device.type() == Device.Type.CPU ? cpu() : select(device.toString());
      Backend previous = BY_DEVICE.putIfAbsent(device, b);
      b = previous != null ? previous : b;
    }
    return b;
  }

  /**
   * Makes {@code backend} the one that tensors on its device use from now on (a backend of your own
   * behind the {@link Backend} SPI, say, or a test's stand-in for a device this machine lacks).
   *
   * @param backend the backend to use for its device
   */
  public static void register(Backend backend) {
    BY_DEVICE.put(backend.device(), backend);
  }

  /**
   * The CPU backend, which is always available.
   *
   * @return the CPU backend
   */
  public static Backend cpu() {
    BackendProvider provider = provider(Device.Type.CPU);
    if (provider == null) {
      throw new IllegalStateException(
          "no CPU BackendProvider registered in META-INF/services/"
              + BackendProvider.class.getName());
    }
    return provider.create(Device.CPU);
  }

  /**
   * The provider registered for {@code type}, if this build has one (for {@code doctor}).
   *
   * @param type the device type
   * @return the provider, or empty
   */
  public static Optional<BackendProvider> providerFor(Device.Type type) {
    return Optional.ofNullable(provider(type));
  }

  private static BackendProvider provider(Device.Type type) {
    for (BackendProvider p :
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      if (p.type() == type) {
        return p;
      }
    }
    return null;
  }
}
