package dev.rnn4j.bench;

import dev.rnn4j.nn.RnnConfig;

/**
 * The FLOP convention of every GFLOP/s figure the benchmarks print (docs: performance anchors,
 * section 1). Only matrix products count, a multiply-add being 2 FLOP; biases, nonlinearities and
 * the cell update are left out. Other conventions (cuDNN's sample, DeepBench's recurrent-only
 * count) give other numbers.
 *
 * <p>{@link Phase#FORWARD} and {@link Phase#FORWARD_HOST} count F (the host path's copies are not
 * FLOP); {@link Phase#TRAIN_STEP} and {@link Phase#LOOP} count 3F. The loop's own extra work is
 * left out as well: its head ({@code nn.Linear(D * H_out, 1)} on N rows: 6 * N * D * H_out FLOP
 * forward and backward) is at most 1 / (G * (I_0 + H_out) * T) of 3F (among the L cases at most
 * 0.032%, for L1; 6.7% for S1, the seed's toy), and the loss, {@code clip_grad_norm_} and Adam are
 * element-wise, linear in the parameter count and not in N * T. So a loop's GFLOP/s is the
 * recurrent work's rate, comparable with {@code train_step}'s, and what the loop adds shows as a
 * lower rate.
 */
public final class Flops {
  /** The convention in one line, printed next to the results. */
  public static final String CONVENTION =
      "FLOP convention: forward F = D * sum_l 2*G*H*(I_l + H_out)*N*T (+ 2*P*H*N*T with proj_size"
          + " P), G = 4 LSTM, 3 GRU, 1 RNN, I_l = D*H_out for l >= 1; matrix products only;"
          + " forward_host = F; train_step (forward + backward) and loop (train_step plus head,"
          + " loss, clipping and Adam, not counted) = 3F; GFLOP/s = FLOP / median time";

  private Flops() {}

  /** F: the forward pass of {@code config} over {@code batch} sequences of {@code seq} steps. */
  public static long forward(RnnConfig config, int batch, int seq) {
    long gates = config.mode().gateCount();
    long h = config.hiddenSize();
    long hOut = config.outputSize();
    long p = config.projSize();
    long steps = (long) batch * seq;
    long perDirection = 0;
    for (int l = 0; l < config.numLayers(); l++) {
      perDirection += 2 * gates * h * (config.layerInputSize(l) + hOut) * steps + 2 * p * h * steps;
    }
    return config.numDirections() * perDirection;
  }

  /** The FLOPs of one call of {@code phase}: F or 3F ({@link Phase#forwardMultiple()}). */
  public static long of(Phase phase, RnnConfig config, int batch, int seq) {
    return phase.forwardMultiple() * forward(config, batch, seq);
  }
}
