/**
 * Benchmarks of the recurrent layers, behind {@code rnn4j bench}: the fixed configuration sets
 * ({@link dev.rnn4j.bench.BenchSuite}: S1..S5 from the issue, the CPU matrix C1..C8, the GPU matrix
 * G1..G13, the loop grid L1..L12), the phases a call can time ({@link dev.rnn4j.bench.Phase}), the
 * FLOP convention every GFLOP/s figure uses ({@link dev.rnn4j.bench.Flops}), the timing protocol
 * and runner, the results JSON that rnn4j and the PyTorch script both write ({@link
 * dev.rnn4j.bench.BenchJson}), and the comparison of two results files against the targets
 * ({@link dev.rnn4j.bench.Comparison}).
 *
 * <p>Limits: this is a command-line harness, not JMH. It times whole calls with {@code
 * System.nanoTime} in one JVM (no forks), so results carry JIT and GC noise; medians and the
 * p10..p90 spread over repetitions are reported for that reason, and the cold start separately.
 * float32 only, dense batch_first input, no variable lengths, zero initial state. {@code
 * train_step} is forward plus backward of {@code sum(output)}, without an optimizer; {@code loop}
 * is a whole training step of a forecaster (head, MSE, clipping, Adam) on one fixed batch, so its
 * timings include the optimizer but not a data loader.
 */
package dev.rnn4j.bench;
