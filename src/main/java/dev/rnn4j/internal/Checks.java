package dev.rnn4j.internal;

/**
 * Argument checks whose messages always carry values, in PyTorch's grammar: the rule, what was
 * expected, what was got. Not API.
 */
public final class Checks {
  private Checks() {}

  /**
   * Throws {@link IllegalArgumentException} with {@code String.format(format, args)} unless {@code
   * condition}.
   */
  public static void checkArgument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }
}
