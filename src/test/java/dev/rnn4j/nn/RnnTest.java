package dev.rnn4j.nn;

import static dev.rnn4j.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.backend.DType;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the module that hold whatever the numbers: layouts, lengths, directions, modes,
 * dtypes.
 */
class RnnTest {

  static Tensor randn(long seed, int... shape) {
    Random r = new Random(seed);
    float[] data = new float[dev.rnn4j.tensor.Shape.numel(shape)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) r.nextGaussian();
    }
    return Tensor.wrap(data, shape);
  }

  @Test
  void initializationIsPyTorchsBoundAndSeeded() {
    RnnConfig c = RnnConfig.gru(3, 16).numLayers(2).bidirectional(true).build();
    Rnn a = Rnn.create(c, 5);
    assertEquals(a.stateDict(), Rnn.create(c, 5).stateDict());
    assertNotEquals(a.stateDict(), Rnn.create(c, 6).stateDict());
    double bound = 1 / Math.sqrt(16);
    double max = 0;
    for (Tensor t : a.stateDict().asMap().values()) {
      for (int i = 0; i < t.numel(); i++) {
        max = Math.max(max, Math.abs(t.getFlat(i)));
      }
    }
    assertTrue(max <= bound && max > 0.9 * bound, "max |w| " + max);
    assertEquals(ParamKey.all(c).stream().map(ParamKey::name).toList(), a.stateDict().names());
    assertArrayEquals(new int[] {48, 32}, a.stateDict().get("weight_ih_l1_reverse").shape());
    assertTrue(a.isTraining(), "a new module starts in training mode, as in PyTorch");
  }

  @Test
  void unbatchedInputIsABatchOfOne() {
    Rnn rnn =
        Rnn.create(RnnConfig.lstm(3, 5).numLayers(2).bidirectional(true).projSize(2).build(), 1)
            .eval();
    Tensor x = randn(1, 6, 3);
    Tensor h0 = randn(2, 4, 2);
    Tensor c0 = randn(3, 4, 5);
    RnnOutput unbatched = rnn.forward(x, RnnState.of(h0, c0));
    RnnOutput batched =
        rnn.forward(x.view(6, 1, 3), RnnState.of(h0.view(4, 1, 2), c0.view(4, 1, 5)));
    assertEquals(batched.output().view(6, 4), unbatched.output());
    assertEquals(batched.hN().view(4, 2), unbatched.hN());
    assertEquals(batched.cN().view(4, 5), unbatched.cN());
  }

  @Test
  void batchFirstOnlyChangesTheLayout() {
    RnnConfig seqFirst = RnnConfig.gru(3, 4).numLayers(2).bidirectional(true).build();
    Rnn a = Rnn.create(seqFirst, 2).eval();
    Rnn b = Rnn.fromStateDict(seqFirst.toBuilder().batchFirst(true).build(), a.stateDict()).eval();
    Tensor x = randn(3, 5, 2, 3);
    float[] transposed = new float[x.numel()];
    for (int t = 0; t < 5; t++) {
      for (int n = 0; n < 2; n++) {
        for (int i = 0; i < 3; i++) {
          transposed[(n * 5 + t) * 3 + i] = (float) x.get(t, n, i);
        }
      }
    }
    RnnOutput sf = a.forward(x);
    RnnOutput bf = b.forward(Tensor.wrap(transposed, 2, 5, 3));
    assertEquals(sf.hN(), bf.hN());
    for (int t = 0; t < 5; t++) {
      for (int n = 0; n < 2; n++) {
        assertEquals(sf.output().select(0, t).select(0, n), bf.output().select(0, n).select(0, t));
      }
    }
  }

  @Test
  void lengthsGiveEachSequenceItsOwnRun() {
    RnnConfig config =
        RnnConfig.lstm(3, 5).numLayers(2).bidirectional(true).projSize(3).batchFirst(true).build();
    Rnn rnn = Rnn.create(config, 4).eval();
    int[] lengths = {2, 5, 1, 4};
    Tensor x = randn(4, 4, 5, 3);
    Tensor h0 = randn(5, 4, 4, 3);
    Tensor c0 = randn(6, 4, 4, 5);
    RnnOutput packed = rnn.forward(x, RnnState.of(h0, c0), lengths);
    for (int n = 0; n < 4; n++) {
      int len = lengths[n];
      float[] seq = new float[len * 3];
      for (int t = 0; t < len; t++) {
        for (int i = 0; i < 3; i++) {
          seq[t * 3 + i] = (float) x.get(n, t, i);
        }
      }
      RnnOutput alone =
          rnn.forward(
              Tensor.wrap(seq, 1, len, 3),
              RnnState.of(h0.select(1, n).view(4, 1, 3), c0.select(1, n).view(4, 1, 5)));
      Tensor rows = packed.output().select(0, n);
      for (int t = 0; t < 5; t++) {
        Tensor row = rows.select(0, t);
        if (t < len) {
          assertClose(
              alone.output().select(0, 0).select(0, t),
              row,
              1e-6,
              0,
              "sequence " + n + " step " + t);
        } else {
          assertEquals(
              Tensor.zeros(DType.FLOAT32, 6), row, "padding of sequence " + n + " at step " + t);
        }
      }
      assertClose(alone.hN().view(4, 3), packed.hN().select(1, n), 1e-6, 0, "h_n of sequence " + n);
      assertClose(alone.cN().view(4, 5), packed.cN().select(1, n), 1e-6, 0, "c_n of sequence " + n);
    }
  }

  @Test
  void directionsSplitAsTheArticleShows() {
    Rnn rnn =
        Rnn.create(RnnConfig.rnn(1, 2).batchFirst(true).numLayers(3).bidirectional(true).build(), 3)
            .eval();
    RnnOutput out = rnn.forward(randn(9, 4, 5, 1));
    assertArrayEquals(new int[] {4, 5, 2}, out.outputDirection(0).shape());
    assertArrayEquals(new int[] {3, 4, 2}, out.hiddenDirection(1).shape());
    for (int n = 0; n < 4; n++) {
      for (int j = 0; j < 2; j++) {
        assertEquals(out.output().get(n, 3, 2 + j), out.outputDirection(1).get(n, 3, j));
        assertEquals(out.hN().get(4 + 1, n, j), out.hiddenDirection(1).get(2, n, j));
      }
    }
    // The last layer's h_n: forward direction at the last step, reverse direction at the first.
    assertEquals(out.hiddenDirection(0).select(0, 2), out.outputDirection(0).select(1, 4));
    assertEquals(out.hiddenDirection(1).select(0, 2), out.outputDirection(1).select(1, 0));
    assertThrows(IllegalStateException.class, out::cN);
    RnnConfigTest.assertMessage(
        "direction must be in [0, 1] for RNN(1, 2, num_layers=3, batch_first=True, "
            + "bidirectional=True), got 2",
        () -> out.outputDirection(2));
  }

  @Test
  void cellStatesSplitLikeHiddenStates() {
    Rnn rnn = Rnn.create(RnnConfig.lstm(3, 4).numLayers(2).bidirectional(true).build(), 6).eval();
    RnnOutput out = rnn.forward(randn(10, 5, 2, 3));
    assertArrayEquals(new int[] {2, 2, 4}, out.cellDirection(1).shape());
    for (int layer = 0; layer < 2; layer++) {
      for (int d = 0; d < 2; d++) {
        assertEquals(
            out.cN().select(0, layer * 2 + d),
            out.cellDirection(d).select(0, layer),
            "c_n.view(L, D, N, H)[" + layer + ", " + d + "]");
      }
    }
    RnnOutput unbatched = rnn.forward(randn(11, 5, 3));
    assertArrayEquals(new int[] {2, 4}, unbatched.cellDirection(0).shape());
  }

  @Test
  void allCloseIsTorchAllclose() {
    Tensor a = Tensor.of(new float[] {1f, 2f, 100f}, 3);
    assertTrue(a.allClose(Tensor.of(new float[] {1f, 2.00001f, 100.001f}, 3), 1e-5, 1e-5));
    assertFalse(a.allClose(Tensor.of(new float[] {1f, 2.001f, 100f}, 3), 1e-5, 1e-5));
    assertFalse(a.allClose(a.view(1, 3), 1e-5, 1e-5), "shapes must agree");
    assertFalse(
        Tensor.of(new float[] {Float.NaN}, 1).allClose(Tensor.of(new float[] {Float.NaN}, 1), 1, 1),
        "NaN is close to nothing, as with equal_nan=False");
  }

  @Test
  void dropoutActsOnlyInTrainingAndIsSeeded() {
    RnnConfig config = RnnConfig.gru(3, 8).numLayers(3).dropout(0.5).build();
    Tensor x = randn(5, 7, 2, 3);
    Rnn rnn = Rnn.create(config, 11);
    Rnn noDropout = Rnn.fromStateDict(config.toBuilder().dropout(0).build(), rnn.stateDict());
    Tensor eval = rnn.eval().forward(x).output();
    assertEquals(
        noDropout.train().forward(x).output(), eval, "without dropout, training changes nothing");
    rnn.train().manualSeed(42);
    Tensor first = rnn.forward(x).output();
    Tensor second = rnn.forward(x).output();
    assertNotEquals(eval, first);
    assertNotEquals(first, second, "each call draws new masks");
    rnn.manualSeed(42);
    assertEquals(first, rnn.forward(x).output(), "the same seed gives the same masks");
    assertEquals(eval, rnn.eval().forward(x).output());
  }

  @Test
  void float64FollowsTheWeights() {
    Rnn rnn = Rnn.create(RnnConfig.lstm(3, 4).numLayers(2).build(), 8).eval();
    Tensor x = randn(9, 5, 2, 3);
    Tensor single = rnn.forward(x).output();
    rnn.to(DType.FLOAT64);
    assertEquals(DType.FLOAT64, rnn.dtype());
    Tensor dbl = rnn.forward(x.to(DType.FLOAT64)).output();
    assertEquals(DType.FLOAT64, dbl.dtype());
    assertClose(dbl.to(DType.FLOAT32), single, 1e-6, 1e-5, "float32 vs float64");
    Rnn again = Rnn.create(RnnConfig.lstm(3, 4).numLayers(2).build(), 0);
    again.loadStateDict(rnn.stateDict());
    assertEquals(DType.FLOAT32, again.dtype(), "load_state_dict converts to the module's dtype");
  }
}
