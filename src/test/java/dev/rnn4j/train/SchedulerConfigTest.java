package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.nn.Parameter;
import dev.rnn4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** SchedulerConfig's validation and JSON, the schedulers' state checks, Optimizer.setLr. */
class SchedulerConfigTest {
  private static Optimizer sgd(double lr) {
    Parameter p = Parameter.of("weight", Tensor.of(new double[] {0, 0}, 2));
    return OptimizerConfig.sgd(lr).create(List.of(p));
  }

  private static void fails(String message, Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }

  @Test
  void invalidArgumentsFailWithOneLine() {
    fails(
        "step_size must be a positive integer. Expected >= 1, got 0",
        () -> new SchedulerConfig.Step(0, 0.1));
    fails(
        "gamma must be positive. Expected > 0, got nan",
        () -> new SchedulerConfig.Step(1, 0.0 / 0));
    fails(
        "T_max must be a positive integer. Expected >= 1, got -3",
        () -> new SchedulerConfig.CosineAnnealing(-3, 0));
    fails(
        "eta_min must be non-negative. Expected >= 0, got -0.1",
        () -> new SchedulerConfig.CosineAnnealing(3, -0.1));
    fails(
        "Ending multiplicative factor expected to be between 0 and 1, got 1.5",
        () -> new SchedulerConfig.Linear(0.5, 1.5, 3));
    fails(
        "total_iters must be a positive integer. Expected >= 1, got 0",
        () -> new SchedulerConfig.Linear(0.5, 1.0, 0));
    fails(
        "mode maximum is unknown! Expected 'min' or 'max'",
        () -> new SchedulerConfig.ReduceOnPlateau("maximum", 0.1, 10, 1e-4, "rel", 0, 0, 1e-8));
    fails(
        "cooldown must be a non-negative integer. Expected >= 0, got -1",
        () -> new SchedulerConfig.ReduceOnPlateau("min", 0.1, 10, 1e-4, "rel", -1, 0, 1e-8));
    fails(
        "min_lr must be non-negative. Expected >= 0, got -1e-05",
        () -> new SchedulerConfig.ReduceOnPlateau("min", 0.1, 10, 1e-4, "rel", 0, -1e-5, 1e-8));
  }

  @Test
  void jsonRoundTripsAndIsStrict() {
    SchedulerConfig plateau =
        new SchedulerConfig.ReduceOnPlateau("max", 0.5, 3, 0.01, "abs", 2, 1e-5, 1e-8);
    assertEquals(
        "{\n  \"type\": \"ReduceLROnPlateau\",\n  \"mode\": \"max\",\n  \"factor\": 0.5,\n"
            + "  \"patience\": 3,\n  \"threshold\": 0.01,\n  \"threshold_mode\": \"abs\",\n"
            + "  \"cooldown\": 2,\n  \"min_lr\": 1e-05,\n  \"eps\": 1e-08\n}\n",
        plateau.toJson());
    for (SchedulerConfig c :
        List.of(
            plateau,
            SchedulerConfig.stepLr(3),
            SchedulerConfig.cosineAnnealingLr(10),
            SchedulerConfig.linearLr())) {
      assertEquals(c, SchedulerConfig.fromJson(c.toJson()));
    }
    assertEquals(
        "ReduceLROnPlateau(mode='max', factor=0.5, patience=3, threshold=0.01,"
            + " threshold_mode='abs', cooldown=2, min_lr=1e-05, eps=1e-08)",
        plateau.toString());
    assertEquals(
        SchedulerConfig.reduceLrOnPlateau(),
        SchedulerConfig.fromJson("{\"type\": \"ReduceLROnPlateau\"}"));
    fails(
        "scheduler config is missing required key \"step_size\" (StepLR has no default)",
        () -> SchedulerConfig.fromJson("{\"type\": \"StepLR\", \"gamma\": 0.5}"));
    fails(
        "scheduler config of type \"StepLR\" has unknown key \"T_max\"; the keys are type,"
            + " step_size, gamma",
        () -> SchedulerConfig.fromJson("{\"type\": \"StepLR\", \"step_size\": 2, \"T_max\": 3}"));
    fails(
        "step_size must be an integer, got 2.5",
        () -> SchedulerConfig.fromJson("{\"type\": \"StepLR\", \"step_size\": 2.5}"));
    fails(
        "type must be one of \"StepLR\", \"CosineAnnealingLR\", \"LinearLR\","
            + " \"ReduceLROnPlateau\", got \"ExponentialLR\"",
        () -> SchedulerConfig.fromJson("{\"type\": \"ExponentialLR\"}"));
  }

  @Test
  void aStateLoadsOnlyIntoASchedulerOfTheSameArgumentsAndChangesNothingWhenItFails() {
    LrScheduler step = SchedulerConfig.stepLr(2).create(sgd(0.1));
    step.step();
    step.step();
    Map<String, Object> state = step.stateDict();
    assertEquals(
        Map.of(
            "step_size",
            2,
            "gamma",
            0.1,
            "base_lrs",
            List.of(0.1),
            "last_epoch",
            2,
            "_step_count",
            3,
            "_last_lr",
            List.of(0.1 * 0.1)),
        state);
    LrScheduler other = new SchedulerConfig.Step(3, 0.1).create(sgd(0.1));
    fails(
        "StepLR state_dict has step_size=2, but this scheduler has step_size=3: a state loads"
            + " into a scheduler of the same arguments",
        () -> other.loadStateDict(state));
    Map<String, Object> broken = new LinkedHashMap<>(state);
    broken.put("last_epoch", "two");
    LrScheduler same = SchedulerConfig.stepLr(2).create(sgd(0.1));
    fails(
        "StepLR state_dict key \"last_epoch\" must be an integer, got two",
        () -> same.loadStateDict(broken));
    broken.put("last_epoch", 2);
    broken.put("verbose", false);
    fails(
        "StepLR state_dict has unknown key \"verbose\"; its keys are step_size, gamma, base_lrs,"
            + " last_epoch, _step_count, _last_lr",
        () -> same.loadStateDict(broken));
    assertEquals(0, same.lastEpoch(), "nothing changed");
    same.loadStateDict(state);
    assertEquals(state, same.stateDict());
  }

  @Test
  void reduceLrOnPlateauStepsOnlyWithAMetric() {
    ReduceLrOnPlateau plateau =
        (ReduceLrOnPlateau) SchedulerConfig.reduceLrOnPlateau().create(sgd(0.1));
    IllegalStateException e = assertThrows(IllegalStateException.class, plateau::step);
    assertEquals(
        "ReduceLROnPlateau.step() needs the metric: call step(metric), e.g. the validation loss",
        e.getMessage());
    plateau.step(Double.NaN); // never better, as in PyTorch
    assertEquals(1, plateau.numBadEpochs());
  }

  @Test
  void setLrTakesAnyFiniteLearningRate() {
    Optimizer optimizer = sgd(0.1);
    optimizer.setLr(0.05);
    assertEquals(0.05, optimizer.lr());
    assertEquals(0.1, optimizer.config().lr(), "the config keeps the initial one");
    fails("Invalid learning rate: inf", () -> optimizer.setLr(Double.POSITIVE_INFINITY));
    assertEquals(0.05, optimizer.lr());
  }
}
