/**
 * Tensors: {@link dev.rnn4j.tensor.Tensor}, a dense row-major float32 or float64 array with a
 * shape, on a device ({@link dev.rnn4j.backend.Device}); {@link dev.rnn4j.tensor.TensorScope},
 * which owns the tensors made while it is open and closes them together; and the shape helpers
 * PyTorch's messages use.
 *
 * <p>Limits: at most {@code Integer.MAX_VALUE} elements; no strided views (a {@code view} shares
 * the whole storage; {@code select} copies); element access only on the host (copy a device tensor
 * with {@code to(Device.CPU)} first); no arithmetic beyond what rnn4j's callers need (the backends'
 * operations serve modules and training).
 */
package dev.rnn4j.tensor;
