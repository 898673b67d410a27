package dev.rnn4j.bench;

import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.nn.RnnConfig;
import java.util.Objects;

/**
 * One configuration and phase, timed: an element of the results JSON array (see {@link BenchJson}
 * for the field names). Times are per call, in milliseconds.
 *
 * @param id the benchmark id, e.g. {@code S3}
 * @param phase {@code forward}, {@code train_step}, {@code loop} or {@code forward_host} ({@link
 *     Phase#jsonName()})
 * @param medianMs the median of the timed repetitions
 * @param p10Ms the 10th percentile (the spread's lower end)
 * @param p90Ms the 90th percentile (the spread's upper end)
 * @param minMs the fastest repetition
 * @param firstMs the cold start: the first call of a new module, before any warm-up
 * @param reps the number of timed repetitions
 * @param flops the FLOPs of one call by {@link Flops}'s convention ({@code gflop_per_call} in the
 *     file; 0 when a file does not say)
 * @param gflops {@code flops / median}, in GFLOP/s
 * @param threads the CPU threads the backend was given
 * @param device {@code cpu} or {@code cuda:N}
 * @param dtype {@code float32}
 * @param impl what ran, e.g. {@code rnn4j 0.1.0-SNAPSHOT (cpu, BLAS ...)} or {@code pytorch 2.13.0}
 * @param config the module configuration and input sizes (null when a file does not say)
 * @param backendStats what the backend's counters did over the timed repetitions ({@link
 *     BackendStats}, live blocks and bytes as they were at the end): driver allocations, cache
 *     hits, transfers and plan builds, which on a GPU should be none once warm; null when a file
 *     does not say (PyTorch's)
 */
public record BenchResult(
    String id,
    String phase,
    double medianMs,
    double p10Ms,
    double p90Ms,
    double minMs,
    double firstMs,
    int reps,
    long flops,
    double gflops,
    int threads,
    String device,
    String dtype,
    String impl,
    Config config,
    BackendStats backendStats) {
  public BenchResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(phase, "phase");
  }

  /**
   * The {@code config} object: the module's constructor arguments as PyTorch names them, plus N and
   * T.
   */
  public record Config(
      String mode,
      int inputSize,
      int hiddenSize,
      int numLayers,
      boolean bidirectional,
      int batch,
      int seq,
      boolean batchFirst,
      int projSize) {
    /**
     * {@code c}'s values; {@code mode} is {@code RNN_TANH}, {@code RNN_RELU}, {@code LSTM} or
     * {@code GRU}, as PyTorch's {@code module.mode} spells it.
     */
    public static Config of(RnnConfig c, int batch, int seq) {
      return new Config(
          c.mode().name(),
          c.inputSize(),
          c.hiddenSize(),
          c.numLayers(),
          c.bidirectional(),
          batch,
          seq,
          c.batchFirst(),
          c.projSize());
    }

    /** Compact, as in the notes' tables: {@code LSTM I=256 H=256 L=2 D=2 N=64 T=100}. */
    @Override
    public String toString() {
      return mode
          + " I="
          + inputSize
          + " H="
          + hiddenSize
          + (projSize > 0 ? " P=" + projSize : "")
          + " L="
          + numLayers
          + " D="
          + (bidirectional ? 2 : 1)
          + " N="
          + batch
          + " T="
          + seq
          + (batchFirst ? "" : " seq-major");
    }
  }
}
