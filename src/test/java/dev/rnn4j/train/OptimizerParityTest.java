package dev.rnn4j.train;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.backend.Device;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.OptimFixtures.Case;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * SGD, Adam and AdamW against torch.optim on every optimizer fixture: five steps with a parameter
 * missing its grad at two of them, the parameters after every step within the manifest's tolerances
 * (float32 atol 1e-7, rtol 1e-6; float64 1e-12), the final state, and bit-for-bit agreement with
 * the PyTorch release whose arithmetic the optimizers mirror. The optimizers update standalone
 * parameters made from the fixture's initial values in place; each step's grads are installed on
 * the parameters that have one at that step, and the others (grad None) must be skipped.
 */
class OptimizerParityTest {
  private static final int STEPS = 5;

  /** The case's inputs: initial parameters and per-step grads. */
  record Inputs(StateDict initial, List<StateDict> grads, SafetensorsFile trajectory) {
    static Inputs of(Case c) {
      SafetensorsFile t = c.file("trajectory.safetensors");
      List<StateDict> grads = new ArrayList<>();
      for (int k = 0; k < STEPS; k++) {
        grads.add(OptimFixtures.withPrefix(t, "grad." + k + "."));
      }
      return new Inputs(OptimFixtures.withPrefix(t, "initial."), grads, t);
    }

    StateDict expectedAfter(int k) {
      return OptimFixtures.withPrefix(trajectory, "param." + k + ".");
    }
  }

  @TestFactory
  Stream<DynamicTest> trajectoriesMatchPyTorch() {
    return OptimFixtures.cases("optimizer").stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  @TestFactory
  Stream<DynamicTest> resumingFromStateContinuesBitForBit() {
    return OptimFixtures.cases("optimizer").stream()
        .flatMap(
            c ->
                Stream.of(1, 2, 4)
                    .map(
                        split ->
                            dynamicTest(
                                c.id() + " split after " + split, () -> checkResume(c, split))));
  }

  @TestFactory
  Stream<DynamicTest> configFilesAreWhatToJsonWrites() {
    return OptimFixtures.cases("optimizer").stream()
        .map(
            c ->
                dynamicTest(
                    c.id(),
                    () -> {
                      OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
                      assertEquals(c.configJson(), config.toJson());
                      assertEquals(config, OptimizerConfig.fromJson(config.toJson()));
                    }));
  }

  @Test
  void theGridCoversWhatTheContractPromises() {
    List<Case> cases = OptimFixtures.cases("optimizer");
    Set<String> ids = cases.stream().map(Case::id).collect(Collectors.toSet());
    for (String id :
        List.of(
            "sgd_plain_f32",
            "sgd_momentum_wd_f32",
            "sgd_nesterov_f32",
            "sgd_dampening_f32",
            "adam_default_f32",
            "adam_wd_amsgrad_f32",
            "adamw_default_f32",
            "adamw_amsgrad_f32",
            "sgd_momentum_wd_f64",
            "adam_wd_amsgrad_f64",
            "adamw_amsgrad_f64")) {
      assertTrue(ids.contains(id), id);
    }
    for (Case c : cases) {
      Inputs in = Inputs.of(c);
      assertEquals(3, in.initial().size(), c.id());
      assertTrue(
          in.initial().asMap().values().stream().anyMatch(t -> t.dim() == 1),
          c.id() + " has a bias");
      assertTrue(
          in.grads().stream().anyMatch(g -> g.size() < in.initial().size()),
          c.id() + " has a step where a parameter has no grad");
    }
  }

  static void check(Case c) {
    check(c, Device.CPU);
  }

  /**
   * {@link #check(Case)} with the parameters, their gradients and the optimizer's state on {@code
   * device}.
   */
  static void check(Case c, Device device) {
    OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
    Inputs in = Inputs.of(c);
    List<Parameter> parameters = Params.of(in.initial(), device);
    Optimizer opt = config.create(parameters);
    assertEquals(parameters, opt.parameters(), c.id() + " parameters()");
    boolean exact = OptimFixtures.exactVersion();
    for (int k = 0; k < STEPS; k++) {
      StateDict before = Params.values(parameters);
      Params.setGrads(parameters, in.grads().get(k));
      opt.step();
      StateDict params = Params.values(parameters);
      StateDict expected = in.expectedAfter(k);
      assertEquals(expected.names(), params.names(), c.id() + " names after step " + k);
      for (String name : expected.names()) {
        String label = c.id() + " step " + k + " " + name;
        assertClose(expected.get(name), params.get(name), c.atol(), c.rtol(), label);
        if (exact) {
          assertEquals(
              0,
              OptimFixtures.maxUlps(expected.get(name), params.get(name)),
              label
                  + ": ulps from PyTorch "
                  + OptimFixtures.manifest().get("torch_version").asText());
        }
        if (!in.grads().get(k).contains(name)) {
          assertEquals(before.get(name), params.get(name), label + ": no grad, left as it was");
        }
      }
      // The gradients are the step's input: step() reads them and leaves them as they were.
      assertEquals(
          in.grads().get(k),
          Params.grads(parameters),
          c.id() + " step " + k + ": grads after step()");
    }
    StateDict expectedState = OptimFixtures.all(c.file("state.safetensors"));
    StateDict state = opt.state();
    assertEquals(expectedState.names(), state.names(), c.id() + " state names");
    for (String name : expectedState.names()) {
      Tensor e = expectedState.get(name);
      assertClose(e, state.get(name), c.atol(), c.rtol(), c.id() + " state " + name);
      if (exact) {
        assertEquals(e, state.get(name), c.id() + " state " + name + " bit for bit");
      }
    }
  }

  /**
   * Steps 0..split-1, state() into a fresh optimizer over the same parameters (as {@code
   * load_state_dict}), the rest: identical to the uninterrupted run.
   */
  static void checkResume(Case c, int split) {
    checkResume(c, split, Device.CPU);
  }

  /** {@link #checkResume(Case, int)} on {@code device}. */
  static void checkResume(Case c, int split, Device device) {
    OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
    Inputs in = Inputs.of(c);
    List<Parameter> straight = Params.of(in.initial(), device);
    Optimizer whole = config.create(straight);
    for (int k = 0; k < STEPS; k++) {
      Params.setGrads(straight, in.grads().get(k));
      whole.step();
    }
    List<Parameter> params = Params.of(in.initial(), device);
    Optimizer first = config.create(params);
    for (int k = 0; k < split; k++) {
      Params.setGrads(params, in.grads().get(k));
      first.step();
    }
    Optimizer second = config.create(params);
    second.loadState(first.state());
    assertEquals(first.state(), second.state(), "state() after loadState()");
    for (int k = split; k < STEPS; k++) {
      Params.setGrads(params, in.grads().get(k));
      second.step();
    }
    assertEquals(
        Params.values(straight),
        Params.values(params),
        c.id() + ": resumed parameters bit for bit");
    assertEquals(whole.state(), second.state(), c.id() + ": resumed state bit for bit");
  }
}
