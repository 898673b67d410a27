package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.RnnConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bounds on sizes that model JSON may ask for, in PyTorch's grammar, and that they allow. */
class SizeLimitsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"num_layers\": 2147483647 | num_layers must be at most 1024, got 2147483647",
        "\"num_layers\": 1025 | num_layers must be at most 1024, got 1025",
        "\"proj_size\": 1048577 | proj_size must be at most 1048576, got 1048577",
      })
  void modelConfigValuesAboveTheirBoundAreRefused(String entry, String message) {
    String json = "{\"mode\": \"LSTM\", \"input_size\": 2, \"hidden_size\": 3, " + entry + "}";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelConfigJson.parse(json));
    assertEquals(message, e.getMessage());
  }

  @Test
  void featureSizesAreBounded() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ModelConfigJson.parse(
                    "{\"mode\": \"GRU\", \"input_size\": 2147483647, " + "\"hidden_size\": 3}"));
    assertEquals("input_size must be at most 1048576, got 2147483647", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ModelConfigJson.parse(
                    "{\"mode\": \"GRU\", \"input_size\": 2, " + "\"hidden_size\": 1048577}"));
    assertEquals("hidden_size must be at most 1048576, got 1048577", e.getMessage());
  }

  @Test
  void theBoundsThemselvesAreAllowed() {
    RnnConfig config =
        ModelConfigJson.parse(
            "{\"mode\": \"RNN\", \"input_size\": 1048576, "
                + "\"hidden_size\": 1048576, \"num_layers\": 1024}");
    assertEquals(1024, config.numLayers());
    assertEquals(1048576, config.hiddenSize());
  }

  @Test
  void headSizesAreBounded() {
    String rnn = "{\"mode\": \"GRU\", \"input_size\": 2, \"hidden_size\": 3}";
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SequenceModelJson.parse(
                    "{\"rnn\": "
                        + rnn
                        + ", \"head\": {\"in_features\": 3, "
                        + "\"out_features\": 2000000000, \"bias\": true}, \"many_to_one\": true}"));
    assertEquals("out_features must be at most 1048576, got 2000000000", e.getMessage());
  }

  @Test
  void checkAtMostNamesTheValueAsGiven() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SizeLimits.checkAtMost("--num-layers", 10_000, SizeLimits.MAX_NUM_LAYERS));
    assertEquals("--num-layers must be at most 1024, got 10000", e.getMessage());
    SizeLimits.checkAtMost("--num-layers", 1024, SizeLimits.MAX_NUM_LAYERS);
  }
}
