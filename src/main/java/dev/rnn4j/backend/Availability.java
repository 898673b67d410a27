package dev.rnn4j.backend;

/**
 * Whether a backend can run here, and if not, why: the answer of {@link BackendProvider#probe()}.
 *
 * @param available whether the backend can be created
 * @param reason why it cannot, or what was found when it can (for {@code doctor} and logs)
 */
public record Availability(boolean available, String reason) {
  /**
   * The backend can run here.
   *
   * @param found what was found: devices, library versions
   * @return an available answer
   */
  public static Availability yes(String found) {
    return new Availability(true, found);
  }

  /**
   * The backend cannot run here.
   *
   * @param reason why, for the user
   * @return an unavailable answer
   */
  public static Availability no(String reason) {
    return new Availability(false, reason);
  }
}
