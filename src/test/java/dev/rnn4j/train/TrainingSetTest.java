package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn4j.backend.DType;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.RandomData;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#trainEpoch} reads a {@link TrainingSet} as the user lays it out (batch first, one
 * label or target row per sample, or per step): its one-batch epoch gives the loss of the same step
 * written out by hand with the public calls, for a sequence-first many-to-many model, whose
 * predictions are (L, N, C).
 */
class TrainingSetTest {
  private static final int S = 6;
  private static final int L = 4;
  private static final SequenceModelConfig SEQUENCE_FIRST =
      SequenceModelConfig.manyToMany(RnnConfig.gru(3, 5).batchFirst(false).build(), 4);

  @Test
  void perStepLabelsFollowThePredictionsRows() {
    SplittableRandom random = new SplittableRandom(3);
    Tensor inputs = RandomData.normal(random, S, L, 3);
    long[] labels = new long[S * L];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = random.nextInt(4);
    }
    TrainingSet data = TrainingSet.classification(inputs, null, labels);
    int[] order = BatchIterator.permutation(S, 9, 1);
    float[] x = new float[L * S * 3]; // (L, N, H_in) in the epoch's order
    long[] rowLabels = new long[L * S]; // the prediction's rows: step-major
    for (int n = 0; n < S; n++) {
      for (int t = 0; t < L; t++) {
        for (int f = 0; f < 3; f++) {
          x[(t * S + n) * 3 + f] = (float) inputs.get(order[n], t, f);
        }
        rowLabels[t * S + n] = labels[order[n] * L + t];
      }
    }
    double expected;
    try (SequenceModel model = SequenceModel.create(SEQUENCE_FIRST, 2);
        SequenceModel.SequenceTape tape = model.forwardForBackward(Tensor.of(x, L, S, 3), null)) {
      expected = CrossEntropyLoss.compute(tape.prediction().view(-1, 4), rowLabels).value();
    }
    try (SequenceModel model = SequenceModel.create(SEQUENCE_FIRST, 2);
        Optimizer optimizer = OptimizerConfig.sgd(0.1).create(model.parameters())) {
      assertEquals(expected, Trainer.trainEpoch(model, optimizer, data, S, 9, 1, 0, null));
    }
  }

  @Test
  void perStepTargetsFollowThePredictionsLayout() {
    SplittableRandom random = new SplittableRandom(4);
    Tensor inputs = RandomData.normal(random, S, L, 3);
    Tensor targets = RandomData.normal(random, S, L, 4);
    TrainingSet data = TrainingSet.regression(inputs, null, targets);
    int[] order = BatchIterator.permutation(S, 9, 1);
    float[] x = new float[L * S * 3];
    float[] y = new float[L * S * 4]; // (L, N, out), as the prediction
    for (int n = 0; n < S; n++) {
      for (int t = 0; t < L; t++) {
        for (int f = 0; f < 3; f++) {
          x[(t * S + n) * 3 + f] = (float) inputs.get(order[n], t, f);
        }
        for (int o = 0; o < 4; o++) {
          y[(t * S + n) * 4 + o] = (float) targets.get(order[n], t, o);
        }
      }
    }
    double expected;
    try (SequenceModel model = SequenceModel.create(SEQUENCE_FIRST, 2);
        SequenceModel.SequenceTape tape = model.forwardForBackward(Tensor.of(x, L, S, 3), null)) {
      expected = MseLoss.compute(tape.prediction(), Tensor.of(y, L, S, 4)).value();
    }
    try (SequenceModel model = SequenceModel.create(SEQUENCE_FIRST, 2);
        Optimizer optimizer = OptimizerConfig.sgd(0.1).create(model.parameters())) {
      assertEquals(expected, Trainer.trainEpoch(model, optimizer, data, S, 9, 1, 0, null));
    }
  }

  @Test
  void badSetsAreRefusedWithTheirSizes() {
    Tensor inputs = Tensor.zeros(DType.FLOAT32, S, L, 3);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingSet.classification(inputs, null, new long[5]));
    assertEquals("Expected one label per sample (6) or per step (24), got 5", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingSet.regression(
                    inputs, new int[] {1, 2, 3, 4, 4, 9}, Tensor.zeros(DType.FLOAT32, S, 2)));
    assertEquals("Expected every length in [1, 4], got lengths[5] = 9", e.getMessage());
  }
}
