package dev.rnn4j.train;

import dev.rnn4j.backend.Device;
import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * A loss and its gradient with respect to the loss's input, what {@code loss = fn(x, y);
 * loss.backward()} leaves in {@code loss} and {@code x.grad}. Both live on the input's device; the
 * loss crosses to the host only when {@link #value()} is read, as {@code loss.item()} does.
 */
public final class LossResult implements AutoCloseable {
  private final Tensor loss;
  private final Tensor gradient;
  private Double value;

  /**
   * @param loss the loss, a 0-dim tensor in the input's dtype, on its device
   * @param gradient d loss / d input: the input's shape, dtype and device
   */
  public LossResult(Tensor loss, Tensor gradient) {
    this.loss = Objects.requireNonNull(loss, "loss");
    this.gradient = Objects.requireNonNull(gradient, "gradient");
  }

  /** The loss as a 0-dim tensor on the input's device. */
  public Tensor loss() {
    return loss;
  }

  /**
   * The loss, computed in the input's dtype and widened to double: {@code loss.item()}, which
   * copies it from the device (once; later calls reuse it).
   */
  public double value() {
    if (value == null) {
      value = loss.to(Device.CPU).getFlat(0);
    }
    return value;
  }

  /** d loss / d input: the input's shape, dtype and device. */
  public Tensor gradient() {
    return gradient;
  }

  /**
   * Releases the loss and the gradient (the caller's, or the open scope's, to close); idempotent.
   */
  @Override
  public void close() {
    loss.close();
    gradient.close();
  }
}
