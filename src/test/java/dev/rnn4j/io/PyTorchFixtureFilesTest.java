package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The files that {@code src/test/python/generate_forward_fixtures.py} wrote from Python: every
 * config and safetensors file reads, and writing back what was read reproduces each file byte for
 * byte.
 */
class PyTorchFixtureFilesTest {

  @Test
  void everyConfigRoundTripsToTheSameText() throws IOException {
    List<Path> configs = files("config.json");
    assertFalse(configs.isEmpty(), "no fixture config.json found");
    for (Path path : configs) {
      String text = Files.readString(path);
      RnnConfig config = ModelConfigJson.read(path);
      assertEquals(text, ModelConfigJson.toJson(config), path.toString());
    }
  }

  @Test
  void everySafetensorsFileRewritesToTheSameBytes() throws IOException {
    List<Path> paths = files(".safetensors");
    assertFalse(paths.isEmpty(), "no fixture .safetensors found");
    boolean sawInt64 = false;
    for (Path path : paths) {
      SafetensorsFile f = Safetensors.read(path);
      SafetensorsWriter w = Safetensors.writer();
      f.metadata().forEach(w::metadata);
      for (String name : f.names()) {
        if (f.dtype(name).equals("I64")) {
          sawInt64 = true;
          w.putInt64(name, f.int64s(name), f.shape(name));
        } else {
          Tensor t = f.tensor(name);
          assertArrayEquals(f.shape(name), t.shape(), path + " " + name);
          w.put(name, t);
        }
      }
      assertArrayEquals(Files.readAllBytes(path), w.toByteArray(), path.toString());
    }
    assertTrue(sawInt64, "no fixture holds an I64 tensor");
  }

  /** Every fixture file whose name ends with {@code suffix}, in a stable order. */
  private static List<Path> files(String suffix) throws IOException {
    URL url = PyTorchFixtureFilesTest.class.getResource("/fixtures/forward");
    if (url == null) {
      return List.of();
    }
    Path root;
    try {
      root = Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(suffix))
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
