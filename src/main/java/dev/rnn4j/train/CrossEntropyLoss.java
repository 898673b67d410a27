package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Objects;

/**
 * Cross-entropy on logits and class indices: {@code torch.nn.CrossEntropyLoss(reduction='mean')},
 * which is {@code nll_loss(log_softmax(logits, dim=1), target)}.
 *
 * <pre>
 * log_p[n, c] = logits[n, c] - max_c' logits[n, c'] - log(sum_c' exp(logits[n, c'] - max))
 * loss        = -(1 / N') * sum over n with target[n] != -100 of log_p[n, target[n]]
 * d loss / d logits[n, c] = (softmax[n, c] - [c == target[n]]) / N'     (0 for ignored rows)
 * </pre>
 *
 * <p>where N' counts the rows whose target is not {@code ignore_index} (-100, PyTorch's default);
 * if there is none the loss is NaN, as in PyTorch. Shapes: logits (N, C), target N indices in
 * {@code [0, C)}.
 *
 * <p>Computed in double whatever the logits' dtype; the loss and the gradient are then rounded once
 * to that dtype. Not bit for bit PyTorch's, which computes in the logits' dtype: within atol 1e-6,
 * rtol 1e-5 of it for float32 and 1e-12 for float64. It runs on the logits' device (the backend's
 * {@code crossEntropyLoss}); the loss stays there until read.
 */
public final class CrossEntropyLoss {
  /** PyTorch's default {@code ignore_index}: rows with this target count for nothing. */
  public static final long IGNORE_INDEX = -100;

  private CrossEntropyLoss() {}

  /**
   * The loss and its gradient with respect to {@code logits}.
   *
   * @param logits unnormalized scores, float32 or float64, of shape (N, C)
   * @param target N class indices in {@code [0, C)}, or {@link #IGNORE_INDEX}
   * @throws IllegalArgumentException if logits are not 2-D, the target's length is not N, or a
   *     target is out of bounds ({@code "Target 3 is out of bounds."}, PyTorch's message)
   */
  public static LossResult compute(Tensor logits, long[] target) {
    Objects.requireNonNull(logits, "logits");
    Objects.requireNonNull(target, "target");
    if (logits.dim() != 2) {
      throw new IllegalArgumentException(
          String.format("Expected logits of shape (N, C), got %s", Shape.list(logits.shape())));
    }
    int n = logits.size(0);
    int c = logits.size(1);
    if (target.length != n) {
      throw new IllegalArgumentException(
          String.format(
              "Expected input batch_size (%d) to match target batch_size (%d).", n, target.length));
    }
    int count = 0;
    for (long t : target) {
      if (t != IGNORE_INDEX && (t < 0 || t >= c)) {
        throw new IllegalArgumentException("Target " + t + " is out of bounds.");
      }
      count += t == IGNORE_INDEX ? 0 : 1;
    }
    Backend backend = Backends.forDevice(logits.device());
    Storage grad = backend.allocate(logits.dtype(), logits.numel());
    Storage loss = backend.crossEntropyLoss(logits.storage(), target.clone(), n, c, grad);
    return new LossResult(Tensor.of(loss), Tensor.of(grad, n, c));
  }
}
