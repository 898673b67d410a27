/**
 * Host tensors: {@link dev.rnn4j.tensor.Tensor}, a dense row-major float32 or float64 array with a shape,
 * and the shape helpers PyTorch's messages use.
 *
 * <p>Limits: at most {@code Integer.MAX_VALUE} elements; no strided views (only {@code view} of the whole
 * tensor shares storage, and tensors are immutable, so sharing is never observable); no arithmetic beyond
 * what rnn4j's callers need.
 */
package dev.rnn4j.tensor;
