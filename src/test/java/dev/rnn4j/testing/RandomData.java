package dev.rnn4j.testing;

import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.TrainingSet;
import java.util.SplittableRandom;

/** Seeded random tensors and training sets for tests that need data, not particular data. */
public final class RandomData {
  private RandomData() {}

  /** A float32 tensor of standard normal values. */
  public static Tensor normal(SplittableRandom random, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return Tensor.wrap(data, shape);
  }

  /**
   * {@code samples} sequences of {@code steps} x {@code features} standard normal values with
   * lengths in [1, steps] and standard normal targets of {@code outputs} values each: a many-to-one
   * regression set.
   */
  public static TrainingSet regression(
      long seed, int samples, int steps, int features, int outputs) {
    SplittableRandom random = new SplittableRandom(seed);
    Tensor inputs = normal(random, samples, steps, features);
    Tensor targets = normal(random, samples, outputs);
    int[] lengths = new int[samples];
    for (int n = 0; n < samples; n++) {
      lengths[n] = 1 + random.nextInt(steps);
    }
    return TrainingSet.regression(inputs, lengths, targets);
  }
}
