package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What optimizers, gradients and loadState() refuse, with messages naming the parameter, and that a
 * refusal changes nothing.
 */
class OptimizerValidationTest {
  private static final StateDict PARAMS =
      dict(
          "weight",
          Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
          "bias",
          Tensor.of(new float[] {0.5f, -0.5f}, 2));
  private static final StateDict GRADS =
      dict(
          "weight",
          Tensor.of(new float[] {1, 1, 1, 1, 1, 1}, 2, 3),
          "bias",
          Tensor.of(new float[] {1, -1}, 2));

  private static StateDict dict(Object... nameTensor) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < nameTensor.length; i += 2) {
      m.put((String) nameTensor[i], (Tensor) nameTensor[i + 1]);
    }
    return StateDict.of(m);
  }

  private static String message(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  /** PARAMS as new standalone parameters, with GRADS as their gradients. */
  private static List<Parameter> withGrads() {
    List<Parameter> params = Params.of(PARAMS);
    Params.setGrads(params, GRADS);
    return params;
  }

  @Test
  void gradsMustMatchTheParameters() {
    List<Parameter> params = Params.of(PARAMS);
    Optimizer opt = OptimizerConfig.adam(0.1).create(params);
    Parameter weight = params.get(0);
    Parameter bias = params.get(1);
    assertEquals(
        "grad of \"weight\" has shape [3, 2] and dtype float32, expected [2, 3] and float32 (the "
            + "parameter's)",
        message(() -> weight.accumulateGrad(Tensor.zeros(DType.FLOAT32, 3, 2))));
    assertEquals(
        "grad of \"bias\" has shape [2] and dtype float64, expected [2] and float32 (the "
            + "parameter's)",
        message(() -> bias.accumulateGrad(Tensor.zeros(DType.FLOAT64, 2))));
    assertFalse(weight.hasGrad(), "a refused grad is not accumulated");
    assertFalse(bias.hasGrad(), "a refused grad is not accumulated");
    opt.step();
    assertEquals(StateDict.of(Map.of()), opt.state(), "no grads, no state");
    assertEquals(PARAMS, Params.values(params), "no grads, no update");
  }

  @Test
  void optimizersNeedParameters() {
    assertEquals(
        "optimizer got an empty parameter list",
        message(() -> OptimizerConfig.sgd(0.1).create(List.of())));
    assertEquals(
        "optimizer got an empty parameter list",
        message(() -> OptimizerConfig.adamw(0.1).create(List.of())));
    assertThrows(NullPointerException.class, () -> OptimizerConfig.adam(0.1).create(null));
  }

  @Test
  void aParameterMayBeGivenOnlyOnce() {
    List<Parameter> params = Params.of(PARAMS);
    assertEquals(
        "some parameters appear in more than one parameter group: \"weight\" is given twice",
        message(
            () ->
                OptimizerConfig.adam(0.1)
                    .create(List.of(params.get(0), params.get(1), params.get(0)))));
    // Two parameters under one name are refused too: state is kept by name.
    Parameter other = Parameter.of("bias", Tensor.of(new float[] {1f}, 1));
    assertEquals(
        "some parameters appear in more than one parameter group: \"bias\" is given twice",
        message(
            () -> OptimizerConfig.sgd(0.1).create(List.of(params.get(0), params.get(1), other))));
  }

  @Test
  void stateMustMatchTheParameters() {
    Optimizer opt = OptimizerConfig.sgd(0.1).withMomentum(0.9).create(withGrads());
    opt.step();
    StateDict state = opt.state();
    Map<String, Tensor> reshaped = new LinkedHashMap<>(state.asMap());
    reshaped.put("momentum_buffer.weight", Tensor.zeros(DType.FLOAT32, 3, 2));
    assertEquals(
        "optimizer state entry \"momentum_buffer.weight\" has shape [3, 2] and dtype float32, but the "
            + "parameter has shape [2, 3] and dtype float32",
        message(() -> opt.loadState(StateDict.of(reshaped))));
    Map<String, Tensor> retyped = new LinkedHashMap<>(state.asMap());
    retyped.put("momentum_buffer.bias", Tensor.zeros(DType.FLOAT64, 2));
    assertEquals(
        "optimizer state entry \"momentum_buffer.bias\" has shape [2] and dtype float64, but the "
            + "parameter has shape [2] and dtype float32",
        message(() -> opt.loadState(StateDict.of(retyped))));
    Optimizer weightOnly =
        OptimizerConfig.sgd(0.1)
            .withMomentum(0.9)
            .create(Params.of(dict("weight", PARAMS.get("weight"))));
    assertEquals(
        "optimizer state has parameter \"bias\", which is not among the parameters [weight]",
        message(() -> weightOnly.loadState(state)));
    assertEquals(state, opt.state(), "a refused load changes no state");
    assertEquals(StateDict.of(Map.of()), weightOnly.state(), "a refused load changes no state");
  }

  @Test
  void loadStateRefusesUnknownParameters() {
    Optimizer adam = OptimizerConfig.adam(0.1).create(withGrads());
    adam.step();
    StateDict good = adam.state();
    Optimizer renamed =
        OptimizerConfig.adam(0.1)
            .create(Params.of(dict("w", PARAMS.get("weight"), "bias", PARAMS.get("bias"))));
    assertEquals(
        "optimizer state has parameter \"weight\", which is not among the parameters [w, bias]",
        message(() -> renamed.loadState(good)));
    assertEquals(StateDict.of(Map.of()), renamed.state(), "a refused load changes nothing");
    // A state for some of the parameters only is fine: the others have had no grad yet.
    Map<String, Tensor> biasOnly = new LinkedHashMap<>();
    good.asMap()
        .forEach(
            (k, v) -> {
              if (k.endsWith(".bias")) {
                biasOnly.put(k, v);
              }
            });
    renamed.loadState(StateDict.of(biasOnly));
    assertEquals(StateDict.of(biasOnly), renamed.state());
  }

  @Test
  void aMovedParameterNeedsANewOptimizer() {
    try (Rnn rnn = Rnn.create(RnnConfig.rnn(1, 2).build(), 42)) {
      List<Parameter> params = rnn.parameters();
      Optimizer opt = OptimizerConfig.adam(0.1).create(params);
      for (Parameter p : params) {
        p.accumulateGrad(ones(p));
      }
      opt.step();
      StateDict state = opt.state();
      rnn.to(DType.FLOAT64);
      assertEquals(DType.FLOAT64, params.get(0).dtype(), "the parameters follow the module");
      assertTrue(params.get(0).hasGrad(), "and keep their gradients");
      StateDict before = Params.values(params);
      IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
      assertEquals(
          "optimizer state of \"weight_ih_l0\" is on cpu in float32, but the parameter is now on cpu "
              + "in float64: create the optimizer after moving the model",
          e.getMessage());
      assertEquals(before, Params.values(params), "a refused step updates nothing");
      assertEquals(state, opt.state(), "a refused step changes no state");
      // A new optimizer over the moved parameters steps them in float64.
      Optimizer fresh = OptimizerConfig.adam(0.1).create(params);
      fresh.step();
      assertEquals(DType.FLOAT64, fresh.state().get("exp_avg.weight_ih_l0").dtype());
    }
  }

  private static Tensor ones(Parameter p) {
    float[] v = new float[p.numel()];
    java.util.Arrays.fill(v, 1f);
    return Tensor.of(v, p.shape());
  }

  @Test
  void parametersWithoutGradsAreSkippedAndKeepTheirState() {
    List<Parameter> params = Params.of(PARAMS);
    Optimizer opt = OptimizerConfig.adamw(0.1).create(params);
    Params.setGrads(params, dict("bias", GRADS.get("bias")));
    assertNull(params.get(0).grad());
    opt.step();
    assertEquals(PARAMS.get("weight"), Params.values(params).get("weight"));
    assertEquals(List.of("step.bias", "exp_avg.bias", "exp_avg_sq.bias"), opt.state().names());
    Params.setGrads(params, GRADS);
    opt.step();
    // State follows parameter order once both have had grads.
    assertEquals(
        List.of(
            "step.weight",
            "exp_avg.weight",
            "exp_avg_sq.weight",
            "step.bias",
            "exp_avg.bias",
            "exp_avg_sq.bias"),
        opt.state().names());
    assertEquals(1.0, opt.state().get("step.weight").getFlat(0));
    assertEquals(2.0, opt.state().get("step.bias").getFlat(0));
    assertEquals(0, opt.state().get("step.bias").dim());
    assertEquals(DType.FLOAT64, opt.state().get("step.bias").dtype());
  }

  @Test
  void zeroGradForgetsEveryGradient() {
    List<Parameter> params = withGrads();
    Optimizer opt = OptimizerConfig.sgd(0.5).create(params);
    assertEquals(params, opt.parameters());
    opt.zeroGrad();
    assertTrue(params.stream().noneMatch(Parameter::hasGrad));
    assertNull(params.get(0).grad());
    opt.step();
    assertEquals(PARAMS, Params.values(params), "no grads after zeroGrad(): nothing to update");
    assertEquals(StateDict.of(Map.of()), opt.state());
    // Gradients accumulate from zero again, as after optimizer.zero_grad() in PyTorch.
    params.get(1).accumulateGrad(GRADS.get("bias"));
    params.get(1).accumulateGrad(GRADS.get("bias"));
    assertEquals(Tensor.of(new float[] {2, -2}, 2), Params.copy(params.get(1).grad()));
  }

  @Test
  void float64ParametersKeepFloat64State() {
    List<Parameter> p = Params.of(dict("w", Tensor.of(new double[] {1, 2}, 2)));
    Optimizer opt = OptimizerConfig.adam(0.1).withAmsgrad(true).create(p);
    Params.setGrads(p, dict("w", Tensor.of(new double[] {0.5, -0.5}, 2)));
    opt.step();
    assertEquals(DType.FLOAT64, opt.state().get("max_exp_avg_sq.w").dtype());
    assertEquals(DType.FLOAT64, p.get(0).dtype());
  }

  @Test
  void loadStateRefusesWhatItCannotResume() {
    Optimizer adam = OptimizerConfig.adam(0.1).create(withGrads());
    adam.step();
    StateDict good = adam.state();
    Optimizer fresh = OptimizerConfig.adam(0.1).create(Params.of(PARAMS));
    assertEquals(
        "optimizer state entry \"momentum_buffer.weight\" has kind \"momentum_buffer\", which "
            + "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False) does not keep; it keeps "
            + "step, exp_avg, exp_avg_sq",
        message(() -> fresh.loadState(dict("momentum_buffer.weight", PARAMS.get("weight")))));
    assertEquals(
        "optimizer state entry \"weight\" is not named <kind>.<parameter>",
        message(() -> fresh.loadState(dict("weight", PARAMS.get("weight")))));
    assertEquals(
        "optimizer state for parameter \"weight\" has no \"max_exp_avg_sq.weight\"; Adam(lr=0.1, "
            + "betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=True) keeps step, exp_avg, exp_avg_sq, "
            + "max_exp_avg_sq",
        message(
            () ->
                OptimizerConfig.adam(0.1)
                    .withAmsgrad(true)
                    .create(Params.of(PARAMS))
                    .loadState(good)));
    Map<String, Tensor> m = new LinkedHashMap<>(good.asMap());
    m.put("step.bias", Tensor.of(new float[] {1f}));
    assertEquals(
        "optimizer state entry \"step.bias\" must be a float64 scalar (shape []), got float32 of "
            + "shape []",
        message(() -> fresh.loadState(StateDict.of(m))));
    m.put("step.bias", Tensor.of(new double[] {1.5}));
    assertEquals(
        "optimizer state entry \"step.bias\" must be a whole number >= 1, got 1.5",
        message(() -> fresh.loadState(StateDict.of(m))));
    m.put("step.bias", Tensor.of(new double[] {1}));
    m.put("exp_avg_sq.bias", Tensor.zeros(DType.FLOAT32, 3));
    assertEquals(
        "optimizer state entry \"exp_avg_sq.bias\" has shape [3] and dtype float32, but the parameter "
            + "has shape [2] and dtype float32",
        message(() -> fresh.loadState(StateDict.of(m))));
    assertEquals(StateDict.of(Map.of()), fresh.state(), "a refused load changes nothing");
    fresh.loadState(good);
    assertEquals(good, fresh.state());
  }

  @Test
  void sgdWithoutMomentumKeepsOnlyItsStepCount() {
    List<Parameter> params = withGrads();
    Optimizer opt = OptimizerConfig.sgd(0.5).create(params);
    opt.step();
    assertEquals(List.of("step.weight", "step.bias"), opt.state().names());
    List<Parameter> copies = Params.of(Params.values(params));
    Optimizer resumed = OptimizerConfig.sgd(0.5).create(copies);
    resumed.loadState(opt.state());
    Params.setGrads(params, GRADS);
    Params.setGrads(copies, GRADS);
    opt.step();
    resumed.step();
    assertEquals(Params.values(params), Params.values(copies));
    assertEquals(opt.state(), resumed.state());
    assertEquals(2.0, resumed.state().get("step.bias").getFlat(0));
  }

  @Test
  void optimizersNeedTheirOwnType() {
    assertEquals(
        "Adam needs a config of type \"adam\", got \"adamw\"",
        message(() -> new Adam(OptimizerConfig.adamw(0.1), Params.of(PARAMS))));
  }

  @Test
  void sgdFirstStepTakesTheGradAsItsBuffer() {
    List<Parameter> params = withGrads();
    Optimizer opt = OptimizerConfig.sgd(0.5).withMomentum(0.9).withDampening(0.5).create(params);
    opt.step();
    // No dampening on the first step: buf = g, param -= lr * buf.
    assertEquals(GRADS.get("bias"), opt.state().get("momentum_buffer.bias"));
    assertEquals(Tensor.of(new float[] {0f, 0f}, 2), Params.values(params).get("bias"));
  }
}
