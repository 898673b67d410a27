package dev.rnn4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch-generated fixtures of {@code src/test/python/generate_optim_fixtures.py} on the test
 * classpath: the newest {@code fixtures/optim/torch-<version>} folder, its manifest and its files.
 */
final class OptimFixtures {
  private OptimFixtures() {}

  /** One manifest entry. */
  record Case(String id, String kind, Path root, JsonNode entry) {
    double atol() {
      return entry.get("atol").asDouble();
    }

    double rtol() {
      return entry.get("rtol").asDouble();
    }

    boolean isFloat64() {
      return entry.get("dtype").asText().equals("float64");
    }

    Path dir() {
      return root.resolve(id);
    }

    SafetensorsFile file(String name) {
      try {
        return Safetensors.read(
            name == null ? root.resolve(id + ".safetensors") : dir().resolve(name));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String configJson() {
      try {
        return Files.readString(dir().resolve("config.json"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static Path root() {
    return Fixtures.root("optim");
  }

  static JsonNode manifest() {
    try {
      return new ObjectMapper().readTree(root().resolve("manifest.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether the fixtures come from the PyTorch release whose CPU arithmetic this library mirrors
   * bit for bit (1.13); other releases are held to the tolerances only.
   */
  static boolean exactVersion() {
    return manifest().get("torch_version").asText().startsWith("1.13");
  }

  static List<Case> cases(String kind) {
    Path root = root();
    List<Case> out = new ArrayList<>();
    for (JsonNode c : manifest().get("cases")) {
      if (c.get("kind").asText().equals(kind)) {
        out.add(new Case(c.get("id").asText(), kind, root, c));
      }
    }
    return out;
  }

  /** The tensors of {@code file} whose names start with {@code prefix}, with the prefix removed. */
  static StateDict withPrefix(SafetensorsFile file, String prefix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : file.names()) {
      if (name.startsWith(prefix)) {
        out.put(name.substring(prefix.length()), file.tensor(name));
      }
    }
    return StateDict.of(out);
  }

  /** Every tensor of {@code file}, in order. */
  static StateDict all(SafetensorsFile file) {
    return withPrefix(file, "");
  }

  /**
   * The largest distance between corresponding elements in units in the last place of the dtype (0
   * when bit-identical); shapes and dtypes must agree.
   */
  static long maxUlps(Tensor expected, Tensor actual) {
    if (expected.dtype() != actual.dtype()
        || !java.util.Arrays.equals(expected.shape(), actual.shape())) {
      throw new AssertionError(
          "cannot compare "
              + expected.dtype()
              + java.util.Arrays.toString(expected.shape())
              + " with "
              + actual.dtype()
              + java.util.Arrays.toString(actual.shape()));
    }
    long worst = 0;
    boolean f32 = expected.dtype() == dev.rnn4j.backend.DType.FLOAT32;
    for (int i = 0; i < expected.numel(); i++) {
      worst =
          Math.max(
              worst,
              f32
                  ? ulps((float) expected.getFlat(i), (float) actual.getFlat(i))
                  : ulps(expected.getFlat(i), actual.getFlat(i)));
    }
    return worst;
  }

  static long ulps(float a, float b) {
    return Math.abs(
        (long) ordered(Float.floatToRawIntBits(a)) - ordered(Float.floatToRawIntBits(b)));
  }

  static long ulps(double a, double b) {
    long x = ordered(Double.doubleToRawLongBits(a));
    long y = ordered(Double.doubleToRawLongBits(b));
    return Math.abs(x - y);
  }

  // Maps IEEE bit patterns onto integers in value order, +0 and -0 both to 0.
  private static int ordered(int bits) {
    return bits < 0 ? Integer.MIN_VALUE - bits : bits;
  }

  private static long ordered(long bits) {
    return bits < 0 ? Long.MIN_VALUE - bits : bits;
  }
}
