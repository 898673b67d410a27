package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.Parameter;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** OptimizerConfig: PyTorch's defaults, its validation messages, and the strict JSON form. */
class OptimizerConfigTest {

  private static String message(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  @Test
  void factoriesTakePyTorchDefaults() {
    assertEquals(
        new OptimizerConfig("sgd", 0.1, 0, 0, 0, false, 0, 0, 0, false), OptimizerConfig.sgd(0.1));
    assertEquals(
        new OptimizerConfig("adam", 1e-3, 0, 0, 0, false, 0.9, 0.999, 1e-8, false),
        OptimizerConfig.adam(1e-3));
    assertEquals(
        new OptimizerConfig("adamw", 1e-3, 0, 0, 1e-2, false, 0.9, 0.999, 1e-8, false),
        OptimizerConfig.adamw(1e-3));
  }

  @Test
  void createBuildsTheMatchingOptimizer() {
    List<Parameter> params = List.of(Parameter.of("w", Tensor.of(new float[] {1f, 2f}, 2)));
    assertInstanceOf(Sgd.class, OptimizerConfig.sgd(0.1).create(params));
    assertInstanceOf(Adam.class, OptimizerConfig.adam(0.1).create(params));
    assertInstanceOf(AdamW.class, OptimizerConfig.adamw(0.1).create(params));
    OptimizerConfig c = OptimizerConfig.adam(0.1).withAmsgrad(true);
    Optimizer opt = c.create(params);
    assertEquals(c, opt.config());
    assertEquals(params, opt.parameters());
  }

  @Test
  void withersChangeOneArgument() {
    OptimizerConfig sgd =
        OptimizerConfig.sgd(0.1)
            .withMomentum(0.9)
            .withNesterov(true)
            .withWeightDecay(1e-4)
            .withLr(0.2);
    assertEquals(new OptimizerConfig("sgd", 0.2, 0.9, 0, 1e-4, true, 0, 0, 0, false), sgd);
    assertEquals(0.5, OptimizerConfig.sgd(0.1).withMomentum(0.9).withDampening(0.5).dampening());
    OptimizerConfig adam =
        OptimizerConfig.adam(1e-3).withBetas(0.8, 0.99).withEps(1e-6).withAmsgrad(true);
    assertEquals(new OptimizerConfig("adam", 1e-3, 0, 0, 0, false, 0.8, 0.99, 1e-6, true), adam);
  }

  @Test
  void sgdValidationUsesTorchMessagesInTorchOrder() {
    assertEquals("Invalid learning rate: -1.0", message(() -> OptimizerConfig.sgd(-1)));
    assertEquals(
        "Invalid momentum value: -0.5", message(() -> OptimizerConfig.sgd(0.1).withMomentum(-0.5)));
    assertEquals(
        "Invalid weight_decay value: -0.1",
        message(() -> OptimizerConfig.sgd(0.1).withWeightDecay(-0.1)));
    assertEquals(
        "Nesterov momentum requires a momentum and zero dampening",
        message(() -> OptimizerConfig.sgd(0.1).withNesterov(true)));
    assertEquals(
        "Nesterov momentum requires a momentum and zero dampening",
        message(
            () ->
                OptimizerConfig.sgd(0.1).withMomentum(0.9).withDampening(0.1).withNesterov(true)));
    // torch.optim checks lr first, then momentum, then weight decay.
    assertEquals(
        "Invalid learning rate: -1.0",
        message(() -> new OptimizerConfig("sgd", -1, -1, 0, -1, false, 0, 0, 0, false)));
    assertEquals(
        "Invalid momentum value: -1.0",
        message(() -> new OptimizerConfig("sgd", 1, -1, 0, -1, false, 0, 0, 0, false)));
  }

  @Test
  void adamValidationUsesTorchMessagesInTorchOrder() {
    assertEquals("Invalid learning rate: -0.001", message(() -> OptimizerConfig.adam(-1e-3)));
    assertEquals(
        "Invalid epsilon value: -1e-08", message(() -> OptimizerConfig.adam(1e-3).withEps(-1e-8)));
    assertEquals(
        "Invalid beta parameter at index 0: 1.5",
        message(() -> OptimizerConfig.adam(1e-3).withBetas(1.5, 0.999)));
    assertEquals(
        "Invalid beta parameter at index 1: 1.0",
        message(() -> OptimizerConfig.adamw(1e-3).withBetas(0.9, 1.0)));
    assertEquals(
        "Invalid beta parameter at index 0: -0.1",
        message(() -> OptimizerConfig.adam(1e-3).withBetas(-0.1, 1.0)));
    assertEquals(
        "Invalid weight_decay value: -0.01",
        message(() -> OptimizerConfig.adamw(1e-3).withWeightDecay(-0.01)));
    assertEquals(
        "Invalid epsilon value: -1.0",
        message(() -> new OptimizerConfig("adam", 1e-3, 0, 0, -1, false, 2, 0.999, -1, false)));
  }

  @Test
  void nonFiniteValuesAreRejected() {
    assertEquals("Invalid learning rate: nan", message(() -> OptimizerConfig.sgd(Double.NaN)));
    assertEquals(
        "Invalid learning rate: inf",
        message(() -> OptimizerConfig.adam(Double.POSITIVE_INFINITY)));
    assertEquals(
        "Invalid dampening value: nan",
        message(() -> OptimizerConfig.sgd(0.1).withDampening(Double.NaN)));
    assertEquals(
        "Invalid beta parameter at index 0: nan",
        message(() -> OptimizerConfig.adam(0.1).withBetas(Double.NaN, 0.9)));
  }

  @Test
  void argumentsOfOtherTypesMustBeUnset() {
    assertEquals(
        "momentum is not an argument of torch.optim.Adam: it must be 0.0 for type \"adam\", got 0.9",
        message(() -> OptimizerConfig.adam(1e-3).withMomentum(0.9)));
    assertEquals(
        "nesterov is not an argument of torch.optim.AdamW: it must be false for type \"adamw\"",
        message(() -> OptimizerConfig.adamw(1e-3).withNesterov(true)));
    assertEquals(
        "beta1 is not an argument of torch.optim.SGD: it must be 0.0 for type \"sgd\", got 0.9",
        message(() -> OptimizerConfig.sgd(0.1).withBetas(0.9, 0.999)));
    assertEquals(
        "amsgrad is not an argument of torch.optim.SGD: it must be false for type \"sgd\"",
        message(() -> OptimizerConfig.sgd(0.1).withAmsgrad(true)));
    assertEquals(
        "type must be one of \"sgd\", \"adam\", \"adamw\", got \"rmsprop\"",
        message(() -> new OptimizerConfig("rmsprop", 0.1, 0, 0, 0, false, 0, 0, 0, false)));
    assertEquals(
        "type must be one of \"sgd\", \"adam\", \"adamw\", got null",
        message(() -> new OptimizerConfig(null, 0.1, 0, 0, 0, false, 0, 0, 0, false)));
  }

  @Test
  void toStringReadsLikePyTorch() {
    assertEquals(
        "SGD(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)",
        OptimizerConfig.sgd(0.1).withMomentum(0.9).withNesterov(true).toString());
    assertEquals(
        "AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False)",
        OptimizerConfig.adamw(1e-3).toString());
  }

  @Test
  void jsonIsPythonsIndentedDump() {
    assertEquals(
        "{\n  \"type\": \"sgd\",\n  \"lr\": 0.1,\n  \"momentum\": 0.9,\n  \"dampening\": 0.0,\n"
            + "  \"weight_decay\": 0.0001,\n  \"nesterov\": true\n}\n",
        OptimizerConfig.sgd(0.1)
            .withMomentum(0.9)
            .withNesterov(true)
            .withWeightDecay(1e-4)
            .toJson());
    assertEquals(
        "{\n  \"type\": \"adamw\",\n  \"lr\": 0.001,\n  \"betas\": [\n    0.9,\n    0.999\n  ],\n"
            + "  \"eps\": 1e-08,\n  \"weight_decay\": 0.01,\n  \"amsgrad\": false\n}\n",
        OptimizerConfig.adamw(1e-3).toJson());
  }

  @Test
  void jsonRoundTrips() {
    for (OptimizerConfig c :
        List.of(
            OptimizerConfig.sgd(0.1),
            OptimizerConfig.sgd(3e-5).withMomentum(0.99).withDampening(0.25).withWeightDecay(5e-4),
            OptimizerConfig.sgd(1).withMomentum(0.5).withNesterov(true),
            OptimizerConfig.adam(1e-3),
            OptimizerConfig.adam(0.1).withBetas(0.0, 0.0).withEps(0).withAmsgrad(true),
            OptimizerConfig.adamw(2e-4).withWeightDecay(0).withBetas(0.123456789, 0.987654321))) {
      assertEquals(c, OptimizerConfig.fromJson(c.toJson()), c.toString());
    }
  }

  @Test
  void jsonTakesDefaultsForMissingOptionalKeys() {
    assertEquals(
        OptimizerConfig.sgd(0.5), OptimizerConfig.fromJson("{\"type\": \"sgd\", \"lr\": 0.5}"));
    assertEquals(OptimizerConfig.adam(1e-3), OptimizerConfig.fromJson("{\"type\":\"adam\"}"));
    assertEquals(OptimizerConfig.adamw(1e-3), OptimizerConfig.fromJson("{\"type\":\"adamw\"}"));
    // Python writes torch's integer defaults as integers.
    assertEquals(
        OptimizerConfig.sgd(1),
        OptimizerConfig.fromJson(
            "{\"type\":\"sgd\",\"lr\":1,\"momentum\":0,\"dampening\":0,\"weight_decay\":0,\"nesterov\":false}"));
  }

  @Test
  void jsonIsStrict() {
    assertEquals(
        "optimizer config of type \"sgd\" has unknown key \"betas\"; the keys are type, lr, momentum, "
            + "dampening, weight_decay, nesterov",
        message(
            () -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":0.1,\"betas\":[0.9,0.999]}")));
    assertEquals(
        "optimizer config of type \"adam\" has unknown key \"momentum\"; the keys are type, lr, betas, "
            + "eps, weight_decay, amsgrad",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"adam\",\"momentum\":0.9}")));
    assertEquals(
        "optimizer config is missing required key \"type\"",
        message(() -> OptimizerConfig.fromJson("{\"lr\":0.1}")));
    assertEquals(
        "optimizer config is missing required key \"lr\" (torch.optim.SGD has no default)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\"}")));
    assertEquals(
        "type must be one of \"sgd\", \"adam\", \"adamw\", got \"Adam\"",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"Adam\"}")));
    assertEquals(
        "type must be a string, got 1", message(() -> OptimizerConfig.fromJson("{\"type\":1}")));
    assertEquals(
        "lr must be a number, got \"0.1\"",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":\"0.1\"}")));
    assertEquals(
        "lr must be a number, got null",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":null}")));
    assertEquals(
        "nesterov must be a boolean, got 1",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":0.1,\"nesterov\":1}")));
    assertEquals(
        "betas must be an array of two numbers, got [0.9]",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"adam\",\"betas\":[0.9]}")));
    assertEquals(
        "betas[1] must be a number, got true",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"adam\",\"betas\":[0.9, true]}")));
    assertEquals(
        "optimizer config must be a JSON object, got [1]",
        message(() -> OptimizerConfig.fromJson("[1]")));
    // The values are then validated by the constructor, with torch.optim's messages.
    assertEquals(
        "Invalid beta parameter at index 1: 1.5",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"adam\",\"betas\":[0.9, 1.5]}")));
  }

  @Test
  void malformedJsonNamesThePlace() {
    assertEquals(
        "optimizer config is not valid JSON: Duplicate field 'lr' (line 1, column 26)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":1,\"lr\":2}")));
    assertEquals(
        "optimizer config is not valid JSON: Unexpected character ('\"' (code 34)): was expecting comma "
            + "to separate Object entries (line 2, column 1)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\"\n\"lr\":1}")));
    assertEquals(
        "optimizer config is not valid JSON: Trailing token (of type START_OBJECT) found after value "
            + "(bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
            + "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS` (line 1, column 17)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"adam\"} {}")));
    assertEquals(
        "optimizer config is not valid JSON: no JSON value",
        message(() -> OptimizerConfig.fromJson("  ")));
    assertEquals(
        "optimizer config is not valid JSON: Unexpected character ('}' (code 125)) in numeric value: "
            + "Decimal point not followed by a digit (line 1, column 21)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":1.}")));
    assertEquals(
        "optimizer config is not valid JSON: Non-standard token 'NaN': enable "
            + "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow (line 1, column 23)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":NaN}")));
    // A number beyond the range of a double reads as infinity, which validation refuses.
    assertEquals(
        "Invalid learning rate: inf",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd\",\"lr\":1e999}")));
    assertEquals(
        "optimizer config is not valid JSON: Unexpected end-of-input: was expecting closing quote for a "
            + "string value (line 1, column 13)",
        message(() -> OptimizerConfig.fromJson("{\"type\":\"sgd")));
    assertEquals(
        "optimizer config is not valid JSON: Document nesting depth (1001) exceeds the maximum allowed "
            + "(1000, from `StreamReadConstraints.getMaxNestingDepth()`)",
        message(() -> OptimizerConfig.fromJson("[".repeat(2000))));
  }

  @Test
  void jsonEscapesAreDecoded() {
    assertEquals(
        OptimizerConfig.sgd(0.25),
        OptimizerConfig.fromJson("{\"\\u0074ype\": \"s\\u0067d\", \"lr\": 2.5E-1}"));
    assertFalse(OptimizerConfig.sgd(0.1).equals(OptimizerConfig.sgd(0.2)));
  }
}
