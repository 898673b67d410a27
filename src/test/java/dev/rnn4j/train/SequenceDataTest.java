package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnUtils;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pad_sequence against PyTorch, the dataset, the loader's determinism and its fit to the loop. */
class SequenceDataTest {
  private static final Path PAD_FIXTURES =
      Path.of("src/test/resources/fixtures/data/torch-2.13.0/pad_sequence.json");

  @Test
  void padSequenceEqualsPyTorchExactly() throws IOException {
    JsonNode root = new ObjectMapper().readTree(PAD_FIXTURES.toFile());
    assertEquals(6, root.get("cases").size());
    for (JsonNode c : root.get("cases")) {
      boolean float64 = c.get("dtype").asText().equals("float64");
      List<Tensor> sequences = new ArrayList<>();
      for (JsonNode s : c.get("sequences")) {
        sequences.add(tensor(s, float64));
      }
      Tensor padded =
          RnnUtils.padSequence(
              sequences, c.get("batch_first").asBoolean(), c.get("padding_value").asDouble());
      Tensor expected = tensor(c.get("expected"), float64);
      String id = c.get("id").asText();
      assertArrayEquals(expected.shape(), padded.shape(), id);
      assertEquals(expected.dtype(), padded.dtype(), id);
      // Padding copies values: tolerance 0, as the fixture's manifest says.
      assertArrayEquals(expected.toDoubleArray(), padded.toDoubleArray(), 0.0, id);
    }
  }

  private static Tensor tensor(JsonNode node, boolean float64) {
    int[] shape = new int[node.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = node.get("shape").get(i).asInt();
    }
    JsonNode values = node.get("values");
    if (float64) {
      double[] v = new double[values.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = values.get(i).asDouble();
      }
      return Tensor.wrap(v, shape);
    }
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) values.get(i).asDouble();
    }
    return Tensor.wrap(v, shape);
  }

  @Test
  void padSequenceRefusesMismatchedSequencesWithOneLine() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RnnUtils.padSequence(
                    List.of(Tensor.wrap(new float[4], 2, 2), Tensor.wrap(new float[3], 1, 3))));
    assertEquals(
        "Expected every sequence to have size (L, 2), got [1, 3] at index 1", e.getMessage());
    assertEquals(
        "received an empty list of sequences",
        assertThrows(IllegalArgumentException.class, () -> RnnUtils.padSequence(List.of()))
            .getMessage());
  }

  /** Sequence i has i + 1 steps of 2 features, values 100 i + t; label i % 3. */
  static SequenceDataset dataset(int size) {
    List<float[][]> sequences = new ArrayList<>();
    long[] labels = new long[size];
    for (int i = 0; i < size; i++) {
      float[][] s = new float[i % 5 + 1][2];
      for (int t = 0; t < s.length; t++) {
        s[t][0] = 100 * i + t;
        s[t][1] = -(100 * i + t);
      }
      sequences.add(s);
      labels[i] = i % 3;
    }
    return SequenceDataset.classification(sequences, labels);
  }

  private static List<int[]> order(SequenceLoader loader, int epoch) {
    List<int[]> out = new ArrayList<>();
    for (Iterator<SequenceBatch> it = loader.iterator(epoch); it.hasNext(); ) {
      out.add(it.next().indices());
    }
    return out;
  }

  @Test
  void seededShufflingIsTheSameEveryRunAndDiffersBetweenEpochs() {
    SequenceDataset data = dataset(11);
    SequenceLoader a = SequenceLoader.builder(data).batchSize(4).shuffle(true).seed(7).build();
    SequenceLoader b = SequenceLoader.builder(data).batchSize(4).shuffle(true).seed(7).build();
    List<int[]> first = order(a, 1);
    assertEquals(3, first.size());
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(first.get(k), order(b, 1).get(k));
    }
    // The order of epoch e is BatchIterator.permutation(S, seed, e), the one trainEpoch uses.
    int[] permutation = BatchIterator.permutation(11, 7, 1);
    assertArrayEquals(java.util.Arrays.copyOfRange(permutation, 0, 4), first.get(0));
    assertArrayEquals(java.util.Arrays.copyOfRange(permutation, 8, 11), first.get(2));
    assertFalse(java.util.Arrays.equals(permutation, BatchIterator.permutation(11, 7, 2)));
    // Iterating again is the next epoch, as a DataLoader reshuffles.
    Iterator<SequenceBatch> e1 = b.iterator();
    Iterator<SequenceBatch> e2 = b.iterator();
    assertArrayEquals(first.get(0), e1.next().indices());
    assertArrayEquals(order(a, 2).get(0), e2.next().indices());
    assertNotEquals(
        java.util.Arrays.toString(order(a, 1).get(0)),
        java.util.Arrays.toString(
            order(SequenceLoader.builder(data).batchSize(4).shuffle(true).seed(8).build(), 1)
                .get(0)));
  }

  @Test
  void batchesArePaddedWithTheirLengthsAndLabelsAndDropLastDrops() {
    SequenceDataset data = dataset(5);
    SequenceLoader loader = SequenceLoader.builder(data).batchSize(2).dropLast(true).build();
    assertEquals(2, loader.numBatches());
    assertEquals(3, SequenceLoader.builder(data).batchSize(2).build().numBatches());
    Iterator<SequenceBatch> it = loader.iterator(1);
    it.next();
    SequenceBatch second = it.next();
    assertFalse(it.hasNext());
    assertArrayEquals(new int[] {2, 3}, second.indices());
    assertArrayEquals(new int[] {3, 4}, second.lengths());
    assertArrayEquals(new long[] {2, 0}, second.labels());
    // Sequence-first (L, N, H_in): step 3 of sample 2 (3 steps) is padding.
    assertArrayEquals(new int[] {4, 2, 2}, second.input().shape());
    assertEquals(302, second.input().get(2, 1, 0));
    assertEquals(0, second.input().get(3, 0, 0));
    assertEquals(303, second.input().get(3, 1, 0));
    assertEquals(
        "batch_size should be a positive integer value. Expected >= 1, got 0",
        assertThrows(
                IllegalArgumentException.class, () -> SequenceLoader.builder(data).batchSize(0))
            .getMessage());
  }

  @Test
  void randomSplitIsSeededAndDisjoint() {
    SequenceDataset data = dataset(10);
    SequenceDataset.Split s = data.randomSplit(0.3, 5);
    assertEquals(7, s.train().size());
    assertEquals(3, s.validation().size());
    int[] p = BatchIterator.permutation(10, 5, 0);
    assertEquals(100f * p[7], s.validation().sequence(0)[0][0]);
    assertEquals(p[7] % 3, s.validation().label(0));
    assertEquals(
        s.validation().sequence(2)[0][0], data.randomSplit(0.3, 5).validation().sequence(2)[0][0]);
  }

  @Test
  void aDatasetTrainsThroughTheOneLoop() {
    SequenceDataset data = dataset(9);
    RnnConfig rnn = RnnConfig.gru(2, 4).batchFirst(true).build();
    try (SequenceModel model = SequenceModel.create(SequenceModelConfig.manyToOne(rnn, 3), 1);
        TrainingSet set =
            data.normalized(data.fitNormalization(List.of("a", "b"))).toTrainingSet()) {
      assertEquals(9, set.size());
      assertEquals(TrainingSet.Loss.CROSS_ENTROPY, set.loss());
      Optimizer optimizer = OptimizerConfig.adam(0.01).create(model.parameters());
      double first = Trainer.trainEpoch(model.train(), optimizer, set, 4, 3, 1, 0, null);
      double later = first;
      for (int epoch = 2; epoch <= 30; epoch++) {
        later = Trainer.trainEpoch(model, optimizer, set, 4, 3, epoch, 0, null);
      }
      assertEquals(DType.FLOAT32, model.dtype());
      assertEquals(true, later < first, first + " -> " + later);
      optimizer.close();
    }
  }
}
