package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What step() and loadState() refuse, with messages naming the parameter, and that a refusal changes nothing. */
class OptimizerValidationTest {
  private static final StateDict PARAMS = dict("weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
      "bias", Tensor.of(new float[] {0.5f, -0.5f}, 2));
  private static final StateDict GRADS = dict("weight", Tensor.of(new float[] {1, 1, 1, 1, 1, 1}, 2, 3),
      "bias", Tensor.of(new float[] {1, -1}, 2));

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

  @Test
  void gradsMustMatchTheParameters() {
    Optimizer opt = OptimizerConfig.adam(0.1).create();
    assertEquals("grads has \"bais\", which is not a parameter; the parameters are [weight, bias]",
        message(() -> opt.step(PARAMS, dict("bais", Tensor.of(new float[] {1, 1}, 2)))));
    assertEquals("grad of \"weight\" has shape [3, 2], expected [2, 3] (the parameter's shape)",
        message(() -> opt.step(PARAMS, dict("weight", Tensor.zeros(DType.FLOAT32, 3, 2)))));
    assertEquals("grad of \"bias\" has dtype float64, expected float32 (the parameter's dtype)",
        message(() -> opt.step(PARAMS, dict("bias", Tensor.zeros(DType.FLOAT64, 2)))));
    assertEquals(StateDict.of(Map.of()), opt.state(), "a refused step leaves no state");
  }

  @Test
  void stateMustMatchTheParameters() {
    Optimizer opt = OptimizerConfig.sgd(0.1).withMomentum(0.9).create();
    opt.step(PARAMS, GRADS);
    StateDict state = opt.state();
    StateDict reshaped = dict("weight", Tensor.zeros(DType.FLOAT32, 3, 2), "bias", PARAMS.get("bias"));
    assertEquals("optimizer state of \"weight\" is for shape [2, 3] and dtype float32, but the parameter has "
        + "shape [3, 2] and dtype float32", message(() -> opt.step(reshaped, StateDict.of(Map.of()))));
    assertEquals("optimizer state has parameter \"bias\", which is not among the parameters [weight]",
        message(() -> opt.step(dict("weight", PARAMS.get("weight")), StateDict.of(Map.of()))));
    assertEquals(state, opt.state(), "a refused step changes no state");
  }

  @Test
  void parametersWithoutGradsAreSkippedAndKeepTheirState() {
    Optimizer opt = OptimizerConfig.adamw(0.1).create();
    StateDict after = opt.step(PARAMS, dict("bias", GRADS.get("bias")));
    assertEquals(PARAMS.get("weight"), after.get("weight"));
    assertEquals(List.of("step.bias", "exp_avg.bias", "exp_avg_sq.bias"), opt.state().names());
    after = opt.step(after, GRADS);
    // State follows parameter order once both have had grads.
    assertEquals(List.of("step.weight", "exp_avg.weight", "exp_avg_sq.weight", "step.bias", "exp_avg.bias",
        "exp_avg_sq.bias"), opt.state().names());
    assertEquals(1.0, opt.state().get("step.weight").getFlat(0));
    assertEquals(2.0, opt.state().get("step.bias").getFlat(0));
    assertEquals(0, opt.state().get("step.bias").dim());
    assertEquals(DType.FLOAT64, opt.state().get("step.bias").dtype());
  }

  @Test
  void float64ParametersKeepFloat64State() {
    StateDict p = dict("w", Tensor.of(new double[] {1, 2}, 2));
    Optimizer opt = OptimizerConfig.adam(0.1).withAmsgrad(true).create();
    opt.step(p, dict("w", Tensor.of(new double[] {0.5, -0.5}, 2)));
    assertEquals(DType.FLOAT64, opt.state().get("max_exp_avg_sq.w").dtype());
  }

  @Test
  void loadStateRefusesWhatItCannotResume() {
    Optimizer adam = OptimizerConfig.adam(0.1).create();
    adam.step(PARAMS, GRADS);
    StateDict good = adam.state();
    Optimizer fresh = OptimizerConfig.adam(0.1).create();
    assertEquals("optimizer state entry \"momentum_buffer.weight\" has kind \"momentum_buffer\", which "
        + "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False) does not keep; it keeps "
        + "step, exp_avg, exp_avg_sq",
        message(() -> fresh.loadState(dict("momentum_buffer.weight", PARAMS.get("weight")))));
    assertEquals("optimizer state entry \"weight\" is not named <kind>.<parameter>",
        message(() -> fresh.loadState(dict("weight", PARAMS.get("weight")))));
    assertEquals("optimizer state for parameter \"weight\" has no \"max_exp_avg_sq.weight\"; Adam(lr=0.1, "
        + "betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=True) keeps step, exp_avg, exp_avg_sq, "
        + "max_exp_avg_sq",
        message(() -> OptimizerConfig.adam(0.1).withAmsgrad(true).create().loadState(good)));
    Map<String, Tensor> m = new LinkedHashMap<>(good.asMap());
    m.put("step.bias", Tensor.of(new float[] {1f}));
    assertEquals("optimizer state entry \"step.bias\" must be a float64 scalar (shape []), got float32 of "
        + "shape []", message(() -> fresh.loadState(StateDict.of(m))));
    m.put("step.bias", Tensor.of(new double[] {1.5}));
    assertEquals("optimizer state entry \"step.bias\" must be a whole number >= 1, got 1.5",
        message(() -> fresh.loadState(StateDict.of(m))));
    m.put("step.bias", Tensor.of(new double[] {1}));
    m.put("exp_avg_sq.bias", Tensor.zeros(DType.FLOAT32, 3));
    assertEquals("optimizer state entry \"exp_avg_sq.bias\" has shape [3] and dtype float32, but "
        + "\"exp_avg.bias\" has shape [2] and dtype float32", message(() -> fresh.loadState(StateDict.of(m))));
    assertEquals(StateDict.of(Map.of()), fresh.state(), "a refused load changes nothing");
    fresh.loadState(good);
    assertEquals(good, fresh.state());
  }

  @Test
  void sgdWithoutMomentumKeepsOnlyItsStepCount() {
    Optimizer opt = OptimizerConfig.sgd(0.5).create();
    StateDict after = opt.step(PARAMS, GRADS);
    assertEquals(List.of("step.weight", "step.bias"), opt.state().names());
    Optimizer resumed = OptimizerConfig.sgd(0.5).create();
    resumed.loadState(opt.state());
    assertEquals(opt.step(after, GRADS), resumed.step(after, GRADS));
    assertEquals(opt.state(), resumed.state());
  }

  @Test
  void optimizersNeedTheirOwnType() {
    assertEquals("Adam needs a config of type \"adam\", got \"adamw\"",
        message(() -> new Adam(OptimizerConfig.adamw(0.1))));
  }

  @Test
  void sgdFirstStepTakesTheGradAsItsBuffer() {
    Optimizer opt = OptimizerConfig.sgd(0.5).withMomentum(0.9).withDampening(0.5).create();
    StateDict after = opt.step(PARAMS, GRADS);
    // No dampening on the first step: buf = g, param -= lr * buf.
    assertEquals(GRADS.get("bias"), opt.state().get("momentum_buffer.bias"));
    assertEquals(Tensor.of(new float[] {0f, 0f}, 2), after.get("bias"));
  }
}
