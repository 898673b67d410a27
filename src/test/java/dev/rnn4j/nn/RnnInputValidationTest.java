package dev.rnn4j.nn;

import static dev.rnn4j.nn.RnnConfigTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input fails with PyTorch's words (rule, expected, got) and changes nothing. */
class RnnInputValidationTest {
  private final Rnn lstm = Rnn.create(RnnConfig.lstm(10, 20).numLayers(2).build(), 1);
  private final Rnn gru = Rnn.create(RnnConfig.gru(10, 20).numLayers(2).build(), 2);

  private static Tensor zeros(int... shape) {
    return Tensor.zeros(DType.FLOAT32, shape);
  }

  @Test
  void inputRank() {
    assertMessage(
        "LSTM: Expected input to be 2D or 3D, got 4D instead",
        () -> lstm.forward(zeros(5, 3, 10, 1)));
    assertMessage(
        "GRU: Expected input to be 2D or 3D, got 1D instead", () -> gru.forward(zeros(10)));
  }

  @Test
  void inputFeatureSize() {
    assertMessage(
        "input.size(-1) must be equal to input_size. Expected 10, got 12",
        () -> lstm.forward(zeros(5, 3, 12)));
  }

  @Test
  void inputDtype() {
    assertMessage(
        "input must have the type torch.float32, got type torch.float64",
        () -> gru.forward(Tensor.zeros(DType.FLOAT64, 5, 3, 10)));
  }

  @Test
  void hiddenShape() {
    assertMessage(
        "Expected hidden size (2, 3, 20), got [2, 4, 20]",
        () -> gru.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 4, 20))));
    assertMessage(
        "Expected hidden[0] size (2, 3, 20), got [2, 4, 20]",
        () -> lstm.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 4, 20), zeros(2, 3, 20))));
    assertMessage(
        "Expected hidden[1] size (2, 3, 20), got [1, 3, 20]",
        () -> lstm.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 3, 20), zeros(1, 3, 20))));
    assertMessage(
        "Expected hidden size (2, 20), got [2, 21]",
        () -> gru.forward(zeros(5, 10), RnnState.of(zeros(2, 21))));
  }

  @Test
  void hiddenRankMustMatchTheInputs() {
    assertMessage(
        "For batched 3-D input, hx should also be 3-D but got 2-D tensor",
        () -> gru.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 20))));
    assertMessage(
        "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
        () -> gru.forward(zeros(5, 10), RnnState.of(zeros(2, 1, 20))));
    assertMessage(
        "For batched 3-D input, hx and cx should also be 3-D but got (3-D, 2-D) tensors",
        () -> lstm.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 3, 20), zeros(2, 20))));
  }

  @Test
  void cellStateOnlyForLstm() {
    assertMessage(
        "GRU expects a hidden state h0 only, got h0 and c0 (a cell state exists only for LSTM)",
        () -> gru.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 3, 20), zeros(2, 3, 20))));
    assertMessage(
        "LSTM expects hx = (h0, c0), got h0 without c0",
        () -> lstm.forward(zeros(5, 3, 10), RnnState.of(zeros(2, 3, 20))));
  }

  @Test
  void hiddenDtype() {
    assertMessage(
        "hx must have the type torch.float32 (the input's), got type torch.float64",
        () -> gru.forward(zeros(5, 3, 10), RnnState.of(Tensor.zeros(DType.FLOAT64, 2, 3, 20))));
  }

  @Test
  void lengths() {
    assertMessage(
        "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)",
        () -> gru.forward(zeros(5, 3, 10), new int[] {5, 4}));
    assertMessage(
        "Length of all samples has to be greater than 0, but found an element in 'lengths' that is "
            + "<= 0: lengths[1] = 0",
        () -> gru.forward(zeros(5, 3, 10), new int[] {5, 0, 3}));
    assertMessage(
        "Expected every length to be at most the sequence length 5, got lengths[2] = 6",
        () -> gru.forward(zeros(5, 3, 10), new int[] {5, 1, 6}));
    assertMessage(
        "lengths need batched 3-D input, got unbatched 2-D input",
        () -> gru.forward(zeros(5, 10), new int[] {5}));
  }

  @Test
  void emptyInput() {
    assertMessage(
        "Expected input with at least one sequence of at least one step, got size [0, 3, 10]",
        () -> gru.forward(zeros(0, 3, 10)));
  }

  @Test
  void loadStateDictReportsEveryProblemAndChangesNothing() {
    Rnn rnn = Rnn.create(RnnConfig.lstm(3, 4).projSize(2).build(), 7);
    StateDict before = rnn.stateDict();
    Map<String, Tensor> bad = new LinkedHashMap<>(before.asMap());
    bad.remove("weight_hr_l0");
    bad.put("weight_ih_l0", zeros(16, 4));
    bad.put("bias_ih_l1", zeros(16));
    assertMessage(
        "Error(s) in loading state_dict for LSTM(3, 4, proj_size=2): "
            + "Missing key(s) in state_dict: \"weight_hr_l0\". "
            + "Unexpected key(s) in state_dict: \"bias_ih_l1\". "
            + "size mismatch for weight_ih_l0: copying a param with shape [16, 4] from checkpoint, the shape in "
            + "current model is [16, 3].",
        () -> rnn.loadStateDict(StateDict.of(bad)));
    assertEquals(before, rnn.stateDict());
  }

  @Test
  void fromStateDictNeedsOneDtype() {
    RnnConfig config = RnnConfig.rnn(3, 4).build();
    Map<String, Tensor> mixed = new LinkedHashMap<>(Rnn.create(config, 3).stateDict().asMap());
    mixed.put("bias_hh_l0", Tensor.zeros(DType.FLOAT64, 4));
    assertMessage(
        "Error(s) in loading state_dict for RNN(3, 4): every tensor must have one dtype, expected "
            + "float32 (the dtype of the first), got float64 for \"bias_hh_l0\"",
        () -> Rnn.fromStateDict(config, StateDict.of(mixed)));
  }
}
