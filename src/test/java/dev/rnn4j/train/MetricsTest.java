package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link Metrics} against scikit-learn's values and small cases checked by hand. */
class MetricsTest {
  private static final Path FIXTURES =
      Path.of("src/test/resources/fixtures/metrics/sklearn-1.9.1/metrics.json");

  /** The generator's bar, which the test's own must not exceed. */
  private static final double MANIFEST_RTOL = 1e-12;

  /**
   * Relative: the worst observed over every case is 1.6e-16 (one ulp; sums in another order than
   * scikit-learn's), measured 2026-12-07; about 10x that.
   */
  private static final double RTOL = 2e-15;

  @Test
  void equalsScikitLearn() throws IOException {
    JsonNode root = new ObjectMapper().readTree(FIXTURES.toFile());
    assertEquals(MANIFEST_RTOL, root.get("rtol").asDouble());
    int checked = 0;
    for (JsonNode c : root.get("cases")) {
      String id = c.get("id").asText();
      if (c.get("kind").asText().equals("classification")) {
        long[] yTrue = longs(c.get("y_true"));
        long[] yPred = longs(c.get("y_pred"));
        long[] labels = longs(c.get("labels"));
        close(c.get("accuracy"), Metrics.accuracyScore(yTrue, yPred), id);
        close(c.get("f1_macro"), Metrics.f1Score(yTrue, yPred), id);
        close(
            c.get("f1_macro_labels_zero_division_0"), Metrics.f1Score(yTrue, yPred, labels, 0), id);
        close(
            c.get("f1_macro_labels_zero_division_1"), Metrics.f1Score(yTrue, yPred, labels, 1), id);
        long[][] m = Metrics.confusionMatrix(yTrue, yPred, c.get("num_classes").asInt());
        for (int i = 0; i < m.length; i++) {
          assertArrayEquals(longs(c.get("confusion_matrix").get(i)), m[i], id + " row " + i);
        }
      } else {
        double[][] yTrue = matrix(c.get("y_true"));
        double[][] yPred = matrix(c.get("y_pred"));
        close(c.get("mean_absolute_error"), Metrics.meanAbsoluteError(yTrue, yPred), id);
        close(c.get("root_mean_squared_error"), Metrics.rootMeanSquaredError(yTrue, yPred), id);
        close(
            c.get("mean_absolute_percentage_error"),
            Metrics.meanAbsolutePercentageError(yTrue, yPred),
            id);
      }
      checked++;
    }
    assertEquals(6, checked);
  }

  @Test
  void smallCasesByHand() {
    long[] yTrue = {0, 0, 1, 1, 2};
    long[] yPred = {0, 1, 1, 1, 1};
    assertEquals(0.6, Metrics.accuracyScore(yTrue, yPred), 1e-15);
    // F1: class 0 2*1/(2+0+1) = 2/3, class 1 2*2/(4+2+0) = 2/3, class 2 never predicted: 0.
    assertEquals((2.0 / 3 + 2.0 / 3 + 0) / 3, Metrics.f1Score(yTrue, yPred), 1e-15);
    // Label 3 is absent from both: zero_division decides its F1.
    assertEquals(
        (2.0 / 3 + 2.0 / 3 + 0 + 1) / 4,
        Metrics.f1Score(yTrue, yPred, new long[] {0, 1, 2, 3}, 1),
        1e-15);
    assertArrayEquals(
        new long[][] {{1, 1, 0}, {0, 2, 0}, {0, 1, 0}}, Metrics.confusionMatrix(yTrue, yPred, 3));
    double[] t = {1, -2, 0};
    double[] p = {2, -2, 1};
    assertEquals(2.0 / 3, Metrics.meanAbsoluteError(t, p), 1e-15);
    assertEquals(Math.sqrt(2.0 / 3), Metrics.rootMeanSquaredError(t, p), 1e-15);
    // |1-2|/1 + 0 + |0-1|/eps, over 3: sklearn's eps floor, huge rather than infinite.
    assertEquals((1 + 1 / Math.ulp(1.0)) / 3, Metrics.meanAbsolutePercentageError(t, p), 1);
  }

  @Test
  void badInputIsOneLine() {
    assertEquals(
        "Found input variables with inconsistent numbers of samples: [2, 1]",
        assertThrows(
                IllegalArgumentException.class,
                () -> Metrics.accuracyScore(new long[] {0, 1}, new long[] {0}))
            .getMessage());
    assertEquals(
        "Expected class indices in [0, 2), got y_true[1] = 2, y_pred[1] = 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> Metrics.confusionMatrix(new long[] {0, 2}, new long[] {0, 0}, 2))
            .getMessage());
  }

  private static void close(JsonNode expected, double actual, String id) {
    double e = expected.asDouble();
    assertEquals(e, actual, RTOL * Math.abs(e), id);
  }

  private static long[] longs(JsonNode node) {
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = node.get(i).asLong();
    }
    return out;
  }

  private static double[][] matrix(JsonNode node) {
    double[][] out = new double[node.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new double[node.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = node.get(i).get(j).asDouble();
      }
    }
    return out;
  }
}
