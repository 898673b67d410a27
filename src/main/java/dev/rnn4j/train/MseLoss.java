package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mean squared error: {@code torch.nn.MSELoss(reduction='mean')}.
 *
 * <pre>
 * loss = mean((prediction - target)^2)          over all n elements
 * d loss / d prediction = (2 / n) * (prediction - target)
 * </pre>
 *
 * <p>Any shape, e.g. (N, H_out) for one output per sequence or (N, L, H_out) for one per time step;
 * the target must have the prediction's shape (PyTorch would broadcast with a warning, which here
 * is an error). Computed in double whatever the dtype, the squares summed in order; the loss and
 * the gradient are then rounded once to the prediction's dtype. Not bit for bit PyTorch's, which
 * sums in the input's dtype in another order: within atol 1e-6, rtol 1e-5 of it for float32 and
 * 1e-12 for float64. An empty input gives NaN, as in PyTorch. It runs on the prediction's device
 * (the backend's {@code mseLoss}); the loss stays there until read.
 */
public final class MseLoss {
  private MseLoss() {}

  /**
   * The loss and its gradient with respect to {@code prediction}.
   *
   * @param prediction the model's output, float32 or float64
   * @param target the target, of the same shape and dtype
   * @throws IllegalArgumentException if the shapes or dtypes differ
   */
  public static LossResult compute(Tensor prediction, Tensor target) {
    Objects.requireNonNull(prediction, "prediction");
    Objects.requireNonNull(target, "target");
    if (!Arrays.equals(prediction.shape(), target.shape())) {
      throw new IllegalArgumentException(
          String.format(
              "Expected target size %s (the prediction's size), got %s",
              Shape.list(prediction.shape()), Shape.list(target.shape())));
    }
    if (prediction.dtype() != target.dtype()) {
      throw new IllegalArgumentException(
          String.format(
              "Expected target dtype %s (the prediction's dtype), got %s",
              prediction.dtype(), target.dtype()));
    }
    if (!prediction.device().equals(target.device())) {
      throw new IllegalArgumentException(
          String.format(
              "Expected all tensors to be on the same device, but found prediction on %s and target"
                  + " on %s",
              prediction.device(), target.device()));
    }
    Backend backend = Backends.forDevice(prediction.device());
    Storage grad = backend.allocate(prediction.dtype(), prediction.numel());
    Storage loss = backend.mseLoss(prediction.storage(), target.storage(), grad);
    return new LossResult(Tensor.of(loss), Tensor.of(grad, prediction.shape()));
  }
}
