package dev.rnn4j.io;

/**
 * JSON string writing as the Rust {@code serde_json} crate writes it (the safetensors library
 * serializes its header with it), so that headers written here are byte-identical to the Python
 * library's.
 */
final class JsonText {
  /**
   * The longest name a message quotes in full; longer ones are cut, since a header is untrusted.
   */
  private static final int MAX_QUOTED_CHARS = 100;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /**
   * Appends {@code s} as a JSON string literal: {@code "} and {@code \} escaped, control characters
   * as {@code \b \t \n \f \r} or u-escapes with lowercase hex, everything else (non-ASCII included)
   * as is, which is what {@code serde_json::to_string} does.
   */
  static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\b':
          sb.append("\\b");
          break;
        case '\t':
          sb.append("\\t");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\f':
          sb.append("\\f");
          break;
        case '\r':
          sb.append("\\r");
          break;
        default:
          if (c < 0x20) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  /** {@code s} as a JSON string literal for a message, cut to about 100 characters. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    appendString(sb, s.length() > MAX_QUOTED_CHARS ? s.substring(0, MAX_QUOTED_CHARS) : s);
    if (s.length() > MAX_QUOTED_CHARS) {
      sb.insert(sb.length() - 1, "...");
    }
    return sb.toString();
  }

  /**
   * Fails unless {@code s} is well-formed UTF-16: an unpaired surrogate has no UTF-8 encoding, and
   * Java would silently write {@code ?} in its place.
   */
  static void checkEncodable(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            String.format(
                "%s %s has an unpaired surrogate U+%04X at index %d, which UTF-8 cannot encode",
                what, quote(s), (int) c, i));
      }
    }
  }
}
