package dev.rnn4j.train;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.io.SafetensorsFile;
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
 * (float32 atol 1e-7, rtol 1e-6; float64 1e-12), the final state, and bit-for-bit agreement with the
 * PyTorch release whose arithmetic the optimizers mirror.
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
    return OptimFixtures.cases("optimizer").stream().flatMap(c -> Stream.of(1, 2, 4).map(
        split -> dynamicTest(c.id() + " split after " + split, () -> checkResume(c, split))));
  }

  @TestFactory
  Stream<DynamicTest> configFilesAreWhatToJsonWrites() {
    return OptimFixtures.cases("optimizer").stream().map(c -> dynamicTest(c.id(), () -> {
      OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
      assertEquals(c.configJson(), config.toJson());
      assertEquals(config, OptimizerConfig.fromJson(config.toJson()));
    }));
  }

  @Test
  void theGridCoversWhatTheContractPromises() {
    List<Case> cases = OptimFixtures.cases("optimizer");
    Set<String> ids = cases.stream().map(Case::id).collect(Collectors.toSet());
    for (String id : List.of("sgd_plain_f32", "sgd_momentum_wd_f32", "sgd_nesterov_f32", "sgd_dampening_f32",
        "adam_default_f32", "adam_wd_amsgrad_f32", "adamw_default_f32", "adamw_amsgrad_f32",
        "sgd_momentum_wd_f64", "adam_wd_amsgrad_f64", "adamw_amsgrad_f64")) {
      assertTrue(ids.contains(id), id);
    }
    for (Case c : cases) {
      Inputs in = Inputs.of(c);
      assertEquals(3, in.initial().size(), c.id());
      assertTrue(in.initial().asMap().values().stream().anyMatch(t -> t.dim() == 1), c.id() + " has a bias");
      assertTrue(in.grads().stream().anyMatch(g -> g.size() < in.initial().size()),
          c.id() + " has a step where a parameter has no grad");
    }
  }

  static void check(Case c) {
    OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
    Inputs in = Inputs.of(c);
    Optimizer opt = config.create();
    StateDict params = in.initial();
    boolean exact = OptimFixtures.exactVersion();
    for (int k = 0; k < STEPS; k++) {
      StateDict before = params;
      params = opt.step(params, in.grads().get(k));
      StateDict expected = in.expectedAfter(k);
      assertEquals(expected.names(), params.names(), c.id() + " names after step " + k);
      for (String name : expected.names()) {
        String label = c.id() + " step " + k + " " + name;
        assertClose(expected.get(name), params.get(name), c.atol(), c.rtol(), label);
        if (exact) {
          assertEquals(0, OptimFixtures.maxUlps(expected.get(name), params.get(name)),
              label + ": ulps from PyTorch " + OptimFixtures.manifest().get("torch_version").asText());
        }
        if (!in.grads().get(k).contains(name)) {
          assertTrue(before.get(name) == params.get(name), label + ": no grad, returned as given");
        }
      }
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

  /** Steps 0..split-1, state() into a fresh optimizer, the rest: identical to the uninterrupted run. */
  static void checkResume(Case c, int split) {
    OptimizerConfig config = OptimizerConfig.fromJson(c.configJson());
    Inputs in = Inputs.of(c);
    Optimizer whole = config.create();
    StateDict straight = in.initial();
    for (int k = 0; k < STEPS; k++) {
      straight = whole.step(straight, in.grads().get(k));
    }
    Optimizer first = config.create();
    StateDict params = in.initial();
    for (int k = 0; k < split; k++) {
      params = first.step(params, in.grads().get(k));
    }
    Optimizer second = config.create();
    second.loadState(first.state());
    assertEquals(first.state(), second.state(), "state() after loadState()");
    for (int k = split; k < STEPS; k++) {
      params = second.step(params, in.grads().get(k));
    }
    assertEquals(straight, params, c.id() + ": resumed parameters bit for bit");
    assertEquals(whole.state(), second.state(), c.id() + ": resumed state bit for bit");
  }
}
