package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowDatasetTest {
  /** Column a is 0, 1, 2, ... and column b is 100, 101, 102, ...: every value names its row. */
  private static TimeSeries ramp(int rows) {
    double[][] values = new double[rows][];
    for (int t = 0; t < rows; t++) {
      values[t] = new double[] {t, 100 + t};
    }
    return TimeSeries.of(List.of("a", "b"), values);
  }

  private static String message(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void windowsAndHorizonIndexRowsExactly() {
    WindowDataset d = WindowDataset.builder(ramp(10), 3, 2).build();
    assertEquals(6, d.size()); // (10 - 3 - 2) / 1 + 1
    assertEquals(2, d.numFeatures());
    assertEquals(2, d.targetSize());
    assertEquals(List.of("a"), d.targetColumns());
    // Input rows [0, 3) of both columns, (window, F) row-major; target rows [3, 5) of column a.
    assertArrayEquals(new double[] {0, 100, 1, 101, 2, 102}, d.input(0));
    assertArrayEquals(new double[] {3, 4}, d.target(0));
    // The last sample's target ends on the last row.
    assertArrayEquals(new double[] {5, 105, 6, 106, 7, 107}, d.input(5));
    assertArrayEquals(new double[] {8, 9}, d.target(5));
    assertEquals(0, d.firstRow());
    assertEquals(10, d.endRow());
    assertThrows(IndexOutOfBoundsException.class, () -> d.input(6));
  }

  @Test
  void strideSkipsStartsAndLeavesUnreachableTailRowsOut() {
    WindowDataset d2 = WindowDataset.builder(ramp(10), 3, 2).stride(2).build();
    assertEquals(3, d2.size()); // starts 0, 2, 4
    assertEquals(4, d2.start(2));
    assertArrayEquals(new double[] {7, 8}, d2.target(2));
    WindowDataset d3 = WindowDataset.builder(ramp(10), 3, 2).stride(3).build();
    assertEquals(
        2, d3.size()); // starts 0, 3; rows 8 and 9 would need a start at 6 with rows up to 11
    assertArrayEquals(new double[] {6, 7}, d3.target(1));
    assertEquals(10, d3.endRow()); // covered, though no sample reads rows 8 and 9
  }

  @Test
  void severalTargetColumnsAreInterleavedStepMajor() {
    WindowDataset d = WindowDataset.builder(ramp(10), 3, 2).targetColumns("b", "a").build();
    assertEquals(4, d.targetSize());
    assertArrayEquals(new double[] {103, 3, 104, 4}, d.target(0));
  }

  @Test
  void aSeriesOfExactlyOneWindowHasOneSample() {
    assertEquals(1, WindowDataset.builder(ramp(5), 3, 2).build().size());
  }

  @Test
  void invalidSettingsAreRejectedWithValues() {
    TimeSeries s = TimeSeries.of("x", new double[30]);
    assertEquals(
        "series of 30 rows is too short for one window: window 24 + horizon 12 = 36 rows needed",
        message(() -> WindowDataset.builder(s, 24, 12).build()));
    assertEquals(
        "window must be at least 1, got 0", message(() -> WindowDataset.builder(s, 0, 1).build()));
    assertEquals(
        "horizon must be at least 1, got -1",
        message(() -> WindowDataset.builder(s, 1, -1).build()));
    assertEquals(
        "stride must be at least 1, got 0",
        message(() -> WindowDataset.builder(s, 1, 1).stride(0).build()));
    assertEquals(
        "the series has no column \"y\"; its columns are: x",
        message(() -> WindowDataset.builder(s, 1, 1).targetColumns("y").build()));
    assertEquals(
        "target column \"x\" is named twice",
        message(() -> WindowDataset.builder(s, 1, 1).targetColumns("x", "x").build()));
  }

  @Test
  void splitByTimeKeepsTargetsOnTheirSideOfTheBoundary() {
    WindowDataset.Split split = WindowDataset.builder(ramp(20), 3, 2).build().splitByTime(0.25);
    assertEquals(15, split.boundary()); // the last round(0.25 * 20) = 5 rows validate
    WindowDataset train = split.train();
    WindowDataset validation = split.validation();
    assertEquals(11, train.size()); // starts 0..10: the last target is row 14
    assertArrayEquals(new double[] {13, 14}, train.target(10));
    assertEquals(15, train.endRow());
    assertEquals(4, validation.size()); // starts 12..15
    // The first validation sample reads the last 3 training rows and predicts from the boundary on.
    assertArrayEquals(new double[] {12, 112, 13, 113, 14, 114}, validation.input(0));
    assertArrayEquals(new double[] {15, 16}, validation.target(0));
    assertArrayEquals(new double[] {18, 19}, validation.target(3));
  }

  @Test
  void noTargetCrossesTheBoundaryForAnySettings() {
    for (int rows = 8; rows <= 40; rows += 3) {
      for (int window = 1; window <= 5; window++) {
        for (int horizon = 1; horizon <= 3; horizon++) {
          for (int stride = 1; stride <= 3; stride++) {
            for (double fraction : new double[] {0.1, 0.25, 0.5}) {
              WindowDataset.Split split;
              try {
                split =
                    WindowDataset.builder(ramp(rows), window, horizon)
                        .stride(stride)
                        .build()
                        .splitByTime(fraction);
              } catch (IllegalArgumentException tooShort) {
                continue;
              }
              String at =
                  rows
                      + " rows, window "
                      + window
                      + ", horizon "
                      + horizon
                      + ", stride "
                      + stride
                      + ", fraction "
                      + fraction;
              int boundary = split.boundary();
              WindowDataset train = split.train();
              for (int i = 0; i < train.size(); i++) {
                for (double row : train.input(i)) {
                  assertTrue(row < boundary || row >= 100, at); // column b is 100 + row
                }
                for (double row : train.target(i)) {
                  assertTrue(row < boundary, at);
                }
              }
              WindowDataset validation = split.validation();
              int lastTarget = -1;
              for (int i = 0; i < validation.size(); i++) {
                double[] target = validation.target(i);
                for (double row : target) {
                  assertTrue(row >= boundary && row < rows, at);
                }
                lastTarget = (int) target[target.length - 1];
              }
              assertEquals(boundary, validation.target(0)[0], at);
              assertTrue(
                  lastTarget > rows - 1 - stride, at); // no validation rows wasted beyond a stride
            }
          }
        }
      }
    }
  }

  @Test
  void splitByTimeRejectsFractionsThatLeaveAPartTooShort() {
    WindowDataset d = WindowDataset.builder(ramp(10), 3, 2).build();
    assertEquals("validationFraction must be in (0, 1), got 0.0", message(() -> d.splitByTime(0)));
    assertEquals("validationFraction must be in (0, 1), got 1.0", message(() -> d.splitByTime(1)));
    assertEquals(
        "validationFraction must be in (0, 1), got NaN", message(() -> d.splitByTime(Double.NaN)));
    assertEquals(
        "training part of 4 rows is too short for one window: window 3 + horizon 2 = 5 rows needed "
            + "(validationFraction 0.6 leaves rows [0, 4) for training)",
        message(() -> d.splitByTime(0.6)));
    assertEquals(
        "validation part of 1 rows is too short for one target: horizon 2 rows needed "
            + "(validationFraction 0.1 leaves rows [9, 10) for validation)",
        message(() -> d.splitByTime(0.1)));
  }

  @Test
  void normalizedSplitIsFittedOnTrainingRowsOnly() {
    WindowDataset.Split split =
        WindowDataset.builder(ramp(20), 3, 2).build().splitByTime(0.25).normalized();
    Normalization n = split.normalization();
    assertEquals(7, n.mean("a")); // rows 0..14
    double std = Math.sqrt((15.0 * 15 - 1) / 12); // population std of 0..14
    assertEquals(std, n.std("a"), 1e-12);
    assertEquals(n, split.validation().normalization());
    assertArrayEquals(
        new double[] {(15 - 7) / std, (16 - 7) / std}, split.validation().target(0), 1e-12);
    assertArrayEquals(
        new double[] {-7 / std, (100 - 107) / std}, slice(split.train().input(0), 0, 2), 1e-12);
    // Back to rows: the inverse of the normalized targets.
    Tensor back = split.validation().inverseTargets(Tensor.of(split.validation().target(0), 1, 2));
    assertArrayEquals(new double[] {15, 16}, back.toDoubleArray(), 1e-12);

    // Whatever the validation rows hold, the statistics are the same.
    double[][] other = new double[20][];
    for (int t = 0; t < 20; t++) {
      other[t] = new double[] {t < 15 ? t : 1e6, t < 15 ? 100 + t : -1e6};
    }
    WindowDataset.Split otherSplit =
        WindowDataset.builder(TimeSeries.of(List.of("a", "b"), other), 3, 2)
            .build()
            .splitByTime(0.25)
            .normalized();
    assertEquals(n, otherSplit.normalization());
  }

  @Test
  void normalizationMustCoverEveryColumn() {
    WindowDataset d = WindowDataset.builder(ramp(10), 3, 2).build();
    Normalization onlyA = Normalization.of(List.of("a"), new double[] {0}, new double[] {1});
    assertEquals(
        "normalization has no statistics for column \"b\"; it has: a",
        message(() -> d.normalized(onlyA)));
  }

  @Test
  void describesItself() {
    assertEquals(
        "WindowDataset(samples=6, window=3, horizon=2, stride=1, targets=[a], rows=[0, 10))",
        WindowDataset.builder(ramp(10), 3, 2).build().toString());
  }

  private static double[] slice(double[] v, int from, int to) {
    double[] out = new double[to - from];
    System.arraycopy(v, from, out, 0, out.length);
    return out;
  }
}
