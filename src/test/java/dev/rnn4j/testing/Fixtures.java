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
 * Finds the PyTorch-generated forward fixtures ({@code src/test/python/generate_forward_fixtures.py}) on the
 * test classpath: the newest {@code fixtures/forward/torch-<version>} folder and its manifest.
 */
public final class Fixtures {
  private Fixtures() {}

  /** One case of the manifest: its folder and its manifest entry. */
  public record ForwardCase(String id, Path dir, JsonNode entry) {
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

  /** The folder of the newest torch version's forward fixtures. */
  public static Path forwardRoot() {
    URL url = Fixtures.class.getResource("/fixtures/forward");
    if (url == null) {
      throw new IllegalStateException(
          "no fixtures/forward on the test classpath: run src/test/python/generate_forward_fixtures.py");
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

  /** Every case in the manifest, in manifest order. */
  public static List<ForwardCase> forwardCases() {
    Path root = forwardRoot();
    try {
      JsonNode manifest = new ObjectMapper().readTree(root.resolve("manifest.json").toFile());
      List<ForwardCase> cases = new ArrayList<>();
      for (JsonNode c : manifest.get("cases")) {
        String id = c.get("id").asText();
        cases.add(new ForwardCase(id, root.resolve(id), c));
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The case with the given id. */
  public static ForwardCase forwardCase(String id) {
    return forwardCases().stream().filter(c -> c.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no forward fixture named " + id));
  }
}
