package dev.rnn4j.train;

import dev.rnn4j.nn.StateDict;

/**
 * One optimizer for a set of named parameters, as a {@code torch.optim} optimizer with one parameter
 * group ({@code maximize=False}, {@code foreach=False}). Create one with {@link OptimizerConfig#create()}.
 *
 * <p>Parameters are immutable {@link StateDict}s, so where PyTorch updates {@code param} in place,
 * {@link #step} returns the updated parameters:
 *
 * <pre>{@code
 * Optimizer opt = OptimizerConfig.adam(1e-3).create();
 * StateDict params = rnn.stateDict();
 * for (...) {
 *   StateDict grads = ...;                        // d loss / d params, same names
 *   params = opt.step(params, grads);             // optimizer.step()
 * }
 * }</pre>
 *
 * <p>The arithmetic is PyTorch's: each element is updated with the same operations, in the same order
 * and in the parameter's dtype (float32 parameters in float32, fused multiply-adds where PyTorch's CPU
 * kernels fuse), so float32 and float64 trajectories match PyTorch 1.13 on the CPU bit for bit except
 * where {@code beta ** step} differs in its last bit between Java and the C library (rare; see
 * {@link Adam}).
 *
 * <p>An optimizer keeps per-parameter state, keyed by parameter name, created the first time a
 * parameter has a grad. It is not thread-safe.
 */
public interface Optimizer {
  /**
   * {@code optimizer.step()}: one update of every parameter that has a grad.
   *
   * @param params the parameters, float32 or float64, any shapes
   * @param grads their gradients: names from {@code params}, each with its parameter's shape and dtype;
   *     a parameter without a grad is left unchanged and its state untouched ({@code p.grad is None},
   *     which PyTorch skips)
   * @return the updated parameters: the same names in the same order, shapes and dtypes; a parameter
   *     without a grad is returned as given
   * @throws IllegalArgumentException naming the parameter when a grad has no parameter or another
   *     shape or dtype, or when the state (from {@link #loadState}) disagrees with a parameter; nothing
   *     is updated then
   */
  StateDict step(StateDict params, StateDict grads);

  /**
   * The state {@code torch.optim} keeps in {@code optimizer.state[p]}, per parameter that has had a grad,
   * in parameter order: {@code step.<name>} (the number of updates, a float64 scalar of shape
   * {@code []}), then the buffers in the parameter's dtype and shape: {@code momentum_buffer.<name>}
   * (SGD with momentum), {@code exp_avg.<name>}, {@code exp_avg_sq.<name>} and, with AMSGrad,
   * {@code max_exp_avg_sq.<name>} (Adam, AdamW). Enough for {@link #loadState} to resume bit for bit.
   * PyTorch's SGD does not count steps; the count is kept for every type all the same.
   */
  StateDict state();

  /**
   * Replaces the state with {@link #state()} output (from an optimizer of the same type and settings).
   *
   * @throws IllegalArgumentException naming the entry when a name is not {@code <kind>.<parameter>} with
   *     a kind this optimizer keeps, a parameter lacks a kind it needs, a step is not a whole number
   *     {@code >= 1} in a float64 scalar, or a parameter's buffers differ in shape or dtype; the state
   *     is unchanged then. Agreement with the parameters is checked by the next {@link #step}.
   */
  void loadState(StateDict state);

  /** The config this optimizer was created from. */
  OptimizerConfig config();
}
