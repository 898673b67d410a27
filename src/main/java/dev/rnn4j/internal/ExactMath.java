package dev.rnn4j.internal;

/**
 * Floating-point helpers whose results must be the same bits on every JVM and on the GPU launchers'
 * host side: the optimizers' bias corrections are computed once here, whichever backend applies
 * them. Not API.
 */
public final class ExactMath {
  private ExactMath() {}

  /**
   * {@code base ** n} for {@code n >= 1}, correctly rounded but for inputs within about 2^-100 of a
   * rounding boundary: binary exponentiation in double-double arithmetic (a head and a tail whose
   * sum carries about 106 bits), which, unlike {@code Math.pow}, gives the same bits on every JVM.
   */
  public static double powInt(double base, long n) {
    double rh = 1;
    double rl = 0;
    double bh = base;
    double bl = 0;
    while (true) {
      if ((n & 1) != 0) {
        double p = rh * bh;
        double e = Math.fma(rh, bh, -p) + (rh * bl + rl * bh);
        rh = p + e;
        rl = e - (rh - p);
      }
      n >>>= 1;
      if (n == 0) {
        return rh;
      }
      double p = bh * bh;
      double e = Math.fma(bh, bh, -p) + 2 * bh * bl;
      bh = p + e;
      bl = e - (bh - p);
    }
  }
}
