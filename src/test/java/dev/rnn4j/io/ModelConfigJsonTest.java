package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.Nonlinearity;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.spec.RnnMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model config JSON: PyTorch's constructor arguments, parsed strictly. */
class ModelConfigJsonTest {
  @TempDir Path dir;

  @Test
  void missingOptionalKeysTakePyTorchsDefaults() {
    RnnConfig c =
        ModelConfigJson.parse("{\"mode\": \"GRU\", \"input_size\": 3, \"hidden_size\": 5}");

    assertEquals(RnnConfig.gru(3, 5).build(), c);
    assertEquals(1, c.numLayers());
    assertEquals(true, c.bias());
    assertEquals(false, c.batchFirst());
    assertEquals(0.0, c.dropout());
    assertEquals(false, c.bidirectional());
    assertEquals(0, c.projSize());
  }

  @Test
  void everyKey() {
    RnnConfig c =
        ModelConfigJson.parse(
            "{\"mode\": \"LSTM\", \"input_size\": 10, \"hidden_size\": 20, "
                + "\"num_layers\": 2, \"bias\": false, \"batch_first\": true, \"dropout\": 0.25, "
                + "\"bidirectional\": true, \"proj_size\": 7}");

    assertEquals(
        RnnConfig.lstm(10, 20)
            .numLayers(2)
            .bias(false)
            .batchFirst(true)
            .dropout(0.25)
            .bidirectional(true)
            .projSize(7)
            .build(),
        c);
  }

  @Test
  void reluNonlinearityMakesRnnRelu() {
    RnnConfig c =
        ModelConfigJson.parse(
            "{\"mode\": \"RNN\", \"input_size\": 1, \"hidden_size\": 2, \"nonlinearity\": \"relu\"}");

    assertEquals(RnnMode.RNN_RELU, c.mode());
    assertEquals(Nonlinearity.RELU, c.nonlinearity());
  }

  @Test
  void tanhNonlinearityIsTheRnnDefault() {
    assertEquals(
        RnnMode.RNN_TANH,
        ModelConfigJson.parse(
                "{\"mode\": \"RNN\", \"input_size\": 1, \"hidden_size\": 2, \"nonlinearity\": \"tanh\"}")
            .mode());
    assertEquals(
        RnnMode.RNN_TANH,
        ModelConfigJson.parse("{\"mode\": \"RNN\", \"input_size\": 1, \"hidden_size\": 2}").mode());
  }

  @Test
  void projSizeForLstm() {
    RnnConfig c =
        ModelConfigJson.parse(
            "{\"mode\": \"LSTM\", \"input_size\": 4, \"hidden_size\": 6, \"proj_size\": 3}");

    assertEquals(3, c.projSize());
    assertEquals(3, c.outputSize());
  }

  @Test
  void dropoutMayBeAJsonInteger() {
    assertEquals(
        1.0,
        ModelConfigJson.parse(
                "{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 1, "
                    + "\"num_layers\": 2, \"dropout\": 1}")
            .dropout());
  }

  // ---- toJson -----------------------------------------------------------------------------------

  @Test
  void toJsonIsPythonsJsonDumpWithIndentTwo() {
    assertEquals(
        "{\n"
            + "  \"mode\": \"RNN\",\n"
            + "  \"input_size\": 1,\n"
            + "  \"hidden_size\": 2,\n"
            + "  \"num_layers\": 1,\n"
            + "  \"bias\": true,\n"
            + "  \"batch_first\": true,\n"
            + "  \"dropout\": 0.0,\n"
            + "  \"bidirectional\": false,\n"
            + "  \"nonlinearity\": \"relu\"\n"
            + "}\n",
        ModelConfigJson.toJson(RnnConfig.builder(RnnMode.RNN_RELU, 1, 2).batchFirst(true).build()));
    assertEquals(
        "{\n"
            + "  \"mode\": \"LSTM\",\n"
            + "  \"input_size\": 3,\n"
            + "  \"hidden_size\": 5,\n"
            + "  \"num_layers\": 2,\n"
            + "  \"bias\": false,\n"
            + "  \"batch_first\": false,\n"
            + "  \"dropout\": 1e-05,\n"
            + "  \"bidirectional\": true,\n"
            + "  \"proj_size\": 0\n"
            + "}\n",
        ModelConfigJson.toJson(
            RnnConfig.lstm(3, 5)
                .numLayers(2)
                .bias(false)
                .dropout(1e-5)
                .bidirectional(true)
                .build()));
    assertEquals(
        "{\n"
            + "  \"mode\": \"GRU\",\n"
            + "  \"input_size\": 4,\n"
            + "  \"hidden_size\": 4,\n"
            + "  \"num_layers\": 3,\n"
            + "  \"bias\": true,\n"
            + "  \"batch_first\": false,\n"
            + "  \"dropout\": 0.5,\n"
            + "  \"bidirectional\": false\n"
            + "}\n",
        ModelConfigJson.toJson(RnnConfig.gru(4, 4).numLayers(3).dropout(0.5).build()));
  }

  @Test
  void toJsonThenParseGivesTheSameConfig() {
    List<RnnConfig> configs =
        List.of(
            RnnConfig.rnn(1, 1).build(),
            RnnConfig.builder(RnnMode.RNN_RELU, 3, 7).numLayers(3).bidirectional(true).build(),
            RnnConfig.lstm(10, 20).numLayers(2).dropout(0.1).batchFirst(true).build(),
            RnnConfig.lstm(4, 6).projSize(5).bias(false).build(),
            RnnConfig.gru(8, 16)
                .numLayers(4)
                .dropout(0.3333333333333333)
                .bidirectional(true)
                .build(),
            RnnConfig.gru(2, 2).dropout(1.0).numLayers(2).build());
    for (RnnConfig c : configs) {
      assertEquals(c, ModelConfigJson.parse(ModelConfigJson.toJson(c)), c.toString());
    }
  }

  @Test
  void readAFile() throws IOException {
    Path path = dir.resolve("config.json");
    RnnConfig c = RnnConfig.lstm(3, 5).numLayers(2).build();
    Files.writeString(path, ModelConfigJson.toJson(c));

    assertEquals(c, ModelConfigJson.read(path));
  }

  @Test
  void readPrefixesMessagesWithThePath() throws IOException {
    Path path = dir.resolve("config.json");
    Files.writeString(path, "{\"mode\": \"RNN\", \"input_size\": 1}");

    assertEquals(
        path + ": model config is missing required key \"hidden_size\"",
        assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.read(path))
            .getMessage());
  }

  @Test
  void readRefusesInvalidUtf8() throws IOException {
    Path path = dir.resolve("config.json");
    Files.write(path, new byte[] {'{', '"', (byte) 0xc3, '"', '}'});

    assertEquals(
        path + ": file is not valid UTF-8",
        assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.read(path))
            .getMessage());
  }

  @Test
  void readRefusesAnOversizedFile() throws IOException {
    Path path = dir.resolve("config.json");
    Files.writeString(path, " ".repeat((1 << 20) + 1));

    assertEquals(
        path + ": file is over the 1048576 bytes a model config may have",
        assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.read(path))
            .getMessage());
  }

  // ---- errors -----------------------------------------------------------------------------------

  @Test
  void unknownKey() {
    assertEquals(
        "model config has unknown key \"hidden\"; the keys are mode, input_size, hidden_size, "
            + "num_layers, bias, batch_first, dropout, bidirectional, nonlinearity, proj_size",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden\": 2}"));
  }

  @Test
  void integerGivenAsAString() {
    assertEquals(
        "num_layers must be an integer, got \"2\"",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"num_layers\": \"2\"}"));
  }

  @Test
  void integerGivenAsAFloat() {
    assertEquals(
        "hidden_size must be an integer, got 2.0",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2.0}"));
  }

  @Test
  void integerOutOfRange() {
    assertEquals(
        "input_size must be an integer in [-2147483648, 2147483647], got 3000000000",
        error("{\"mode\": \"GRU\", \"input_size\": 3000000000, \"hidden_size\": 2}"));
  }

  @Test
  void booleanGivenAsANumber() {
    assertEquals(
        "bidirectional must be a boolean, got 1",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"bidirectional\": 1}"));
    assertEquals(
        "bias must be a boolean, got \"true\"",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"bias\": \"true\"}"));
    assertEquals(
        "batch_first must be a boolean, got null",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"batch_first\": null}"));
  }

  @Test
  void dropoutGivenAsAString() {
    assertEquals(
        "dropout must be a number, got \"0.5\"",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"dropout\": \"0.5\"}"));
  }

  @Test
  void badMode() {
    assertEquals(
        "mode must be one of \"RNN\", \"LSTM\", \"GRU\", got \"lstm\"",
        error("{\"mode\": \"lstm\", \"input_size\": 1, \"hidden_size\": 2}"));
    assertEquals(
        "mode must be one of \"RNN\", \"LSTM\", \"GRU\", got \"RNN_RELU\"",
        error("{\"mode\": \"RNN_RELU\", \"input_size\": 1, \"hidden_size\": 2}"));
    assertEquals(
        "mode must be one of \"RNN\", \"LSTM\", \"GRU\", got 2",
        error("{\"mode\": 2, \"input_size\": 1, \"hidden_size\": 2}"));
  }

  @Test
  void missingRequiredKeys() {
    assertEquals(
        "model config is missing required key \"input_size\"",
        error("{\"mode\": \"GRU\", \"hidden_size\": 2}"));
    assertEquals(
        "model config is missing required key \"mode\"",
        error("{\"input_size\": 1, \"hidden_size\": 2}"));
  }

  @Test
  void badNonlinearity() {
    assertEquals(
        "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.",
        error(
            "{\"mode\": \"RNN\", \"input_size\": 1, \"hidden_size\": 2, \"nonlinearity\": \"sigmoid\"}"));
    assertEquals(
        "nonlinearity must be a string, got true",
        error(
            "{\"mode\": \"RNN\", \"input_size\": 1, \"hidden_size\": 2, \"nonlinearity\": true}"));
  }

  @Test
  void nonlinearityIsForRnnOnly() {
    assertEquals(
        "nonlinearity argument is only supported for RNN, not LSTM",
        error(
            "{\"mode\": \"LSTM\", \"input_size\": 1, \"hidden_size\": 2, \"nonlinearity\": \"tanh\"}"));
  }

  @Test
  void projSizeIsForLstmOnlyUnlessZero() {
    assertEquals(
        "proj_size argument is only supported for LSTM, not RNN or GRU",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 4, \"proj_size\": 2}"));
    assertEquals(
        0,
        ModelConfigJson.parse(
                "{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 4, \"proj_size\": 0}")
            .projSize());
  }

  @Test
  void invalidValuesAreReportedByRnnConfig() {
    assertEquals(
        "dropout should be a number in range [0, 1] representing the probability of an element "
            + "being zeroed, got 1.5",
        error(
            "{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2, \"num_layers\": 2, "
                + "\"dropout\": 1.5}"));
    assertEquals(
        "hidden_size must be greater than zero, got 0",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 0}"));
    assertEquals(
        "proj_size has to be smaller than hidden_size. Expected less than 2, got 2",
        error("{\"mode\": \"LSTM\", \"input_size\": 1, \"hidden_size\": 2, \"proj_size\": 2}"));
  }

  @Test
  void malformedJsonGivesTheParsersLocation() {
    assertEquals(
        "model config is not valid JSON: Unexpected character ('}' (code 125)): was expecting "
            + "double-quote to start field name (line 1, column 16)",
        error("{\"mode\": \"GRU\",}"));
  }

  @Test
  void duplicateKey() {
    assertEquals(
        "model config is not valid JSON: Duplicate field 'mode' (line 1, column 23)",
        error("{\"mode\": \"GRU\", \"mode\": \"LSTM\", \"input_size\": 1, \"hidden_size\": 2}"));
  }

  @Test
  void trailingContent() {
    assertEquals(
        "model config is not valid JSON: content after the config object (line 1, column 52)",
        error("{\"mode\": \"GRU\", \"input_size\": 1, \"hidden_size\": 2} {}"));
  }

  @Test
  void notAnObject() {
    assertEquals("model config must be a JSON object, got [1]", error("[1]"));
    assertEquals("model config must be a JSON object, got null", error("null"));
    assertEquals("model config must be a JSON object, got no JSON value", error("  "));
  }

  private static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.parse(json))
        .getMessage();
  }
}
