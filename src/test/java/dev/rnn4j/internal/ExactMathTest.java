package dev.rnn4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ExactMathTest {
  @Test
  void powIntIsCorrectlyRounded() {
    assertEquals(0.81, ExactMath.powInt(0.9, 2), 0.0);
    assertEquals(1.0, ExactMath.powInt(0.9, 0), 0.0);
    BigDecimal exact = new BigDecimal(0.999).pow(1000);
    assertEquals(exact.doubleValue(), ExactMath.powInt(0.999, 1000), 0.0);
    assertEquals(0.0, ExactMath.powInt(0.5, 2000), 0.0);
  }
}
