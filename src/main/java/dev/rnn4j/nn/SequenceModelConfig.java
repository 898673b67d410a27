package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import java.util.Objects;

/**
 * A sequence model's shape: an {@link Rnn} and a linear head that reads either each sequence's last
 * valid step (many-to-one: forecasting the next values, classifying a sequence) or every step
 * (many-to-many).
 *
 * <p>The PyTorch twin is a module with submodules {@code rnn} and {@code head = nn.Linear(D *
 * H_out, out_features, bias)}; its {@code state_dict} names are {@code rnn.weight_ih_l0}, ...,
 * {@code head.weight}, {@code head.bias}.
 *
 * @param rnn the recurrent stack
 * @param outFeatures the head's output size: values forecast, or classes
 * @param headBias whether the head has a bias (PyTorch's default: true)
 * @param manyToOne whether the head reads only each sequence's last valid step
 */
public record SequenceModelConfig(
    RnnConfig rnn, int outFeatures, boolean headBias, boolean manyToOne) {
  /**
   * Checks the arguments.
   *
   * @param rnn the recurrent stack
   * @param outFeatures the head's output size, positive
   * @param headBias whether the head has a bias
   * @param manyToOne whether the head reads only each sequence's last valid step
   * @throws IllegalArgumentException if {@code outFeatures} is not positive
   */
  public SequenceModelConfig {
    Objects.requireNonNull(rnn, "rnn");
    checkArgument(outFeatures > 0, "out_features must be greater than zero, got %d", outFeatures);
  }

  /**
   * A head with bias on each sequence's last valid step.
   *
   * @param rnn the recurrent stack
   * @param outFeatures the head's {@code out_features}
   * @return the config
   */
  public static SequenceModelConfig manyToOne(RnnConfig rnn, int outFeatures) {
    return new SequenceModelConfig(rnn, outFeatures, true, true);
  }

  /**
   * A head with bias on every step.
   *
   * @param rnn the recurrent stack
   * @param outFeatures the head's {@code out_features}
   * @return the config
   */
  public static SequenceModelConfig manyToMany(RnnConfig rnn, int outFeatures) {
    return new SequenceModelConfig(rnn, outFeatures, true, false);
  }

  /**
   * The head's input size, D * H_out.
   *
   * @return {@code in_features} of the head
   */
  public int headInFeatures() {
    return rnn.numDirections() * rnn.outputSize();
  }

  /** In the style of PyTorch's module repr. */
  @Override
  public String toString() {
    return "SequenceModel(rnn="
        + rnn
        + ", head=Linear(in_features="
        + headInFeatures()
        + ", out_features="
        + outFeatures
        + ", bias="
        + (headBias ? "True" : "False")
        + "), many_to_one="
        + (manyToOne ? "True" : "False")
        + ")";
  }
}
