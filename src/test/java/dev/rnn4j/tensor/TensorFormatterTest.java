package dev.rnn4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks {@link Tensor#toString()} against {@code str(t)} recorded from PyTorch by {@code
 * src/test/python/generate_tensor_str_fixtures.py}.
 */
class TensorFormatterTest {
  private static final String ROOT = "/fixtures/tensor-str";

  @TestFactory
  Stream<DynamicTest> matchesPyTorch() throws IOException, URISyntaxException {
    JsonNode cases = new ObjectMapper().readTree(newestFixture().toFile()).get("cases");
    assertFalse(cases.isEmpty(), "no cases in the fixture");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases) {
      String name = c.get("name").asText();
      tests.add(
          DynamicTest.dynamicTest(
              name,
              () ->
                  assertEquals(c.get("expected").asText(), tensor(c).toString(), "case " + name)));
    }
    return tests.stream();
  }

  @Test
  void pythonRoundingNotJavas() {
    // Exact binary ties go to even in Python; String.format would round them up.
    assertEquals("0.0312", TensorFormatter.fixed(0.03125, 4));
    assertEquals("-0.0000", TensorFormatter.fixed(-0.0, 4));
    assertEquals("1.0312e+00", TensorFormatter.sci(1.03125));
    assertEquals("1.0000e-05", TensorFormatter.sci(9.99996e-6));
    assertEquals("1.0000e-200", TensorFormatter.sci(1e-200));
  }

  /** The fixture of the newest PyTorch version recorded, so old ones can stay alongside. */
  private static Path newestFixture() throws IOException, URISyntaxException {
    URL root = TensorFormatterTest.class.getResource(ROOT);
    assertNotNull(
        root, "no " + ROOT + " on the test classpath; run generate_tensor_str_fixtures.py");
    Path dir;
    try (Stream<Path> dirs = Files.list(Path.of(root.toURI()))) {
      dir =
          dirs.filter(p -> p.getFileName().toString().startsWith("torch-"))
              .filter(p -> Files.isRegularFile(p.resolve("cases.json")))
              .max(
                  Comparator.comparing(
                      p -> version(p.getFileName().toString().substring(6)),
                      TensorFormatterTest::compareVersions))
              .orElse(null);
    }
    assertNotNull(
        dir, "no torch-*/cases.json under " + ROOT + "; run generate_tensor_str_fixtures.py");
    return dir.resolve("cases.json");
  }

  /** Leading numeric components of a version such as {@code 1.13.0a0} or {@code 2.5.1}. */
  private static int[] version(String v) {
    return Stream.of(v.split("\\."))
        .map(s -> s.replaceAll("\\D.*", ""))
        .filter(s -> !s.isEmpty())
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  private static int compareVersions(int[] a, int[] b) {
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int c = Integer.compare(i < a.length ? a[i] : 0, i < b.length ? b[i] : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static Tensor tensor(JsonNode c) {
    int[] shape = new int[c.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = c.get("shape").get(i).asInt();
    }
    JsonNode data = c.get("data");
    double[] values = new double[data.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = value(data.get(i));
    }
    if (c.get("dtype").asText().equals("float64")) {
      return Tensor.of(values, shape);
    }
    float[] floats = new float[values.length];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = (float) values[i]; // exact: the values are float32 widened by PyTorch
    }
    return Tensor.of(floats, shape);
  }

  private static double value(JsonNode v) {
    if (v.isTextual()) {
      switch (v.asText()) {
        case "nan":
          return Double.NaN;
        case "inf":
          return Double.POSITIVE_INFINITY;
        case "-inf":
          return Double.NEGATIVE_INFINITY;
        default:
          throw new IllegalArgumentException("unknown element " + v);
      }
    }
    return v.doubleValue();
  }
}
