package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.TensorAssert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PyTorch model's weights under its own submodule names ({@code lstm.*}, {@code fc.*}; written by
 * {@code src/test/python/generate_io_fixtures.py}) load into rnn4j's modules through the key
 * helpers, and {@code torch.save} checkpoints of the same weights are refused with one line that
 * names the format.
 */
class PyTorchStateDictTest {
  private static final String CONVERT =
      "not a safetensors file; write it with safetensors.torch.save_file(model.state_dict(), "
          + "\"model.safetensors\")";

  private static Path root;
  private static JsonNode net;

  @TempDir Path dir;

  @BeforeAll
  static void readManifest() throws IOException {
    root = Fixtures.root("io");
    net = new ObjectMapper().readTree(root.resolve("manifest.json").toFile()).get("net");
  }

  private static RnnConfig lstm() {
    return RnnConfig.lstm(net.get("input_size").asInt(), net.get("hidden_size").asInt())
        .batchFirst(true)
        .build();
  }

  @Test
  void netWithOtherSubmoduleNamesPredictsAsPyTorchAfterRenaming() throws IOException {
    StateDict weights = StateDictFiles.read(root.resolve("net_lstm_fc.safetensors"));
    StateDict io = StateDictFiles.read(root.resolve("net_lstm_fc_io.safetensors"));
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(lstm(), net.get("out_features").asInt());

    try (SequenceModel model =
        SequenceModel.fromStateDict(
            config, weights.rename("lstm.", "rnn.").rename("fc.", "head."))) {
      Tensor prediction = model.forward(io.get("input"), null);

      TensorAssert.assertClose(
          io.get("prediction"),
          prediction,
          net.get("atol").asDouble(),
          net.get("rtol").asDouble(),
          "Net(input)");
    }
  }

  @Test
  void selectLoadsTheRecurrentSubmoduleIntoAnRnn() throws IOException {
    StateDict weights = StateDictFiles.read(root.resolve("net_lstm_fc.safetensors"));

    try (Rnn rnn = Rnn.fromStateDict(lstm(), weights.select("lstm."))) {
      assertEquals(weights.get("lstm.weight_hh_l0"), rnn.stateDict().get("weight_hh_l0"));
      assertEquals(4, rnn.stateDict().size());
    }
  }

  @Test
  void zipCheckpointIsRefusedNamingTheFormat() {
    Path pt = root.resolve("net_lstm_fc.pt");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateDictFiles.read(pt));

    assertEquals(
        pt + ": a PyTorch zip checkpoint (torch.save, .pt/.pth), " + CONVERT, e.getMessage());
  }

  @Test
  void legacyPickleCheckpointIsRefusedNamingTheFormat() throws IOException {
    Path pt = root.resolve("net_lstm_fc_legacy.pt");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(pt));
    IllegalArgumentException parsed =
        assertThrows(
            IllegalArgumentException.class,
            () -> Safetensors.parse(Files.readAllBytes(pt), "model.pth"));

    assertEquals(
        pt + ": a PyTorch pickle checkpoint (torch.save, .pt/.pth), " + CONVERT, e.getMessage());
    assertEquals(
        "model.pth: a PyTorch pickle checkpoint (torch.save, .pt/.pth), " + CONVERT,
        parsed.getMessage());
  }

  @Test
  void writeWithoutMetadataWritesNone() throws IOException {
    StateDict weights = StateDictFiles.read(root.resolve("net_lstm_fc.safetensors"));
    Path plain = dir.resolve("plain.safetensors");
    Path withNull = dir.resolve("null.safetensors");

    StateDictFiles.write(plain, weights);
    StateDictFiles.write(withNull, weights, null);

    assertEquals(Map.of(), Safetensors.read(plain).metadata());
    assertEquals(weights, StateDictFiles.read(plain));
    assertEquals(Map.of(), Safetensors.read(withNull).metadata());
    assertEquals(weights, StateDictFiles.read(withNull));
  }

  @Test
  void writeWithMetadataKeepsIt() throws IOException {
    StateDict weights = StateDictFiles.read(root.resolve("net_lstm_fc.safetensors"));
    Path file = dir.resolve("meta.safetensors");

    StateDictFiles.write(file, weights, Map.of("format", "pt"));

    assertEquals(Map.of("format", "pt"), Safetensors.read(file).metadata());
  }
}
