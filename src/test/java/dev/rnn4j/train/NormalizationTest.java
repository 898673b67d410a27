package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {
  private static String message(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void fitsMeanAndPopulationStd() {
    TimeSeries s =
        TimeSeries.of(List.of("x", "c"), new double[][] {{1, 5}, {2, 5}, {3, 5}, {4, 5}});
    Normalization n = Normalization.fit(s, 0, 4);
    assertEquals(2.5, n.mean("x"));
    assertEquals(Math.sqrt(1.25), n.std("x"), 1e-15); // numpy.std([1, 2, 3, 4]), ddof=0
    assertEquals(5, n.mean("c"));
    assertEquals(1, n.std("c")); // constant: std 1, so values normalize to 0
    assertEquals(0, n.normalize("c", 5));
    assertEquals(-1.5 / Math.sqrt(1.25), n.normalize("x", 1), 1e-15);
    // Rows [1, 3) only.
    Normalization part = Normalization.fit(s, 1, 3);
    assertEquals(2.5, part.mean("x"));
    assertEquals(0.5, part.std("x"));
  }

  @Test
  void constantColumnIsDetectedExactlyDespiteRounding() {
    double[] v = new double[7];
    java.util.Arrays.fill(v, 0.1); // the mean of seven 0.1s is not exactly 0.1
    Normalization n = Normalization.fit(TimeSeries.of("x", v), 0, 7);
    assertEquals(1, n.std("x"));
  }

  @Test
  void inverseUndoesNormalize() {
    Normalization n =
        Normalization.of(List.of("a", "b"), new double[] {361.5, -2}, new double[] {34.25, 0.5});
    for (double x : new double[] {315.71, 400, -3, 0}) {
      assertEquals(x, n.inverse("a", n.normalize("a", x)), 1e-12);
      assertEquals(x, n.inverse("b", n.normalize("b", x)), 1e-12);
    }
    // Targets laid out step-major over columns (b, a): elements alternate b, a, b, a.
    Tensor t = Tensor.of(new float[] {0, 0, 1, 1, 2, -2, 0, 1}, 2, 4);
    Tensor back = n.inverseTargets(t, List.of("b", "a"));
    assertEquals(DType.FLOAT64, back.dtype());
    assertArrayEquals(new int[] {2, 4}, back.shape());
    assertArrayEquals(
        new double[] {-2, 361.5, -1.5, 395.75, -1, 293, -2, 395.75}, back.toDoubleArray(), 1e-12);
    assertEquals(
        "targets.size(-1) must be a multiple of the 2 target columns. Expected horizon * 2, got 3",
        message(() -> n.inverseTargets(Tensor.of(new float[3], 1, 3), List.of("a", "b"))));
  }

  @Test
  void identityChangesNothing() {
    Normalization id = Normalization.identity();
    assertTrue(id.isIdentity());
    assertEquals(0, id.mean("anything"));
    assertEquals(1, id.std("anything"));
    assertEquals(315.71, id.normalize("co2", 315.71));
    assertEquals("{\"columns\": [], \"mean\": [], \"std\": []}", id.toJson());
    assertEquals(id, Normalization.fromJson(id.toJson()));
    assertEquals(id, Normalization.of(List.of(), new double[0], new double[0]));
    assertEquals("Normalization.identity()", id.toString());
  }

  @Test
  void jsonIsPythonReadableAndRoundTripsExactly() {
    Normalization n =
        Normalization.of(
            List.of("a", "b \"quoted\""), new double[] {1.5, -2}, new double[] {0.25, 1e-5});
    assertEquals(
        "{\"columns\": [\"a\", \"b \\\"quoted\\\"\"], \"mean\": [1.5, -2.0], "
            + "\"std\": [0.25, 1e-05]}",
        n.toJson());
    assertEquals(n, Normalization.fromJson(n.toJson()));

    Normalization fitted = Normalization.fit(TimeSeries.defaultDataset(), 0, 600);
    Normalization back = Normalization.fromJson(fitted.toJson());
    assertEquals(fitted, back);
    assertEquals(fitted.mean("co2_ppm"), back.mean("co2_ppm")); // bit for bit
    assertEquals(
        fitted,
        Normalization.fromJson(
            "\n{ \"std\" : ["
                + fitted.std("co2_ppm")
                + "],\t\"columns\": [\"co2\\u005fppm\"], \"mean\": ["
                + fitted.mean("co2_ppm")
                + "] }\r\n"));
  }

  @Test
  void jsonIsReadStrictly() {
    String ok = "{\"columns\": [\"a\"], \"mean\": [1.0], \"std\": [2.0]}";
    assertEquals(
        Normalization.of(List.of("a"), new double[] {1}, new double[] {2}),
        Normalization.fromJson(ok));
    assertEquals(
        "normalization JSON has unknown key \"scale\"; the keys are columns, mean, std",
        message(
            () ->
                Normalization.fromJson(
                    "{\"columns\": [], \"mean\": [], \"std\": [], \"scale\": []}")));
    assertEquals(
        "normalization JSON is missing key \"std\"",
        message(() -> Normalization.fromJson("{\"columns\": [], \"mean\": []}")));
    assertEquals(
        "normalization JSON is not valid: Duplicate field 'mean'",
        message(
            () ->
                Normalization.fromJson(
                    "{\"columns\": [], \"mean\": [], \"mean\": [], \"std\": []}")));
    assertTrue(
        message(() -> Normalization.fromJson(ok + " {}"))
            .startsWith(
                "normalization JSON is not valid: Trailing token (of type START_OBJECT) found after value"));
    assertEquals(
        "normalization JSON must be an object with keys columns, mean, std, got []",
        message(() -> Normalization.fromJson("[]")));
    assertEquals(
        "\"mean\" must be an array of numbers, got an element \"1\"",
        message(
            () ->
                Normalization.fromJson("{\"columns\": [\"a\"], \"mean\": [\"1\"], \"std\": [2]}")));
    assertEquals(
        "\"std\" must be an array of numbers, got 2",
        message(() -> Normalization.fromJson("{\"columns\": [\"a\"], \"mean\": [1], \"std\": 2}")));
    assertEquals(
        "\"columns\" must be an array of strings, got an element null",
        message(
            () -> Normalization.fromJson("{\"columns\": [null], \"mean\": [1], \"std\": [2]}")));
    assertEquals(
        "mean has 2 values, expected 1 (one per column)",
        message(
            () ->
                Normalization.fromJson("{\"columns\": [\"a\"], \"mean\": [1, 2], \"std\": [2]}")));
    assertEquals(
        "column \"a\" appears twice",
        message(
            () ->
                Normalization.fromJson(
                    "{\"columns\": [\"a\", \"a\"], \"mean\": [1, 1], \"std\": [2, 2]}")));
    assertEquals(
        "std of column \"a\" must be positive and finite, got -2.0",
        message(
            () -> Normalization.fromJson("{\"columns\": [\"a\"], \"mean\": [1], \"std\": [-2]}")));
    assertEquals(
        "mean of column \"a\" must be finite, got Infinity",
        message(
            () ->
                Normalization.fromJson("{\"columns\": [\"a\"], \"mean\": [1e999], \"std\": [2]}")));
    for (String bad :
        List.of(
            "",
            "{",
            "{\"columns\": [],}",
            "{\"columns\": [NaN]}",
            "{'columns': []}",
            "{\"columns\": [01]}",
            "{\"columns\": [1.]}",
            "{\"columns\": [-]}",
            "// c\n{}",
            "{\"a\\x\": 1}",
            "{\"a\": \"\t\"}",
            "{\"a\": [1 2]}",
            "{\"a\": tru}",
            "{\"a\": \"\\u12\"}")) {
      String m = message(() -> Normalization.fromJson(bad));
      assertTrue(m.startsWith("normalization JSON is not valid: "), bad + " -> " + m);
    }
  }

  @Test
  void ofValidatesItsArguments() {
    assertEquals(
        "std has 0 values, expected 1 (one per column)",
        message(() -> Normalization.of(List.of("a"), new double[] {1}, new double[0])));
    assertEquals(
        "mean of column \"a\" must be finite, got NaN",
        message(() -> Normalization.of(List.of("a"), new double[] {Double.NaN}, new double[] {1})));
    assertEquals(
        "normalization has no statistics for column \"b\"; it has: a",
        message(
            () -> Normalization.of(List.of("a"), new double[] {1}, new double[] {1}).mean("b")));
    assertEquals(
        "rows [3, 3) must be a non-empty range within the series' 4 rows",
        message(() -> Normalization.fit(TimeSeries.of("x", 1, 2, 3, 4), 3, 3)));
  }

  @Test
  void describesItself() {
    assertEquals(
        "Normalization(a: mean=1.5, std=0.25)",
        Normalization.of(List.of("a"), new double[] {1.5}, new double[] {0.25}).toString());
  }
}
