package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.BackwardResult;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Optional;

/**
 * A forward pass that remembers what its backward pass needs: what {@link Rnn#forwardForBackward}
 * returns. It plays the part of autograd's graph for one call: {@link #backward} may run once. It
 * holds memory on the module's device (activations, cuDNN's reserve space, the results), which
 * {@link #close()} releases.
 *
 * <pre>{@code
 * try (RnnTape tape = rnn.forwardForBackward(x, null, lengths)) {
 *   Tensor y = tape.output().output();                   // valid until the tape is closed
 *   RnnGradients g = tape.backward(dLossDy, null, null);   // the parameters' gradients accumulate
 * }
 * }</pre>
 */
public final class RnnTape implements AutoCloseable {
  private final Rnn module;
  private final Rnn.Call call;
  private final RnnKernel.Tape tape;
  private final RnnOutput output;
  private boolean closed;

  RnnTape(Rnn module, Rnn.Call call, RnnKernel.Tape tape) {
    this.module = module;
    this.call = call;
    this.tape = tape;
    this.output = call.output(tape.result(), false);
  }

  /**
   * The forward pass's results, as {@link Rnn#forward} returns them; they belong to the tape.
   *
   * @return output, h_n and c_n
   */
  public RnnOutput output() {
    checkOpen();
    return output;
  }

  /**
   * Backpropagates {@code sum(output * gradOutput) + sum(h_n * gradHN) + sum(c_n * gradCN)}:
   * returns the gradients with respect to the input and the given initial states (the caller owns
   * them), and adds those of the parameters to the module's parameters' gradients. Each argument
   * has the shape, dtype and device of the result it belongs to; null stands for zeros. Gradients
   * at the padded steps of variable-length sequences have no effect.
   *
   * @throws IllegalArgumentException on a shape, dtype or device mismatch, before anything changes
   * @throws IllegalStateException when this tape was already used
   * @param gradOutput d loss / d output, or null
   * @param gradHN d loss / d h_n, or null
   * @param gradCN d loss / d c_n (LSTM), or null
   * @return the gradients of input, h0 and c0
   */
  public RnnGradients backward(Tensor gradOutput, Tensor gradHN, Tensor gradCN) {
    checkOpen();
    checkGrad("grad_output", gradOutput, "output", output.output());
    checkGrad("grad_h_n", gradHN, "h_n", output.hN());
    checkArgument(
        gradCN == null || call.config().mode() == RnnMode.LSTM,
        "grad_c_n was given, but %s has no c_n (a cell state exists only for LSTM)",
        call.config().mode().moduleName());
    if (gradCN != null) {
      checkGrad("grad_c_n", gradCN, "c_n", output.cN());
    }
    RnnConfig c = call.config();
    BackwardResult r;
    try {
      r = tape.backward(call.in(gradOutput), call.in(gradHN), call.in(gradCN));
    } finally {
      call.closeUploads();
    }
    module.gradientsWritten();
    Tensor input = call.result(r.gradInput(), call.sequenceShape(c.inputSize()), true);
    Tensor h0 = result(r.gradH0(), call.hasH0(), c.outputSize());
    Tensor c0 = result(r.gradC0(), call.hasC0(), c.hiddenSize());
    return new RnnGradients(input, h0, c0);
  }

  private Tensor result(Storage s, boolean wanted, int width) {
    if (s == null) {
      return null;
    }
    if (!wanted) {
      s.close();
      return null;
    }
    return call.result(s, call.stateShape(width), true);
  }

  private static void checkGrad(String name, Tensor grad, String resultName, Tensor result) {
    if (grad == null) {
      return;
    }
    checkArgument(
        Arrays.equals(grad.shape(), result.shape()),
        "Mismatch in shape: %s has a shape of %s and %s has a shape of %s.",
        name,
        Shape.list(grad.shape()),
        resultName,
        Shape.list(result.shape()));
    checkArgument(
        grad.dtype() == result.dtype(),
        "%s must have the type torch.%s (the %s's), got type torch.%s",
        name,
        result.dtype(),
        resultName,
        grad.dtype());
    checkArgument(
        grad.device().equals(result.device()),
        "%s must be on %s (the %s's device), got a tensor on %s",
        name,
        result.device(),
        resultName,
        grad.device());
  }

  /** Releases what the forward pass kept, its results included; idempotent. */
  @Override
  public void close() {
    closed = true;
    tape.close();
    call.closeUploads();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("RnnTape of " + call.config() + " used after close");
    }
  }

  /** The gradients {@link RnnTape#backward} returns, in the shapes of the forward pass's inputs. */
  public static final class RnnGradients {
    private final Tensor input;
    private final Tensor h0;
    private final Tensor c0;

    RnnGradients(Tensor input, Tensor h0, Tensor c0) {
      this.input = input;
      this.h0 = h0;
      this.c0 = c0;
    }

    /**
     * d loss / d input; zero at the padded steps of variable-length sequences.
     *
     * @return a tensor of the input's shape
     */
    public Tensor input() {
      return input;
    }

    /**
     * d loss / d h0, present when the forward pass was given h0.
     *
     * @return a tensor of h0's shape, or empty
     */
    public Optional<Tensor> h0() {
      return Optional.ofNullable(h0);
    }

    /**
     * d loss / d c0, present when the forward pass was given c0 (LSTM).
     *
     * @return a tensor of c0's shape, or empty
     */
    public Optional<Tensor> c0() {
      return Optional.ofNullable(c0);
    }
  }
}
