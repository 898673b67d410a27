package dev.rnn4j.train;

import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * A loss and its gradient with respect to the loss's input, what {@code loss = fn(x, y);
 * loss.backward()} leaves in {@code loss.item()} and {@code x.grad}.
 *
 * @param value the loss, computed in the input's dtype and widened to double
 * @param gradient d value / d input: the input's shape and dtype
 */
public record LossResult(double value, Tensor gradient) {
  public LossResult {
    Objects.requireNonNull(gradient, "gradient");
  }
}
