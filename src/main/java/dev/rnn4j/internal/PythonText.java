package dev.rnn4j.internal;

import java.math.BigDecimal;

/** How Python writes values, for reprs and JSON that must read exactly as PyTorch's. Not API. */
public final class PythonText {
  private PythonText() {}

  /**
   * Python's {@code repr(float)}, which {@code json.dumps} also writes: {@code 0.0}, {@code 0.5},
   * {@code 1e-05}: shortest digits, scientific below 1e-4 and from 1e16. Java's shortest-repr
   * digits and Python's agree for every value a dropout takes in practice; both always parse back
   * to the same double.
   */
  public static String floatRepr(double x) {
    if (x == 0) {
      return (1 / x < 0) ? "-0.0" : "0.0";
    }
    BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
    int exponent = d.precision() - d.scale() - 1;
    if (exponent >= -4 && exponent < 16) {
      String plain = d.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String digits = d.unscaledValue().abs().toString();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (d.signum() < 0 ? "-" : "")
        + mantissa
        + "e"
        + (exponent < 0 ? "-" : "+")
        + String.format("%02d", Math.abs(exponent));
  }
}
