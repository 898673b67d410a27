package dev.rnn4j.train;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.GradClipping.Clipped;
import dev.rnn4j.train.OptimFixtures.Case;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** {@code clip_grad_norm_} against PyTorch's fixtures, and its edge cases. */
class GradClippingTest {

  @TestFactory
  Stream<DynamicTest> everyFixtureMatchesPyTorch() {
    return OptimFixtures.cases("clip").stream().map(c -> dynamicTest(c.id(), () -> check(c)));
  }

  /** Within the manifest's tolerances of PyTorch's values. */
  static void check(Case c) {
    SafetensorsFile f = c.file(null);
    StateDict grads = OptimFixtures.withPrefix(f, "grad.");
    StateDict expected = OptimFixtures.withPrefix(f, "clipped.");
    Tensor expectedNorm = f.tensor("total_norm");
    double atol = c.atol();
    double rtol = c.rtol();
    Clipped clipped = GradClipping.clipGradNorm(grads, c.entry().get("max_norm").asDouble());
    double norm = expectedNorm.getFlat(0);
    assertEquals(norm, clipped.totalNorm(), atol + rtol * norm, c.id() + " total norm");
    assertEquals(expected.names(), clipped.grads().names());
    for (String name : expected.names()) {
      assertClose(expected.get(name), clipped.grads().get(name), atol, rtol, c.id() + " " + name);
    }
  }

  @Test
  void theGridClipsAndDoesNot() {
    List<Case> cases = OptimFixtures.cases("clip");
    int clippedCases = 0;
    int untouched = 0;
    for (Case c : cases) {
      SafetensorsFile f = c.file(null);
      double maxNorm = c.entry().get("max_norm").asDouble();
      if (maxNorm < f.tensor("total_norm").getFlat(0)) {
        clippedCases++;
      } else {
        untouched++;
      }
    }
    assertTrue(clippedCases >= 2 && untouched >= 2, clippedCases + " clipped, " + untouched + " not");
    assertTrue(cases.stream().anyMatch(c -> c.entry().get("zero_grads").size() > 0), "a zero grad");
  }

  @Test
  void clippedNormIsMaxNorm() {
    Random random = new Random(7);
    float[] values = new float[101];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    StateDict grads = StateDict.of(Map.of("w", Tensor.of(values, 101)));
    Clipped clipped = GradClipping.clipGradNorm(grads, 0.25);
    double after = GradClipping.clipGradNorm(clipped.grads(), 1e9).totalNorm();
    assertEquals(0.25, after, 1e-6);
  }

  @Test
  void noGradsGiveZero() {
    StateDict none = StateDict.of(Map.of());
    Clipped clipped = GradClipping.clipGradNorm(none, 1.0);
    assertEquals(0.0, clipped.totalNorm());
    assertSame(none, clipped.grads());
  }

  @Test
  void mixedDtypesComputeInFloat64AndKeepEachDtype() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("a", Tensor.of(new float[] {3f, 0f}, 2));
    m.put("b", Tensor.of(new double[] {4.0}, 1));
    Clipped clipped = GradClipping.clipGradNorm(StateDict.of(m), 1.0);
    assertEquals(5.0, clipped.totalNorm());
    assertEquals(DType.FLOAT32, clipped.grads().get("a").dtype());
    assertEquals(DType.FLOAT64, clipped.grads().get("b").dtype());
    assertEquals(4.0 / (5.0 + 1e-6), clipped.grads().get("b").getFlat(0), 1e-15);
  }

  @Test
  void maxNormMustBeFiniteAndNonNegative() {
    StateDict g = StateDict.of(Map.of("w", Tensor.of(new float[] {1f}, 1)));
    assertEquals("max_norm must be a finite number >= 0, got -1.0", assertThrows(
        IllegalArgumentException.class, () -> GradClipping.clipGradNorm(g, -1.0)).getMessage());
    assertEquals("max_norm must be a finite number >= 0, got nan", assertThrows(
        IllegalArgumentException.class, () -> GradClipping.clipGradNorm(g, Double.NaN)).getMessage());
    assertEquals("max_norm must be a finite number >= 0, got inf", assertThrows(
        IllegalArgumentException.class,
        () -> GradClipping.clipGradNorm(g, Double.POSITIVE_INFINITY)).getMessage());
  }

  @Test
  void nonFiniteGradsPropagateAsInPyTorch() {
    StateDict g = StateDict.of(Map.of("w", Tensor.of(new float[] {1f, Float.POSITIVE_INFINITY}, 2)));
    Clipped clipped = GradClipping.clipGradNorm(g, 1.0);
    assertEquals(Double.POSITIVE_INFINITY, clipped.totalNorm());
    // coef = 1 * (1 / inf) = 0: PyTorch gives [0, nan] (inf * 0).
    assertEquals(0.0, clipped.grads().get("w").getFlat(0));
    assertTrue(Double.isNaN(clipped.grads().get("w").getFlat(1)));
  }
}
