package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The four schedulers follow {@code torch.optim.lr_scheduler} on a {@code torch.optim.SGD}, on
 * fixtures written by {@code src/test/python/generate_scheduler_fixtures.py} (PyTorch 2.13): the
 * learning rate after creation and after every step, the state dict at the case's saved epoch, and
 * a scheduler resumed from PyTorch's own state dict continuing to PyTorch's learning rates.
 *
 * <p>Learning rates are compared relative to PyTorch's, to the manifest's {@code lr_rtol} of 1e-12
 * (the bar). Observed on x86-64 HotSpot (JDK 17): every learning rate is PyTorch's bit for
 * bit, a worst relative difference of 0. CosineAnnealingLR's cosine is {@link Math#cos}; with
 * {@link StrictMath#cos} (fdlibm) instead the worst was 6.5e-16 (an ulp of a cosine). The worst
 * over all cases is held to {@link #WORST_RTOL}, so that a change losing more than that fails here
 * even while it stays within 1e-12.
 */
class SchedulerParityTest {
  private static final Path ROOT = Path.of("src/test/resources/fixtures/scheduler");
  // Python's json writes inf as Infinity (ReduceLROnPlateau's best and mode_worse).
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** 10x above the worst seen with fdlibm's cosine (6.5e-16); other platforms' Math.cos may be. */
  private static final double WORST_RTOL = 1e-15;

  private static final Object[] WORST = {0.0, "none"};

  @TestFactory
  Stream<DynamicTest> everyLearningRateFollowsPyTorch() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    try (Stream<Path> versions = Files.list(ROOT)) {
      for (Path version : versions.sorted().toList()) {
        JsonNode manifest = JSON.readTree(version.resolve("manifest.json").toFile());
        for (JsonNode entry : manifest.get("cases")) {
          String id = entry.get("id").asText();
          tests.add(dynamicTest(id, () -> check(entry, version.resolve(id + ".json"))));
        }
      }
    }
    assertTrue(tests.size() >= 17, "the scheduler fixtures are missing");
    return tests.stream();
  }

  @AfterAll
  static void everyLearningRateWasExact() {
    assertTrue(
        (double) WORST[0] <= WORST_RTOL,
        "worst relative difference " + WORST[0] + ", in case " + WORST[1]);
  }

  private static void check(JsonNode entry, Path file) throws IOException {
    JsonNode fixture = JSON.readTree(file.toFile());
    String id = entry.get("id").asText();
    double rtol = entry.get("lr_rtol").asDouble();
    SchedulerConfig config = SchedulerConfig.fromJson(entry.get("config").toString());
    assertEquals(entry.get("config"), JSON.readTree(config.toJson()), "toJson of " + id);
    double[] lrs = doubles(fixture.get("lrs"));
    double[] metrics = fixture.has("metrics") ? doubles(fixture.get("metrics")) : null;
    int stateEpoch = fixture.get("state_epoch").asInt();
    Map<String, Object> torchState =
        JSON.convertValue(fixture.get("state_dict"), new TypeReference<Map<String, Object>>() {});

    Optimizer optimizer = sgd(entry.get("lr").asDouble());
    LrScheduler scheduler = config.create(optimizer);
    compare(id, 0, lrs[0], scheduler, rtol);
    for (int k = 1; k < lrs.length; k++) {
      step(scheduler, metrics, k);
      compare(id, k, lrs[k], scheduler, rtol);
      if (k == stateEpoch) {
        compareState(id, torchState, scheduler.stateDict(), rtol);
      }
    }

    Optimizer resumedOptimizer = sgd(entry.get("lr").asDouble());
    LrScheduler resumed = config.create(resumedOptimizer);
    resumed.loadStateDict(torchState);
    resumedOptimizer.setLr(resumed.lastLr());
    assertEquals(stateEpoch, resumed.lastEpoch(), id);
    for (int k = stateEpoch + 1; k < lrs.length; k++) {
      step(resumed, metrics, k);
      compare(id + " resumed", k, lrs[k], resumed, rtol);
    }
  }

  private static void step(LrScheduler scheduler, double[] metrics, int k) {
    if (scheduler instanceof ReduceLrOnPlateau plateau) {
      plateau.step(metrics[k - 1]);
    } else {
      scheduler.step();
    }
  }

  private static void compare(String id, int k, double expected, LrScheduler s, double rtol) {
    double actual = s.optimizer().lr();
    assertEquals(actual, s.lastLr(), id + ": get_last_lr() is the optimizer's lr");
    double rel = expected == actual ? 0 : Math.abs(actual - expected) / Math.abs(expected);
    synchronized (WORST) {
      if (rel > (double) WORST[0]) {
        WORST[0] = rel;
        WORST[1] = id + " at step " + k;
      }
    }
    assertTrue(
        rel <= rtol,
        String.format("%s, lr after step %d: expected %s, got %s", id, k, expected, actual));
  }

  /** Same keys in the same order (PyTorch's transient flags aside), the same values. */
  private static void compareState(
      String id, Map<String, Object> torch, Map<String, Object> ours, double rtol) {
    Map<String, Object> expected = new LinkedHashMap<>(torch);
    expected.remove("_is_initial");
    expected.remove("_get_lr_called_within_step");
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(ours.keySet()), id + " state keys");
    expected.forEach(
        (key, value) -> {
          Object actual = ours.get(key);
          if (value instanceof List<?> list) {
            value = ((Number) list.get(0)).doubleValue();
            actual = ((Number) ((List<?>) actual).get(0)).doubleValue();
          }
          if (value instanceof Number n && !(value instanceof Integer)) {
            double e = n.doubleValue();
            double a = ((Number) actual).doubleValue();
            assertTrue(
                e == a || Math.abs(a - e) <= rtol * Math.abs(e),
                id + " state " + key + ": expected " + e + ", got " + a);
          } else if (value instanceof Integer i && actual instanceof Double d) {
            assertEquals(i.doubleValue(), d, id + " state " + key); // Python wrote 0 for min_lr
          } else {
            assertEquals(value, actual, id + " state " + key);
          }
        });
  }

  private static Optimizer sgd(double lr) {
    Parameter p = Parameter.of("weight", Tensor.of(new double[] {0, 0, 0}, 3));
    return OptimizerConfig.sgd(lr).create(List.of(p));
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = array.get(k).doubleValue();
    }
    return out;
  }
}
