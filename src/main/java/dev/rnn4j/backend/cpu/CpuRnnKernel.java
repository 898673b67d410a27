package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * The reference forward and backward passes on the CPU, written once for float32 and float64 over
 * {@link CpuMath}.
 *
 * <p>Per layer and direction, the input projection of all T steps is one GEMM; each step then does one
 * recurrent GEMM, the cell's elementwise update and, for LSTM with projection, one more GEMM. Backward runs
 * the steps in the opposite order with the transposed products, and again turns the input side into single
 * GEMMs over all steps. Work buffers are allocated per call, never per step, so concurrent calls share
 * nothing but the read-only weights.
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
  private final ParamArrays<A> weights;
  private final int directions;
  private final int hidden;
  private final int hOut;
  private final int gh;
  private final boolean lstm;
  private final boolean gru;
  private final boolean proj;

  CpuRnnKernel(RnnConfig config, CpuMath<A> math, List<Tensor> parameters) {
    this.config = config;
    this.math = math;
    List<ParamKey> keys = ParamKey.all(config);
    this.weights = new ParamArrays<>(config, key -> math.copyOf(parameters.get(keys.indexOf(key))));
    this.directions = config.numDirections();
    this.hidden = config.hiddenSize();
    this.hOut = config.outputSize();
    this.gh = config.mode().gateCount() * hidden;
    this.lstm = config.mode() == RnnMode.LSTM;
    this.gru = config.mode() == RnnMode.GRU;
    this.proj = config.projSize() > 0;
  }

  @Override
  public ForwardResult forward(ForwardArgs args) {
    return run(args, null);
  }

  @Override
  public Tape forwardForBackward(ForwardArgs args) {
    CpuTape tape = new CpuTape();
    tape.result = run(args, tape);
    return tape;
  }

  /** The sorted batch: row r holds sequence order[r]; running[t] rows are still running at step t. */
  private record Batch(int steps, int size, int[] order, int[] running) {}

  private Batch batchOf(ForwardArgs args) {
    int[] shape = args.input().shape();
    int steps = config.batchFirst() ? shape[1] : shape[0];
    int size = config.batchFirst() ? shape[0] : shape[1];
    int[] lengths = args.lengths();
    if (lengths == null) {
      lengths = new int[size];
      Arrays.fill(lengths, steps);
    }
    int[] len = lengths;
    int[] order = IntStream.range(0, size).boxed()
        .sorted(Comparator.comparingInt((Integer b) -> len[b]).reversed())
        .mapToInt(Integer::intValue).toArray();
    int[] running = new int[steps];
    for (int b = 0; b < size; b++) {
      for (int t = 0; t < len[b]; t++) {
        running[t]++;
      }
    }
    return new Batch(steps, size, order, running);
  }

  /** The forward pass; with a tape, every activation backward needs is kept in it. */
  private ForwardResult run(ForwardArgs args, CpuTape tape) {
    Batch b = batchOf(args);
    int steps = b.steps();
    int batch = b.size();
    int layers = config.numLayers();
    int width = directions * hOut;
    A x = gatherRows(math.copyOf(args.input()), b, config.inputSize());
    A h0 = args.h0() == null ? null : math.copyOf(args.h0());
    A c0 = args.c0() == null ? null : math.copyOf(args.c0());
    A hN = math.allocate(layers * directions * batch * hOut);
    A cN = lstm ? math.allocate(layers * directions * batch * hidden) : null;
    A sharedXp = tape == null ? math.allocate(steps * batch * gh) : null;
    A gates = math.allocate(batch * gh);
    A h = math.allocate(batch * hOut);
    A c = lstm ? math.allocate(batch * hidden) : null;
    A cellOut = proj ? math.allocate(batch * hidden) : h;
    SplittableRandom dropoutRandom = args.dropout() ? new SplittableRandom(args.dropoutSeed()) : null;
    if (tape != null) {
      tape.batch = b;
    }

    A y = null;
    for (int layer = 0; layer < layers; layer++) {
      int in = config.layerInputSize(layer);
      y = math.allocate(steps * batch * width);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        // With a tape, each direction keeps its projections, which the cell turns into activations.
        A xp = tape == null ? sharedXp : math.allocate(steps * batch * gh);
        A cs = tape != null && lstm ? math.allocate(steps * batch * hidden) : null;
        A ghn = tape != null && gru ? math.allocate(steps * batch * hidden) : null;
        math.broadcastRows(weights.biasIh(k), gh, xp, steps * batch);
        math.gemm(false, true, steps * batch, gh, in, x, 0, in, weights.weightIh(k), 0, in, true, xp, 0, gh);
        loadState(h0, k, batch, hOut, b.order(), h);
        if (lstm) {
          loadState(c0, k, batch, hidden, b.order(), c);
        }
        if (tape != null) {
          tape.h0.set(k, copy(h, batch * hOut));
          tape.c0.set(k, lstm ? copy(c, batch * hidden) : null);
        }
        for (int s = 0; s < steps; s++) {
          int t = d == 0 ? s : steps - 1 - s;
          int rows = b.running()[t];
          if (rows == 0) {
            continue;
          }
          math.broadcastRows(weights.biasHh(k), gh, gates, rows);
          math.gemm(false, true, rows, gh, hOut, h, 0, hOut, weights.weightHh(k), 0, hOut, true, gates, 0, gh);
          int xpOff = t * batch * gh;
          switch (config.mode()) {
            case RNN_TANH:
            case RNN_RELU:
              math.rnnCell(config.mode() == RnnMode.RNN_RELU, rows, hidden, xp, xpOff, gates, h);
              break;
            case LSTM:
              math.lstmCell(rows, hidden, xp, xpOff, gates, c, cellOut);
              if (proj) {
                math.gemm(false, true, rows, hOut, hidden, cellOut, 0, hidden, weights.weightHr(k), 0, hidden,
                    false, h, 0, hOut);
              }
              if (cs != null) {
                System.arraycopy(c, 0, cs, t * batch * hidden, rows * hidden);
              }
              break;
            case GRU:
              math.gruCell(rows, hidden, xp, xpOff, gates, h);
              if (ghn != null) {
                for (int r = 0; r < rows; r++) {
                  System.arraycopy(gates, r * gh + 2 * hidden, ghn, (t * batch + r) * hidden, hidden);
                }
              }
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
        if (tape != null) {
          tape.act.set(k, xp);
          tape.cs.set(k, cs);
          tape.ghn.set(k, ghn);
        }
      }
      A next = y;
      A mask = null;
      if (dropoutRandom != null && layer < layers - 1) {
        mask = math.allocate(steps * batch * width);
        math.dropoutMask(mask, steps * batch * width, config.dropout(), dropoutRandom);
        next = math.allocate(steps * batch * width);
        math.multiply(steps * batch * width, y, mask, next);
      }
      if (tape != null) {
        tape.inputs.set(layer, x);
        tape.outputs.set(layer, y);
        tape.masks.set(layer, mask);
      }
      x = next;
    }
    int states = layers * directions;
    return new ForwardResult(
        math.wrap(scatterRows(y, b, width), layout(b, width)),
        math.wrap(unsortStates(hN, states, batch, hOut, b.order()), states, batch, hOut),
        lstm ? math.wrap(unsortStates(cN, states, batch, hidden, b.order()), states, batch, hidden) : null);
  }

  /** What the forward pass of one call kept for its backward pass. */
  private final class CpuTape implements Tape {
    private final int layers = config.numLayers();
    private final AtomicBoolean used = new AtomicBoolean();
    private ForwardResult result;
    private Batch batch;
    // Per layer: its input (after the dropout below it), its output (before dropout), its dropout mask.
    private final List<A> inputs = nulls(layers);
    private final List<A> outputs = nulls(layers);
    private final List<A> masks = nulls(layers);
    // Per k = layer * D + d: gate activations, LSTM cell states, GRU's W_hn h + b_hn, initial states.
    private final List<A> act = nulls(layers * directions);
    private final List<A> cs = nulls(layers * directions);
    private final List<A> ghn = nulls(layers * directions);
    private final List<A> h0 = nulls(layers * directions);
    private final List<A> c0 = nulls(layers * directions);

    @Override
    public ForwardResult result() {
      return result;
    }

    @Override
    public BackwardResult backward(Tensor gradOutput, Tensor gradHN, Tensor gradCN) {
      if (used.getAndSet(true)) {
        throw new IllegalStateException("Trying to backward through the graph a second time: a tape "
            + "is consumed by its backward pass; run the forward pass again");
      }
      return backwardPass(this, gradOutput, gradHN, gradCN);
    }
  }

  private BackwardResult backwardPass(CpuTape tape, Tensor gradOutput, Tensor gradHN, Tensor gradCN) {
    Batch b = tape.batch;
    int steps = b.steps();
    int batch = b.size();
    int layers = config.numLayers();
    int width = directions * hOut;
    int[] running = b.running();
    ParamArrays<A> grads = new ParamArrays<>(config, key -> math.allocate(Shape.numel(key.shape(config))));
    A dy = gradOutput == null
        ? math.allocate(steps * batch * width) : gatherRows(math.copyOf(gradOutput), b, width);
    A dhN = gradHN == null ? null : math.copyOf(gradHN);
    A dcN = gradCN == null ? null : math.copyOf(gradCN);
    A dh0 = math.allocate(layers * directions * batch * hOut);
    A dc0 = lstm ? math.allocate(layers * directions * batch * hidden) : null;
    A dh = math.allocate(batch * hOut);
    A dc = lstm ? math.allocate(batch * hidden) : null;
    A hPrev = math.allocate(batch * hOut);
    A cPrev = lstm ? math.allocate(batch * hidden) : null;
    A hCur = lstm || gru ? null : math.allocate(batch * hOut);
    A cellOut = proj ? math.allocate(batch * hidden) : null;
    A dCellOut = proj ? math.allocate(batch * hidden) : dh;
    A dGhScratch = gru ? math.allocate(batch * gh) : null;
    A dXp = math.allocate(steps * batch * gh);
    A dInput = null;

    for (int layer = layers - 1; layer >= 0; layer--) {
      int in = config.layerInputSize(layer);
      A x = tape.inputs.get(layer);
      A y = tape.outputs.get(layer);
      A dx = math.allocate(steps * batch * in);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        A act = tape.act.get(k);
        A cs = tape.cs.get(k);
        math.broadcastRows(null, gh, dXp, steps * batch);
        loadState(dhN, k, batch, hOut, b.order(), dh);
        if (lstm) {
          loadState(dcN, k, batch, hidden, b.order(), dc);
        }
        for (int s = 0; s < steps; s++) {
          // The reverse of the forward order: the forward direction from the last step, the reverse from 0.
          int t = d == 0 ? steps - 1 - s : s;
          int rows = running[t];
          if (rows == 0) {
            continue;
          }
          math.addRows(rows, hOut, dy, t * batch * width + d * hOut, width, dh, 0, hOut);
          int prev = d == 0 ? t - 1 : t + 1;
          int prevRows = prev >= 0 && prev < steps ? Math.min(rows, running[prev]) : 0;
          gatherPrevious(hPrev, y, width, d * hOut, hOut, prev, prevRows, rows, batch, tape.h0.get(k));
          if (lstm) {
            gatherPrevious(cPrev, cs, hidden, 0, hidden, prev, prevRows, rows, batch, tape.c0.get(k));
          }
          int xpOff = t * batch * gh;
          A dGh = dXp;
          int dGhOff = xpOff;
          switch (config.mode()) {
            case RNN_TANH:
            case RNN_RELU:
              for (int r = 0; r < rows; r++) {
                System.arraycopy(y, (t * batch + r) * width + d * hOut, hCur, r * hOut, hOut);
              }
              math.rnnCellBackward(config.mode() == RnnMode.RNN_RELU, rows, hidden, hCur, dh, dXp, xpOff);
              break;
            case LSTM:
              if (proj) {
                math.lstmCellOutput(rows, hidden, act, xpOff, cs, t * batch * hidden, cellOut);
                math.gemm(true, false, hOut, hidden, rows, dh, 0, hOut, cellOut, 0, hidden, true,
                    grads.weightHr(k), 0, hidden);
                math.gemm(false, false, rows, hidden, hOut, dh, 0, hOut, weights.weightHr(k), 0, hidden, false,
                    dCellOut, 0, hidden);
              }
              math.lstmCellBackward(rows, hidden, act, xpOff, cs, t * batch * hidden, cPrev, dCellOut, dc, dXp,
                  xpOff);
              break;
            case GRU:
              math.gruCellBackward(rows, hidden, act, xpOff, tape.ghn.get(k), t * batch * hidden, hPrev,
                  dh, dXp, xpOff, dGhScratch);
              dGh = dGhScratch;
              dGhOff = 0;
              break;
            default:
              throw new AssertionError(config.mode());
          }
          math.gemm(true, false, gh, hOut, rows, dGh, dGhOff, gh, hPrev, 0, hOut, true, grads.weightHh(k), 0,
              hOut);
          if (config.bias()) {
            math.addColumnSums(rows, gh, dGh, dGhOff, grads.biasHh(k));
          }
          // GRU's gate-free path (dh * z) is already in dh; the other cells replace dh.
          math.gemm(false, false, rows, hOut, gh, dGh, dGhOff, gh, weights.weightHh(k), 0, hOut, gru, dh, 0,
              hOut);
        }
        System.arraycopy(dh, 0, dh0, k * batch * hOut, batch * hOut);
        if (lstm) {
          System.arraycopy(dc, 0, dc0, k * batch * hidden, batch * hidden);
        }
        math.gemm(true, false, gh, in, steps * batch, dXp, 0, gh, x, 0, in, true, grads.weightIh(k), 0, in);
        if (config.bias()) {
          math.addColumnSums(steps * batch, gh, dXp, 0, grads.biasIh(k));
        }
        math.gemm(false, false, steps * batch, in, gh, dXp, 0, gh, weights.weightIh(k), 0, in, d > 0, dx, 0, in);
      }
      if (layer > 0) {
        A mask = tape.masks.get(layer - 1);
        if (mask != null) {
          math.multiply(steps * batch * in, dx, mask, dx);
        }
        dy = dx;
      } else {
        dInput = dx;
      }
    }
    int states = layers * directions;
    List<Tensor> parameterGrads = new ArrayList<>();
    List<ParamKey> keys = ParamKey.all(config);
    for (int i = 0; i < keys.size(); i++) {
      parameterGrads.add(math.wrap(grads.inOrder().get(i), keys.get(i).shape(config)));
    }
    return new BackwardResult(
        math.wrap(scatterRows(dInput, b, config.inputSize()), layout(b, config.inputSize())),
        math.wrap(unsortStates(dh0, states, batch, hOut, b.order()), states, batch, hOut),
        lstm ? math.wrap(unsortStates(dc0, states, batch, hidden, b.order()), states, batch, hidden) : null,
        parameterGrads);
  }

  /**
   * The state before step t of the first {@code rows} sorted rows: step {@code prev}'s (row stride
   * {@code stride}, columns from {@code colOff}) for the {@code prevRows} rows that ran then, the initial
   * state for the rest, which start at t.
   */
  private void gatherPrevious(A dst, A src, int stride, int colOff, int cols, int prev, int prevRows, int rows,
      int batch, A initial) {
    for (int r = 0; r < rows; r++) {
      if (r < prevRows) {
        System.arraycopy(src, (prev * batch + r) * stride + colOff, dst, r * cols, cols);
      } else {
        System.arraycopy(initial, r * cols, dst, r * cols, cols);
      }
    }
  }

  private int[] layout(Batch b, int width) {
    return config.batchFirst() ? new int[] {b.size(), b.steps(), width} : new int[] {b.steps(), b.size(), width};
  }

  /** Caller-layout rows of {@code width} as (T, N, width) in sorted row order. */
  private A gatherRows(A data, Batch b, int width) {
    A out = math.allocate(b.steps() * b.size() * width);
    for (int t = 0; t < b.steps(); t++) {
      for (int r = 0; r < b.size(); r++) {
        System.arraycopy(data, callerRow(b, t, r) * width, out, (t * b.size() + r) * width, width);
      }
    }
    return out;
  }

  /** The inverse of {@link #gatherRows}: sorted (T, N, width) back to the caller's order and layout. */
  private A scatterRows(A sorted, Batch b, int width) {
    A out = math.allocate(b.steps() * b.size() * width);
    for (int t = 0; t < b.steps(); t++) {
      for (int r = 0; r < b.size(); r++) {
        System.arraycopy(sorted, (t * b.size() + r) * width, out, callerRow(b, t, r) * width, width);
      }
    }
    return out;
  }

  private int callerRow(Batch b, int t, int r) {
    return config.batchFirst() ? b.order()[r] * b.steps() + t : t * b.size() + b.order()[r];
  }

  /** Row r of {@code state} gets slice k of the caller's {@code initial} for sequence order[r], or zeros. */
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

  private A copy(A source, int n) {
    A out = math.allocate(n);
    System.arraycopy(source, 0, out, 0, n);
    return out;
  }

  private static <T> List<T> nulls(int n) {
    return new ArrayList<>(Collections.nCopies(n, null));
  }

  @Override
  public void close() {
    // Heap arrays only: the garbage collector owns them.
  }
}
