package dev.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.DType;
import org.junit.jupiter.api.Test;

/**
 * {@code summary()}: torchinfo's table, one row per parameter. The counts are checked against
 * PyTorch in {@code io.ParameterCountTest}; here the layout and the bytes per dtype.
 */
class ModuleSummaryTest {
  @Test
  void rnnSummaryListsEveryParameterAndTheTotal() {
    try (Rnn rnn = Rnn.create(RnnConfig.lstm(10, 20).build(), 1)) {
      assertEquals(
          String.join(
              "\n",
              "=============================================",
              "Layer (type)  Parameter     Shape     Param #",
              "=============================================",
              "LSTM(10, 20)  weight_ih_l0  [80, 10]      800",
              "              weight_hh_l0  [80, 20]    1,600",
              "              bias_ih_l0    [80]           80",
              "              bias_hh_l0    [80]           80",
              "=============================================",
              "Total params: 2,560",
              "Params size (float32): 10,240 bytes",
              "============================================="),
          rnn.summary());
      // 4 * H * (H_in + H + 2), PyTorch's count for LSTM(10, 20).
      assertEquals(4 * 20 * (10 + 20 + 2), rnn.parameterCount());
    }
  }

  @Test
  void sequenceModelSummaryGroupsTheParametersByLayer() {
    RnnConfig gru = RnnConfig.gru(8, 32).batchFirst(true).build();
    try (SequenceModel model =
        SequenceModel.create(SequenceModelConfig.manyToOne(gru, 1), 1).to(DType.FLOAT64)) {
      assertEquals(
          String.join(
              "\n",
              "======================================================================================",
              "Layer (type)                                       Parameter         Shape     Param"
                  + " #",
              "======================================================================================",
              "GRU(8, 32, batch_first=True)                       rnn.weight_ih_l0  [96, 8]      "
                  + " 768",
              "                                                   rnn.weight_hh_l0  [96, 32]   "
                  + " 3,072",
              "                                                   rnn.bias_ih_l0    [96]          "
                  + " 96",
              "                                                   rnn.bias_hh_l0    [96]          "
                  + " 96",
              "Linear(in_features=32, out_features=1, bias=True)  head.weight       [1, 32]       "
                  + " 32",
              "                                                   head.bias         [1]            "
                  + " 1",
              "======================================================================================",
              "Total params: 4,065",
              "Params size (float64): 32,520 bytes",
              "======================================================================================"),
          model.summary());
    }
  }

  @Test
  void layersWithoutBiasHaveNoBiasRows() {
    RnnConfig rnn = RnnConfig.rnn(2, 3).bias(false).build();
    try (SequenceModel model =
        SequenceModel.create(new SequenceModelConfig(rnn, 2, false, false), 1)) {
      assertEquals(
          String.join(
              "\n",
              "====================================================================================",
              "Layer (type)                                       Parameter         Shape   Param"
                  + " #",
              "====================================================================================",
              "RNN(2, 3, bias=False)                              rnn.weight_ih_l0  [3, 2]       "
                  + " 6",
              "                                                   rnn.weight_hh_l0  [3, 3]       "
                  + " 9",
              "Linear(in_features=3, out_features=2, bias=False)  head.weight       [2, 3]       "
                  + " 6",
              "====================================================================================",
              "Total params: 21",
              "Params size (float32): 84 bytes",
              "===================================================================================="),
          model.summary());
      assertEquals(3 * 2 + 3 * 3 + 2 * 3, model.parameterCount());
    }
  }
}
