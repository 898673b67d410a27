import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.*;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.*;
import java.util.SplittableRandom;

public class ContractExample {
  public static void main(String[] args) {
    Device device = Device.parse(args.length > 0 ? args[0] : "cpu");
    SequenceModelConfig config = SequenceModelConfig.manyToOne(
        RnnConfig.gru(8, 32).numLayers(2).bidirectional(true).batchFirst(true).build(), 5);
    SplittableRandom random = new SplittableRandom(1);
    try (SequenceModel model = SequenceModel.create(config, 7).to(device).train()) {
      Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
      for (int step = 0; step < 60; step++) {
        float[] xs = new float[16 * 20 * 8];
        long[] labels = new long[16];
        int[] lengths = new int[16];
        for (int n = 0; n < 16; n++) {
          labels[n] = random.nextInt(5);
          lengths[n] = 5 + random.nextInt(16);
          for (int t = 0; t < lengths[n]; t++) xs[(n * 20 + t) * 8 + (int) labels[n]] = 1f;
        }
        Tensor x = Tensor.of(xs, 16, 20, 8).to(device);          // (N, L, H_in), on the device
        try (SequenceModel.SequenceTape tape = model.forwardForBackward(x, lengths)) {
          LossResult loss = CrossEntropyLoss.compute(tape.prediction(), labels);
          tape.backward(loss.gradient());
          if (step % 10 == 0) System.out.printf("step %d loss %.4f%n", step, loss.value());
        }
        GradClipping.clipGradNorm(model.parameters(), 1.0);
        optimizer.step();
        optimizer.zeroGrad();
      }
    }
  }
}
