package dev.rnn4j.determinism;

import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.Rnn;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnOutput;
import dev.rnn4j.nn.RnnTape;
import dev.rnn4j.nn.SequenceModel;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.RandomData;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.Trainer;
import dev.rnn4j.train.TrainingSet;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * What {@link DeterminismTest} runs in fresh JVMs: float32 forward and backward passes of an LSTM
 * and a GRU, and three epochs of training, on fixed data; prints the SHA-256 of every resulting
 * bit.
 */
public final class DeterminismProbe {
  private DeterminismProbe() {}

  public static void main(String[] args) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom(17);
    Tensor x = RandomData.normal(random, 6, 9, 5);
    Tensor dy = RandomData.normal(random, 6, 9, 2 * 24);
    int[] lengths = {9, 3, 7, 9, 1, 5};
    for (RnnConfig config :
        new RnnConfig[] {
          RnnConfig.lstm(5, 24).numLayers(2).bidirectional(true).batchFirst(true).build(),
          RnnConfig.gru(5, 24).numLayers(2).bidirectional(true).batchFirst(true).build()
        }) {
      try (Rnn rnn = Rnn.create(config, 3)) {
        RnnOutput out = rnn.eval().forward(x, lengths);
        add(digest, out.output());
        add(digest, out.hN());
        try (RnnTape tape = rnn.train().forwardForBackward(x, null, lengths)) {
          add(digest, tape.backward(dy, null, null).input());
        }
        rnn.grad().asMap().values().forEach(t -> add(digest, t));
      }
    }
    // Blocks of four sequences and a width that is no multiple of the vector length: the products'
    // four-row tiles, a partial panel and the cells' scalar tails.
    Tensor x8 = RandomData.normal(random, 8, 9, 5);
    Tensor dy8 = RandomData.normal(random, 8, 9, 20);
    for (RnnMode mode : new RnnMode[] {RnnMode.LSTM, RnnMode.RNN_TANH, RnnMode.RNN_RELU}) {
      try (Rnn rnn = Rnn.create(RnnConfig.builder(mode, 5, 20).batchFirst(true).build(), 4)) {
        add(digest, rnn.eval().forward(x8).output());
        try (RnnTape tape = rnn.train().forwardForBackward(x8, null, null)) {
          add(digest, tape.backward(dy8, null, null).input());
        }
        rnn.grad().asMap().values().forEach(t -> add(digest, t));
      }
    }
    SequenceModelConfig model =
        SequenceModelConfig.manyToOne(
            RnnConfig.lstm(3, 16).numLayers(2).batchFirst(true).build(), 2);
    TrainingSet data = RandomData.regression(5, 40, 8, 3, 2);
    try (SequenceModel m = SequenceModel.create(model, 7).train();
        Optimizer optimizer = OptimizerConfig.adam(1e-2).create(m.parameters())) {
      for (int epoch = 1; epoch <= 3; epoch++) {
        m.manualSeed(epoch);
        Trainer.trainEpoch(m, optimizer, data, 8, 11, epoch, 1.0, null);
      }
      for (Parameter p : m.parameters()) {
        add(digest, p.data().to(Device.CPU));
      }
    }
    System.out.println(HexFormat.of().formatHex(digest.digest()));
  }

  private static void add(MessageDigest digest, Tensor t) {
    float[] values = t.toFloatArray();
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length);
    for (float v : values) {
      bytes.putInt(Float.floatToRawIntBits(v));
    }
    digest.update(bytes.array());
  }
}
