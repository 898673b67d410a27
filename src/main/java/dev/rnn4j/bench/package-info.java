/**
 * Benchmarks of the recurrent layers, behind {@code rnn4j bench}: the fixed configuration sets
 * ({@link dev.rnn4j.bench.BenchSuite}: S1..S5 from the issue, the CPU matrix C1..C8, the GPU matrix
 * G1..G13), the FLOP convention every GFLOP/s figure uses ({@link dev.rnn4j.bench.Flops}), the timing
 * protocol and runner, the results JSON that rnn4j and the PyTorch script both write
 * ({@link dev.rnn4j.bench.BenchJson}), and the comparison of two results files against the targets
 * ({@link dev.rnn4j.bench.Comparison}).
 *
 * <p>Limits: this is a command-line harness, not JMH. It times whole calls with {@code System.nanoTime} in
 * one JVM (no forks), so results carry JIT and GC noise; medians and the p10..p90 spread over repetitions
 * are reported for that reason, and the cold start separately. float32 only, dense batch_first input, no
 * variable lengths, zero initial state; a training step is forward plus backward of {@code sum(output)},
 * without an optimizer.
 */
package dev.rnn4j.bench;
