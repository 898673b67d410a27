package dev.rnn4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the PyTorch-generated fixtures ({@code src/test/python/generate_*_fixtures.py}) on the test
 * classpath: for a kind ({@code forward}, {@code backward}, {@code model}), the newest {@code
 * fixtures/<kind>/torch-<version>} folder and its manifest.
 */
public final class Fixtures {
  private Fixtures() {}

  /** One case of a manifest: its folder and its manifest entry. */
  public record FixtureCase(String id, Path dir, JsonNode entry) {
    public double atol() {
      return entry.get("atol").asDouble();
    }

    public double rtol() {
      return entry.get("rtol").asDouble();
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** The folder of the newest torch version's fixtures of {@code kind}. */
  public static Path root(String kind) {
    URL url = Fixtures.class.getResource("/fixtures/" + kind);
    if (url == null) {
      throw new IllegalStateException(
          "no fixtures/"
              + kind
              + " on the test classpath: run "
              + "src/test/python/generate_"
              + kind
              + "_fixtures.py");
    }
    try (Stream<Path> dirs = Files.list(Paths.get(url.toURI()))) {
      return dirs.filter(p -> p.getFileName().toString().startsWith("torch-"))
          .max(Comparator.comparing(p -> p.getFileName().toString()))
          .orElseThrow(() -> new IllegalStateException("no torch-* folder under " + url));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every case of {@code kind}'s manifest, in manifest order. */
  public static List<FixtureCase> cases(String kind) {
    Path root = root(kind);
    try {
      JsonNode manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
      List<FixtureCase> cases = new ArrayList<>();
      for (JsonNode c : manifest.get("cases")) {
        String id = c.get("id").asText();
        cases.add(new FixtureCase(id, root.resolve(id), c));
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every forward case. */
  public static List<FixtureCase> forwardCases() {
    return cases("forward");
  }

  /** The forward case with the given id. */
  public static FixtureCase forwardCase(String id) {
    return forwardCases().stream()
        .filter(c -> c.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no forward fixture named " + id));
  }
}
