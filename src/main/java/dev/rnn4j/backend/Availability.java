package dev.rnn4j.backend;

/**
 * Whether a backend can run here, and if not, why: the answer of {@link BackendProvider#probe()}.
 *
 * @param available whether the backend can be created
 * @param reason why it cannot, or what was found when it can (for {@code doctor} and logs)
 */
public record Availability(boolean available, String reason) {
  public static Availability yes(String found) {
    return new Availability(true, found);
  }

  public static Availability no(String reason) {
    return new Availability(false, reason);
  }
}
