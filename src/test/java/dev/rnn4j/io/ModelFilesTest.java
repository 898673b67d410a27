package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and import against PyTorch's own files: a model folder that PyTorch wrote is read, and
 * writing it back gives the same config and, tensor for tensor, the same state_dict (names, order,
 * dtypes, shapes, bits) that {@code model.load_state_dict(strict=True)} accepted from PyTorch
 * itself. ({@code src/test/python/check_rnn4j_export.py} runs an rnn4j export through PyTorch.)
 */
class ModelFilesTest {
  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> pyTorchModelFoldersRoundTrip() {
    return Fixtures.cases("model").stream().map(c -> dynamicTest(c.id(), () -> roundTrip(c)));
  }

  private void roundTrip(FixtureCase c) throws IOException {
    Path out = tmp.resolve(c.id());
    try (SequenceModel model = ModelFiles.read(c.dir())) {
      ModelFiles.write(out, model);
    }
    assertEquals(
        Files.readString(c.dir().resolve(ModelFiles.CONFIG)),
        Files.readString(out.resolve(ModelFiles.CONFIG)),
        c.id() + ": model.json as Python's json.dump writes it");
    SafetensorsFile theirs = Safetensors.read(c.dir().resolve(ModelFiles.WEIGHTS));
    SafetensorsFile ours = Safetensors.read(out.resolve(ModelFiles.WEIGHTS));
    assertEquals(theirs.names(), ours.names(), c.id() + ": state_dict names in PyTorch's order");
    for (String name : theirs.names()) {
      assertEquals(theirs.dtype(name), ours.dtype(name), c.id() + " " + name);
      Tensor a = theirs.tensor(name);
      assertEquals(a, ours.tensor(name), c.id() + " " + name + " bit for bit");
    }
  }
}
