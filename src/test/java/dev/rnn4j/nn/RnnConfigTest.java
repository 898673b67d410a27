package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.spec.RnnMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RnnConfigTest {

  @Test
  void defaultsArePyTorchs() {
    RnnConfig c = RnnConfig.rnn(10, 20).build();
    assertEquals(RnnMode.RNN_TANH, c.mode());
    assertEquals(Nonlinearity.TANH, c.nonlinearity());
    assertEquals(1, c.numLayers());
    assertTrue(c.bias());
    assertFalse(c.batchFirst());
    assertEquals(0.0, c.dropout());
    assertFalse(c.bidirectional());
    assertEquals(0, c.projSize());
    assertEquals(20, c.outputSize());
    assertEquals(1, c.numDirections());
  }

  @Test
  void printsLikePyTorchsRepr() {
    assertEquals(
        "LSTM(10, 20, num_layers=2, bidirectional=True)",
        RnnConfig.lstm(10, 20).numLayers(2).bidirectional(true).build().toString());
    assertEquals(
        "RNN(1, 2, batch_first=True)", RnnConfig.rnn(1, 2).batchFirst(true).build().toString());
    assertEquals(
        "GRU(3, 5, num_layers=3, bias=False, batch_first=True, dropout=0.5, bidirectional=True)",
        RnnConfig.gru(3, 5)
            .numLayers(3)
            .bias(false)
            .batchFirst(true)
            .dropout(0.5)
            .bidirectional(true)
            .build()
            .toString());
    assertEquals(
        "LSTM(10, 20, proj_size=5)", RnnConfig.lstm(10, 20).projSize(5).build().toString());
    assertEquals(
        "GRU(3, 5, num_layers=2, dropout=1e-05)",
        RnnConfig.gru(3, 5).numLayers(2).dropout(1e-5).build().toString());
    // PyTorch's repr leaves out the nonlinearity; the mode keeps it.
    RnnConfig relu = RnnConfig.rnn(3, 4).nonlinearity(Nonlinearity.RELU).build();
    assertEquals("RNN(3, 4)", relu.toString());
    assertEquals(RnnMode.RNN_RELU, relu.mode());
  }

  @Test
  void derivedSizesFollowTheShapeTable() {
    RnnConfig c = RnnConfig.lstm(10, 20).projSize(5).numLayers(2).bidirectional(true).build();
    assertEquals(5, c.outputSize());
    assertEquals(10, c.layerInputSize(0));
    assertEquals(10, c.layerInputSize(1));
    assertEquals(2, c.numDirections());
  }

  @Test
  void toBuilderAndEqualityRoundTrip() {
    RnnConfig c =
        RnnConfig.rnn(3, 4)
            .nonlinearity(Nonlinearity.RELU)
            .numLayers(2)
            .dropout(0.25)
            .batchFirst(true)
            .bias(false)
            .build();
    assertEquals(c, c.toBuilder().build());
    assertEquals(c.hashCode(), c.toBuilder().build().hashCode());
    assertNotEquals(c, c.toBuilder().numLayers(3).build());
    RnnConfig p = RnnConfig.lstm(3, 4).projSize(2).build();
    assertEquals(p, p.toBuilder().build());
  }

  @Test
  void rejectsWhatPyTorchRejectsWithItsMessages() {
    assertMessage(
        "dropout should be a number in range [0, 1] representing the probability of an element "
            + "being zeroed, got 1.5",
        () -> RnnConfig.lstm(3, 4).numLayers(2).dropout(1.5).build());
    assertMessage(
        "dropout should be a number in range [0, 1] representing the probability of an element "
            + "being zeroed, got -0.1",
        () -> RnnConfig.gru(3, 4).dropout(-0.1).build());
    assertMessage(
        "proj_size has to be smaller than hidden_size. Expected less than 20, got 20",
        () -> RnnConfig.lstm(10, 20).projSize(20).build());
    assertMessage(
        "proj_size should be a positive integer or zero to disable projections, got -1",
        () -> RnnConfig.lstm(10, 20).projSize(-1).build());
    assertMessage(
        "proj_size argument is only supported for LSTM, not RNN or GRU",
        () -> RnnConfig.gru(10, 20).projSize(5).build());
    assertMessage(
        "hidden_size must be greater than zero, got 0", () -> RnnConfig.rnn(10, 0).build());
    assertMessage(
        "input_size must be greater than zero, got -3", () -> RnnConfig.rnn(-3, 4).build());
    assertMessage(
        "num_layers must be greater than zero, got 0",
        () -> RnnConfig.gru(3, 4).numLayers(0).build());
    assertMessage(
        "nonlinearity argument is only supported for RNN, not LSTM",
        () -> RnnConfig.lstm(3, 4).nonlinearity(Nonlinearity.RELU).build());
    assertMessage(
        "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.",
        () -> Nonlinearity.fromTorchName("sigmoid"));
  }

  static void assertMessage(String expected, Executable e) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, e).getMessage());
  }
}
