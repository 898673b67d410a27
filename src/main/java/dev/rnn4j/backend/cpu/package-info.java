/**
 * The CPU backend: PyTorch's RNN, LSTM and GRU forward pass in Java, float32 and float64, with BLAS for
 * the matrix products. It is the reference the CUDA backend is checked against.
 *
 * <p>Limits: single-threaded per call (concurrent calls are safe and independent); float32 transcendental
 * functions are evaluated in double and rounded, so results agree with PyTorch's within float32 rounding,
 * not bit for bit.
 */
package dev.rnn4j.backend.cpu;
