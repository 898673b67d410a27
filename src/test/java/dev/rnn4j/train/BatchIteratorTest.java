package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
  /** 11 samples: window 2 over two columns, horizon 1 of the first. */
  private static WindowDataset dataset() {
    double[][] rows = new double[13][];
    for (int t = 0; t < rows.length; t++) {
      rows[t] = new double[] {t, -t};
    }
    return WindowDataset.builder(TimeSeries.of(List.of("a", "b"), rows), 2, 1).build();
  }

  private static List<Batch> drain(BatchIterator it) {
    List<Batch> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void inOrderBatchesKeepThePartialLastBatch() {
    WindowDataset d = dataset();
    BatchIterator it = BatchIterator.inOrder(d, 4);
    assertEquals(3, it.numBatches());
    List<Batch> batches = drain(it);
    assertEquals(List.of(4, 4, 3), batches.stream().map(Batch::size).toList());
    assertArrayEquals(new int[] {8, 9, 10}, batches.get(2).indices());
    Batch last = batches.get(2);
    assertEquals(DType.FLOAT32, last.input().dtype());
    assertArrayEquals(new int[] {3, 2, 2}, last.input().shape()); // (N, window, F), batch first
    assertArrayEquals(new int[] {3, 1}, last.target().shape()); // (N, horizon)
    // Sample i: rows i, i + 1 as input, row i + 2 as target.
    assertArrayEquals(
        new float[] {8, -8, 9, -9, 9, -9, 10, -10, 10, -10, 11, -11}, last.input().toFloatArray());
    assertArrayEquals(new float[] {10, 11, 12}, last.target().toFloatArray());
    assertFalse(it.hasNext());
    assertThrows(NoSuchElementException.class, it::next);
  }

  @Test
  void batchesHoldTheDatasetsNormalizedSamples() {
    WindowDataset d = dataset().splitByTime(0.3).normalized().train();
    for (Batch b : (Iterable<Batch>) () -> BatchIterator.shuffled(d, 3, 1, 0)) {
      for (int n = 0; n < b.size(); n++) {
        int i = b.indices()[n];
        assertArrayEquals(
            toFloats(d.input(i)), Arrays.copyOfRange(b.input().toFloatArray(), n * 4, n * 4 + 4));
        assertArrayEquals(toFloats(d.target(i)), new float[] {b.target().toFloatArray()[n]});
      }
    }
  }

  @Test
  void shuffledOrderDependsOnlyOnSeedAndEpoch() {
    WindowDataset d = dataset();
    // An uninterrupted run over five epochs...
    List<List<Batch>> run = new ArrayList<>();
    for (int epoch = 0; epoch < 5; epoch++) {
      run.add(drain(BatchIterator.shuffled(d, 4, 1234, epoch)));
    }
    // ...and a run resumed at epoch 3 see the same batches.
    assertEquals(run.get(3), drain(BatchIterator.shuffled(d, 4, 1234, 3)));
    assertEquals(run.get(4), drain(BatchIterator.shuffled(d, 4, 1234, 4)));
    // Each epoch covers every sample once, in an order of its own.
    for (int epoch = 0; epoch < 5; epoch++) {
      int[] seen =
          run.get(epoch).stream().flatMapToInt(b -> Arrays.stream(b.indices())).sorted().toArray();
      assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, seen);
      assertEquals(List.of(4, 4, 3), run.get(epoch).stream().map(Batch::size).toList());
    }
    assertNotEquals(run.get(0), run.get(1));
    assertNotEquals(
        drain(BatchIterator.shuffled(d, 4, 1234, 0)), drain(BatchIterator.shuffled(d, 4, 1235, 0)));
  }

  @Test
  void permutationIsPinned() {
    // A resumed run must shuffle as the run that wrote the checkpoint did, in any later rnn4j
    // version.
    assertArrayEquals(
        new int[] {3, 2, 4, 9, 1, 0, 7, 8, 6, 5}, BatchIterator.permutation(10, 42, 0));
    assertArrayEquals(
        new int[] {6, 0, 1, 9, 2, 8, 4, 7, 3, 5}, BatchIterator.permutation(10, 42, 1));
    assertArrayEquals(
        new int[] {4, 6, 1, 8, 5, 9, 3, 2, 7, 0}, BatchIterator.permutation(10, 7, 0));
    assertArrayEquals(new int[0], BatchIterator.permutation(0, 42, 0));
  }

  @Test
  void explicitIndicesAreBatchedAsGiven() {
    List<Batch> batches = drain(BatchIterator.of(dataset(), new int[] {5, 5, 0}, 2));
    assertArrayEquals(new int[] {5, 5}, batches.get(0).indices());
    assertArrayEquals(new int[] {0}, batches.get(1).indices());
  }

  @Test
  void invalidArgumentsAreRejected() {
    WindowDataset d = dataset();
    assertEquals(
        "batchSize must be at least 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> BatchIterator.inOrder(d, 0))
            .getMessage());
    assertEquals(
        "indices[1] is 11, out of range for a dataset of 11 samples",
        assertThrows(
                IllegalArgumentException.class, () -> BatchIterator.of(d, new int[] {0, 11}, 2))
            .getMessage());
    assertEquals(
        "epoch must be non-negative, got -1",
        assertThrows(IllegalArgumentException.class, () -> BatchIterator.shuffled(d, 2, 0, -1))
            .getMessage());
  }

  @Test
  void batchIsAValueWithCheckedShapes() {
    Batch b = BatchIterator.inOrder(dataset(), 2).next();
    int[] indices = b.indices();
    indices[0] = 99;
    assertArrayEquals(new int[] {0, 1}, b.indices());
    assertEquals(b, BatchIterator.inOrder(dataset(), 2).next());
    assertEquals("Batch(size=2, input=[2, 2, 2], target=[2, 1], indices=[0, 1])", b.toString());
    assertEquals(
        "Expected input size (3, window, F), got [2, 2, 2]",
        assertThrows(
                IllegalArgumentException.class, () -> new Batch(b.input(), b.target(), new int[3]))
            .getMessage());
  }

  private static float[] toFloats(double[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
    }
    return out;
  }
}
