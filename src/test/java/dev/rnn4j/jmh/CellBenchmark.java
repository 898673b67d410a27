package dev.rnn4j.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The elementwise part of one LSTM or GRU step (everything after the matrix products) over a {@code
 * batch × hidden} block, written here as plain loops that follow PyTorch's cell equations ({@code
 * torch.nn.LSTM} / {@code torch.nn.GRU} docs, gate order i, f, g, o and r, z, n):
 *
 * <pre>
 * LSTM: gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh            [N × 4H], already summed
 *       i = σ(gates_i)  f = σ(gates_f)  g = tanh(gates_g)  o = σ(gates_o)
 *       c' = f·c + i·g                h' = o·tanh(c')
 * GRU:  gi = x·W_ihᵀ + b_ih    gh = h·W_hhᵀ + b_hh           [N × 3H] each, kept apart
 *       r = σ(gi_r + gh_r)  z = σ(gi_z + gh_z)  n = tanh(gi_n + r·gh_n)
 *       h' = (1 − z)·n + z·h
 * </pre>
 *
 * Transcendentals are computed in double and rounded to float ({@code σ(v) = 1 / (1 + exp(−v))},
 * {@link Math#tanh}): the straightforward Java a cell starts from. rnn4j's own cells use float
 * polynomials of their own, the same in every lane and JIT tier (their benchmark is {@code
 * dev.rnn4j.backend.cpu.CpuKernelBenchmark}). The {@code *Training} variants also store what
 * backward needs (the activated gates; for GRU also {@code gh_n}). Sizes: {@code S2} = 32 × 64,
 * {@code S3} = 64 × 256 (batch × hidden). Each invocation is one step; the inputs stay the same
 * (outputs go to separate arrays), so every invocation does identical work.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class CellBenchmark {

  @Param({"S2", "S3"})
  public String size;

  int batch;
  int hidden;

  /**
   * LSTM pre-activations [batch × 4H]; GRU input part [batch × 3H] and hidden part [batch × 3H].
   */
  float[] lstmGates;

  float[] gruGi;
  float[] gruGh;
  float[] cPrev;
  float[] hPrev;
  float[] cNext;
  float[] hNext;

  /** Saved activations for backward: [batch × 4H] (LSTM), [batch × 4H] (GRU: r, z, n, gh_n). */
  float[] saved;

  @Setup(Level.Trial)
  public void setUp() {
    switch (size) {
      case "S2":
        batch = 32;
        hidden = 64;
        break;
      case "S3":
        batch = 64;
        hidden = 256;
        break;
      default:
        throw new IllegalArgumentException("unknown size " + size + " (S2 or S3)");
    }
    SplittableRandom random = new SplittableRandom(7);
    lstmGates = fill(random, batch * 4 * hidden, 3);
    gruGi = fill(random, batch * 3 * hidden, 3);
    gruGh = fill(random, batch * 3 * hidden, 3);
    cPrev = fill(random, batch * hidden, 1);
    hPrev = fill(random, batch * hidden, 1);
    cNext = new float[batch * hidden];
    hNext = new float[batch * hidden];
    saved = new float[batch * 4 * hidden];
    System.out.printf(
        "%n# cell block %s: batch=%d hidden=%d, java %s%n",
        size, batch, hidden, System.getProperty("java.version"));
  }

  private static float[] fill(SplittableRandom random, int length, double bound) {
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = (float) random.nextDouble(-bound, bound);
    }
    return a;
  }

  static float sigmoid(float v) {
    return (float) (1.0 / (1.0 + Math.exp(-(double) v)));
  }

  static float tanh(float v) {
    return (float) Math.tanh(v);
  }

  @Benchmark
  public float[] lstm() {
    int h = hidden;
    int g4 = 4 * h;
    for (int b = 0; b < batch; b++) {
      int gRow = b * g4;
      int row = b * h;
      for (int j = 0; j < h; j++) {
        float i = sigmoid(lstmGates[gRow + j]);
        float f = sigmoid(lstmGates[gRow + h + j]);
        float g = tanh(lstmGates[gRow + 2 * h + j]);
        float o = sigmoid(lstmGates[gRow + 3 * h + j]);
        float c = f * cPrev[row + j] + i * g;
        cNext[row + j] = c;
        hNext[row + j] = o * tanh(c);
      }
    }
    return hNext;
  }

  @Benchmark
  public float[] lstmTraining() {
    int h = hidden;
    int g4 = 4 * h;
    for (int b = 0; b < batch; b++) {
      int gRow = b * g4;
      int row = b * h;
      for (int j = 0; j < h; j++) {
        float i = sigmoid(lstmGates[gRow + j]);
        float f = sigmoid(lstmGates[gRow + h + j]);
        float g = tanh(lstmGates[gRow + 2 * h + j]);
        float o = sigmoid(lstmGates[gRow + 3 * h + j]);
        saved[gRow + j] = i;
        saved[gRow + h + j] = f;
        saved[gRow + 2 * h + j] = g;
        saved[gRow + 3 * h + j] = o;
        float c = f * cPrev[row + j] + i * g;
        cNext[row + j] = c;
        hNext[row + j] = o * tanh(c);
      }
    }
    return hNext;
  }

  @Benchmark
  public float[] gru() {
    int h = hidden;
    int g3 = 3 * h;
    for (int b = 0; b < batch; b++) {
      int gRow = b * g3;
      int row = b * h;
      for (int j = 0; j < h; j++) {
        float r = sigmoid(gruGi[gRow + j] + gruGh[gRow + j]);
        float z = sigmoid(gruGi[gRow + h + j] + gruGh[gRow + h + j]);
        float n = tanh(gruGi[gRow + 2 * h + j] + r * gruGh[gRow + 2 * h + j]);
        hNext[row + j] = (1f - z) * n + z * hPrev[row + j];
      }
    }
    return hNext;
  }

  @Benchmark
  public float[] gruTraining() {
    int h = hidden;
    int g3 = 3 * h;
    int s4 = 4 * h;
    for (int b = 0; b < batch; b++) {
      int gRow = b * g3;
      int sRow = b * s4;
      int row = b * h;
      for (int j = 0; j < h; j++) {
        float ghn = gruGh[gRow + 2 * h + j];
        float r = sigmoid(gruGi[gRow + j] + gruGh[gRow + j]);
        float z = sigmoid(gruGi[gRow + h + j] + gruGh[gRow + h + j]);
        float n = tanh(gruGi[gRow + 2 * h + j] + r * ghn);
        saved[sRow + j] = r;
        saved[sRow + h + j] = z;
        saved[sRow + 2 * h + j] = n;
        saved[sRow + 3 * h + j] = ghn;
        hNext[row + j] = (1f - z) * n + z * hPrev[row + j];
      }
    }
    return hNext;
  }
}
