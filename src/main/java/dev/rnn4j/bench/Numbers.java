package dev.rnn4j.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/** Number formatting for the tables: a few significant digits, plain notation unless tiny. */
final class Numbers {
  private Numbers() {}

  /**
   * {@code v} to {@code digits} significant digits, trailing zeros kept (they carry the precision):
   * 97.71, 0.007123, 2.000, 1235 (no fewer digits before the point than the value has), 2.40e-07;
   * "-" for NaN.
   */
  static String sig(double v, int digits) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == 0) {
      return "0";
    }
    if (Math.abs(v) < 1e-4) {
      return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
    }
    BigDecimal rounded = new BigDecimal(v).round(new MathContext(digits));
    int integerDigits = rounded.precision() - rounded.scale();
    return rounded
        .setScale(Math.max(0, digits - integerDigits), RoundingMode.UNNECESSARY)
        .toPlainString();
  }

  /** {@code v} in its shortest plain form: 0.1, 1, 1.5. */
  static String plain(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** {@code s} padded on the left to {@code width}. */
  static String right(String s, int width) {
    return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
  }

  /** {@code s} padded on the right to {@code width}. */
  static String left(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
