/**
 * The CPU backend: PyTorch's RNN, LSTM and GRU, forward and backward, in Java, float32 and float64.
 * It is the reference the CUDA backend is checked against.
 *
 * <p>Matrix products are rnn4j's own: weights are packed once per kernel into one array per row.
 * With the Vector API's module ({@code --add-modules jdk.incubator.vector}) float32 products and
 * cells use register tiles and vector exp/tanh ({@code VectorKernels}); without it, loops written
 * so that the JIT vectorizes them. A call's batch is cut into blocks of sequences that run on the
 * backend's threads.
 *
 * <p>Limits: results agree with PyTorch's within float32 rounding, not bit for bit (exp, tanh and
 * sigmoid are rnn4j's own, products sum in k order). They are the same bits run after run at a
 * given thread count, in every JIT tier and on both paths; weight gradients, whose sums over the
 * batch follow the cut into blocks, change with the thread count.
 *
 * <p>Not API: the classes here are reached through {@link dev.rnn4j.backend.Backends} and may
 * change without notice ({@code CpuBackend.withThreads} is the one public entry point).
 */
package dev.rnn4j.backend.cpu;
