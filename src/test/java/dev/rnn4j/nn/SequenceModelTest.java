package dev.rnn4j.nn;

import static dev.rnn4j.nn.RnnConfigTest.assertMessage;
import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.DType;
import dev.rnn4j.io.Safetensors;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SequenceModelJson;
import dev.rnn4j.io.StateDictFiles;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Fixtures;
import dev.rnn4j.testing.Fixtures.FixtureCase;
import dev.rnn4j.testing.Tolerance;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Models trained or built in PyTorch predict the same in rnn4j; names, shapes and checks of the
 * model.
 */
class SequenceModelTest {

  @TestFactory
  Stream<DynamicTest> pyTorchModelsPredictTheSame() {
    return Fixtures.cases("model").stream().map(c -> dynamicTest(c.id(), () -> checkPrediction(c)));
  }

  private static void checkPrediction(FixtureCase c) throws IOException {
    SequenceModelConfig config = SequenceModelJson.read(c.dir().resolve("model.json"));
    SafetensorsFile in = Safetensors.read(c.dir().resolve("input.safetensors"));
    SafetensorsFile expected = Safetensors.read(c.dir().resolve("expected.safetensors"));
    try (SequenceModel model =
        SequenceModel.fromStateDict(
            config, StateDictFiles.read(c.dir().resolve("weights.safetensors")))) {
      Tensor prediction = model.eval().forward(in.tensor("input"), lengths(in));
      Tolerance bar = Tolerance.model(c);
      assertClose(
          expected.tensor("prediction"),
          prediction,
          bar.atol(),
          bar.rtol(),
          c.id() + " prediction");
    }
  }

  static int[] lengths(SafetensorsFile in) {
    return in.contains("lengths")
        ? Arrays.stream(in.int64s("lengths")).mapToInt(Math::toIntExact).toArray()
        : null;
  }

  @Test
  void namesAreThoseOfAPyTorchModuleWithSubmodulesRnnAndHead() {
    SequenceModelConfig config =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(1, 16).numLayers(2).batchFirst(true).build(), 2);
    SequenceModel model = SequenceModel.create(config, 1);
    List<String> names = model.stateDict().names();
    assertEquals("rnn.weight_ih_l0", names.get(0));
    assertEquals(
        List.of("head.weight", "head.bias"), names.subList(names.size() - 2, names.size()));
    assertArrayEquals(new int[] {2, 16}, model.stateDict().get("head.weight").shape());
    assertEquals(
        "SequenceModel(rnn=LSTM(1, 16, num_layers=2, batch_first=True), head=Linear(in_features=16, "
            + "out_features=2, bias=True), many_to_one=True)",
        config.toString());
    assertEquals(config, SequenceModelJson.parse(SequenceModelJson.toJson(config)));
  }

  @Test
  void loadingReportsEveryProblemUnderTheModelsNames() {
    SequenceModelConfig config = SequenceModelConfig.manyToMany(RnnConfig.gru(3, 4).build(), 2);
    SequenceModel model = SequenceModel.create(config, 2);
    Map<String, Tensor> bad = new LinkedHashMap<>(model.stateDict().asMap());
    bad.remove("rnn.bias_hh_l0");
    bad.put("head.weight", Tensor.zeros(DType.FLOAT32, 2, 5));
    bad.put("head.scale", Tensor.zeros(DType.FLOAT32, 2));
    StateDict before = model.stateDict();
    assertMessage(
        "Error(s) in loading state_dict for "
            + config
            + ": Missing key(s) in state_dict: "
            + "\"rnn.bias_hh_l0\". Unexpected key(s) in state_dict: \"head.scale\". size mismatch for head.weight: "
            + "copying a param with shape [2, 5] from checkpoint, the shape in current model is [2, 4].",
        () -> model.loadStateDict(StateDict.of(bad)));
    assertEquals(before, model.stateDict());
    assertMessage(
        "SequenceModel expects batched 3-D input, got 2D input of size [5, 3]",
        () -> model.forward(Tensor.zeros(DType.FLOAT32, 5, 3), null));
  }
}
