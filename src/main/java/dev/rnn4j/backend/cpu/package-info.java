/**
 * The CPU backend: PyTorch's RNN, LSTM and GRU, forward and backward, in Java, float32 and float64. It is
 * the reference the CUDA backend is checked against.
 *
 * <p>Matrix products are rnn4j's own: weights are packed once per kernel into one array per row, and the
 * inner loops are written so that the JIT vectorizes them (on JDK 17 without any module flag). A call's
 * batch is cut into blocks of sequences that run on the backend's threads.
 *
 * <p>Limits: float32 transcendental functions are evaluated in double and rounded, so results agree with
 * PyTorch's within float32 rounding, not bit for bit; results are the same for every thread count, except
 * weight gradients, whose sums over the batch follow the cut into blocks (fixed for a given thread count).
 */
package dev.rnn4j.backend.cpu;
