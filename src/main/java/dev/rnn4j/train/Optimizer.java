package dev.rnn4j.train;

import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.StateDict;
import java.util.List;

/**
 * One optimizer bound to a list of parameters, as a {@code torch.optim} optimizer with one
 * parameter group ({@code maximize=False}, {@code foreach=False}). Create one with {@link
 * OptimizerConfig#create(List)}:
 *
 * <pre>{@code
 * Optimizer optimizer = OptimizerConfig.adam(1e-3).create(model.parameters());
 * for (...) {
 *   ... tape.backward(loss.gradient());           // the parameters' gradients accumulate
 *   optimizer.step();                             // updates every parameter with a gradient, in place
 *   optimizer.zeroGrad();
 * }
 * }</pre>
 *
 * <p>The arithmetic is PyTorch's: each element is updated with the same operations, in the same
 * order and in the parameter's dtype (float32 parameters in float32, fused multiply-adds where
 * PyTorch's CPU kernels fuse), so float32 and float64 trajectories match PyTorch 1.13 on the CPU
 * bit for bit except where {@code beta ** step} differs in its last bit between Java and the C
 * library (rare; see {@link Adam}). The update runs where the parameters live (the backend's {@code
 * sgdStep} / {@code adamStep}), and so does the state, created the first time a parameter has a
 * gradient. An optimizer is not thread-safe.
 */
public interface Optimizer extends AutoCloseable {
  /**
   * {@code optimizer.step()}: one update of every parameter that has a gradient; the others, and
   * their state, are left as they are ({@code p.grad is None}, which PyTorch skips).
   *
   * @throws IllegalStateException when a parameter moved to another device or dtype since its state
   *     was created; nothing is updated then
   */
  void step();

  /** {@code optimizer.zero_grad()}: forgets every parameter's gradient (set to None). */
  void zeroGrad();

  /** The parameters this optimizer updates, in the order it was given them. */
  List<Parameter> parameters();

  /**
   * The state {@code torch.optim} keeps in {@code optimizer.state[p]}, per parameter that has had a
   * grad, in parameter order, as host tensors: {@code step.<name>} (the number of updates, a
   * float64 scalar of shape {@code []}), then the buffers in the parameter's dtype and shape:
   * {@code momentum_buffer.<name>} (SGD with momentum), {@code exp_avg.<name>}, {@code
   * exp_avg_sq.<name>} and, with AMSGrad, {@code max_exp_avg_sq.<name>} (Adam, AdamW). Enough for
   * {@link #loadState} to resume bit for bit. PyTorch's SGD does not count steps; the count is kept
   * for every type all the same.
   */
  StateDict state();

  /**
   * Replaces the state with {@link #state()} output (from an optimizer of the same type and
   * settings over parameters of the same names and shapes), copied to the parameters' device.
   *
   * @throws IllegalArgumentException naming the entry when a name is not {@code <kind>.<parameter>}
   *     with a kind this optimizer keeps and one of its parameters, a parameter lacks a kind it
   *     needs, a step is not a whole number {@code >= 1} in a float64 scalar, or a buffer's shape
   *     or dtype is not its parameter's; the state is unchanged then
   */
  void loadState(StateDict state);

  /**
   * The learning rate the next {@link #step()} uses: {@code optimizer.param_groups[0]["lr"]}. It
   * starts as {@code config().lr()} and changes only through {@link #setLr}, which is how a {@link
   * LrScheduler} drives it.
   */
  double lr();

  /**
   * Sets the learning rate of the following steps, as {@code optimizer.param_groups[0]["lr"] = lr};
   * the state and {@link #config()} are unchanged. Any finite value is taken, as PyTorch takes it:
   * a schedule's rounding may leave a learning rate a hair below 0 ({@code LinearLR} decaying to
   * {@code end_factor=0}), and PyTorch then steps with it.
   *
   * @throws IllegalArgumentException {@code "Invalid learning rate: nan"} when {@code lr} is NaN or
   *     infinite; the learning rate is unchanged then
   */
  void setLr(double lr);

  /** The config this optimizer was created from ({@code lr} included: the initial one). */
  OptimizerConfig config();

  /**
   * Releases the state's buffers (device memory on a GPU); idempotent. The optimizer cannot step
   * afterwards. An optimizer nobody closes releases them when it is garbage collected.
   */
  @Override
  void close();
}
