package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The reference forward pass on the CPU, written once for float32 and float64 over {@link CpuMath}.
 *
 * <p>Per layer and direction, the input projection of all T steps is one GEMM; each step then does one
 * recurrent GEMM, the cell's elementwise update and, for LSTM with projection, one more GEMM. Work buffers
 * are allocated once per call, never per step, so concurrent calls share nothing but the read-only weights.
 *
 * <p>Variable lengths follow {@code pack_padded_sequence(enforce_sorted=False)}: the batch is sorted by
 * length, longest first, so that at step t the sequences still running are a prefix of the rows and each
 * GEMM covers exactly them. A finished sequence's state is never touched again, which leaves each
 * sequence's own last state in {@code h_n}; the reverse direction meets each sequence first at its own last
 * element, from the initial state. Results return in the caller's batch order.
 */
final class CpuRnnKernel<A> implements RnnKernel {
  private final RnnConfig config;
  private final CpuMath<A> math;
  // Indexed by layer * D + direction; bias entries are null without bias, weightHr null without projection.
  private final List<A> weightIh = new ArrayList<>();
  private final List<A> weightHh = new ArrayList<>();
  private final List<A> biasIh = new ArrayList<>();
  private final List<A> biasHh = new ArrayList<>();
  private final List<A> weightHr = new ArrayList<>();

  CpuRnnKernel(RnnConfig config, CpuMath<A> math, List<Tensor> parameters) {
    this.config = config;
    this.math = math;
    List<ParamKey> keys = ParamKey.all(config);
    for (int i = 0; i < keys.size(); i++) {
      A data = math.copyOf(parameters.get(i));
      switch (keys.get(i).kind()) {
        case WEIGHT_IH:
          weightIh.add(data);
          break;
        case WEIGHT_HH:
          weightHh.add(data);
          break;
        case BIAS_IH:
          biasIh.add(data);
          break;
        case BIAS_HH:
          biasHh.add(data);
          break;
        case WEIGHT_HR:
          weightHr.add(data);
          break;
        default:
          throw new AssertionError(keys.get(i));
      }
    }
  }

  @Override
  public ForwardResult forward(ForwardArgs args) {
    boolean batchFirst = config.batchFirst();
    int[] inShape = args.input().shape();
    int steps = batchFirst ? inShape[1] : inShape[0];
    int batch = batchFirst ? inShape[0] : inShape[1];
    int directions = config.numDirections();
    int layers = config.numLayers();
    int hidden = config.hiddenSize();
    int hOut = config.outputSize();
    int gh = config.mode().gateCount() * hidden;
    boolean lstm = config.mode() == RnnMode.LSTM;
    boolean proj = config.projSize() > 0;

    int[] lengths = args.lengths() != null ? args.lengths() : filled(batch, steps);
    // order[r] is the caller's batch index of sorted row r.
    int[] order = IntStream.range(0, batch).boxed()
        .sorted(Comparator.comparingInt((Integer b) -> lengths[b]).reversed())
        .mapToInt(Integer::intValue).toArray();
    int[] running = new int[steps];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        running[t]++;
      }
    }

    A x = gatherInput(math.copyOf(args.input()), steps, batch, order);
    A h0 = args.h0() == null ? null : math.copyOf(args.h0());
    A c0 = args.c0() == null ? null : math.copyOf(args.c0());
    A hN = math.allocate(layers * directions * batch * hOut);
    A cN = lstm ? math.allocate(layers * directions * batch * hidden) : null;
    A xp = math.allocate(steps * batch * gh);
    A gates = math.allocate(batch * gh);
    A h = math.allocate(batch * hOut);
    A c = lstm ? math.allocate(batch * hidden) : null;
    A cellOut = proj ? math.allocate(batch * hidden) : h;
    SplittableRandom dropoutRandom = args.dropout() ? new SplittableRandom(args.dropoutSeed()) : null;
    int width = directions * hOut;

    A y = null;
    for (int layer = 0; layer < layers; layer++) {
      int in = config.layerInputSize(layer);
      y = math.allocate(steps * batch * width);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        math.broadcastRows(config.bias() ? biasIh.get(k) : null, gh, xp, steps * batch);
        math.gemmNt(steps * batch, gh, in, x, 0, in, weightIh.get(k), 0, in, true, xp, 0, gh);
        loadState(h0, k, batch, hOut, order, h);
        if (lstm) {
          loadState(c0, k, batch, hidden, order, c);
        }
        for (int s = 0; s < steps; s++) {
          int t = d == 0 ? s : steps - 1 - s;
          int rows = running[t];
          if (rows == 0) {
            continue;
          }
          math.broadcastRows(config.bias() ? biasHh.get(k) : null, gh, gates, rows);
          math.gemmNt(rows, gh, hOut, h, 0, hOut, weightHh.get(k), 0, hOut, true, gates, 0, gh);
          int xpOff = t * batch * gh;
          switch (config.mode()) {
            case RNN_TANH:
            case RNN_RELU:
              math.rnnCell(config.mode() == RnnMode.RNN_RELU, rows, hidden, xp, xpOff, gates, h);
              break;
            case LSTM:
              math.lstmCell(rows, hidden, xp, xpOff, gates, c, cellOut);
              if (proj) {
                math.gemmNt(rows, hOut, hidden, cellOut, 0, hidden, weightHr.get(k), 0, hidden, false, h, 0,
                    hOut);
              }
              break;
            case GRU:
              math.gruCell(rows, hidden, xp, xpOff, gates, h);
              break;
            default:
              throw new AssertionError(config.mode());
          }
          for (int r = 0; r < rows; r++) {
            System.arraycopy(h, r * hOut, y, (t * batch + r) * width + d * hOut, hOut);
          }
        }
        System.arraycopy(h, 0, hN, k * batch * hOut, batch * hOut);
        if (lstm) {
          System.arraycopy(c, 0, cN, k * batch * hidden, batch * hidden);
        }
      }
      if (dropoutRandom != null && layer < layers - 1) {
        math.dropout(y, steps * batch * width, config.dropout(), dropoutRandom);
      }
      x = y;
    }

    Tensor output = math.wrap(scatterOutput(y, steps, batch, width, order),
        batchFirst ? new int[] {batch, steps, width} : new int[] {steps, batch, width});
    Tensor hNOut = math.wrap(unsortStates(hN, layers * directions, batch, hOut, order),
        layers * directions, batch, hOut);
    Tensor cNOut = lstm
        ? math.wrap(unsortStates(cN, layers * directions, batch, hidden, order),
            layers * directions, batch, hidden)
        : null;
    return new ForwardResult(output, hNOut, cNOut);
  }

  /** The input as (T, N, H_in) in sorted row order, whatever the caller's layout. */
  private A gatherInput(A input, int steps, int batch, int[] order) {
    int in = config.inputSize();
    A x = math.allocate(steps * batch * in);
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < batch; r++) {
        int src = config.batchFirst() ? order[r] * steps + t : t * batch + order[r];
        System.arraycopy(input, src * in, x, (t * batch + r) * in, in);
      }
    }
    return x;
  }

  /** The last layer's output back in the caller's batch order and layout. */
  private A scatterOutput(A y, int steps, int batch, int width, int[] order) {
    A out = math.allocate(steps * batch * width);
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < batch; r++) {
        int dst = config.batchFirst() ? order[r] * steps + t : t * batch + order[r];
        System.arraycopy(y, (t * batch + r) * width, out, dst * width, width);
      }
    }
    return out;
  }

  /** Row r of {@code state} gets the caller's initial state of sequence order[r], or zeros. */
  private void loadState(A initial, int k, int batch, int size, int[] order, A state) {
    if (initial == null) {
      math.broadcastRows(null, size, state, batch);
      return;
    }
    for (int r = 0; r < batch; r++) {
      System.arraycopy(initial, (k * batch + order[r]) * size, state, r * size, size);
    }
  }

  private A unsortStates(A sorted, int slices, int batch, int size, int[] order) {
    A out = math.allocate(slices * batch * size);
    for (int k = 0; k < slices; k++) {
      for (int r = 0; r < batch; r++) {
        System.arraycopy(sorted, (k * batch + r) * size, out, (k * batch + order[r]) * size, size);
      }
    }
    return out;
  }

  private static int[] filled(int n, int value) {
    int[] a = new int[n];
    Arrays.fill(a, value);
    return a;
  }

  @Override
  public void close() {
    // Heap arrays only: the garbage collector owns them.
  }
}
