package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NumbersTest {
  @Test
  void significantDigits() {
    assertEquals("2.000", Numbers.sig(2.0, 4));
    assertEquals("0.008000", Numbers.sig(0.008, 4));
    assertEquals("0.007123", Numbers.sig(0.0071234, 4));
    assertEquals("97.71", Numbers.sig(97.7149, 4));
    assertEquals("1235", Numbers.sig(1234.5, 4));
    assertEquals("12350", Numbers.sig(12345.6, 4));
    assertEquals("2.40e-07", Numbers.sig(2.4e-7, 3));
    assertEquals("-", Numbers.sig(Double.NaN, 4));
    assertEquals("0", Numbers.sig(0, 4));
    assertEquals("0.1", Numbers.plain(0.1));
    assertEquals("1", Numbers.plain(1.0));
  }
}
