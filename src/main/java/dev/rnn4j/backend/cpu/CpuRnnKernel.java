package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reference forward and backward passes on the CPU, written once for float32 and float64 over
 * {@link CpuMath}.
 *
 * <p>Per layer and direction, the input projection of all T steps is one product; each step then
 * does one recurrent product, the cell's elementwise update and, for LSTM with projection, one more
 * product. Backward runs the steps in the opposite order with the transposed products, and again
 * turns the input side into single products over all steps. Buffers are taken per call, never per
 * step, from the backend's {@link ArrayPool}, and given back when the call (or its tape) ends.
 *
 * <p>Variable lengths follow {@code pack_padded_sequence(enforce_sorted=False)}: the batch is
 * sorted by length, longest first, so that at step t the sequences still running are a prefix of
 * the rows and each product covers exactly them. A finished sequence's state is never touched
 * again, which leaves each sequence's own last state in {@code h_n}; the reverse direction meets
 * each sequence first at its own last element, from the initial state. Results return in the
 * caller's batch order.
 *
 * <p>Sequences are independent through every layer, so the sorted batch is cut into contiguous
 * blocks that run on their own threads with their own buffers; only the weight gradients meet
 * again, summed block by block. Dropout masks are drawn per sequence, so they too do not depend on
 * the cut.
 */
final class CpuRnnKernel<A> implements RnnKernel {
  // Multiply-adds below which a block is not worth a thread of its own.
  private static final long MIN_BLOCK_WORK = 2_000_000;

  private final RnnShape config;
  private final DType dtype;
  private final CpuMath<A> math;
  private final Parallel parallel;
  private final List<HostStorage> parameters = new ArrayList<>();
  private final List<HostStorage> gradients = new ArrayList<>();
  // The packed form of the parameters, and the parameter versions it was packed from.
  private PackedWeights<A> packed;
  private long[] packedVersions;
  private final int layers;
  private final int directions;
  private final int hidden;
  private final int hOut;
  private final int gh;
  private final int width;
  private final boolean lstm;
  private final boolean gru;
  private final boolean proj;

  CpuRnnKernel(
      RnnShape config, DType dtype, CpuMath<A> math, Parallel parallel, CpuBackend backend) {
    this.config = config;
    this.dtype = dtype;
    this.math = math;
    this.parallel = parallel;
    for (ParamKey key : ParamKey.all(config)) {
      int n = 1;
      for (int s : key.shape(config)) {
        n *= s;
      }
      parameters.add(backend.allocateHost(dtype, n));
      gradients.add(backend.allocateHost(dtype, n));
    }
    this.layers = config.numLayers();
    this.directions = config.numDirections();
    this.hidden = config.hiddenSize();
    this.hOut = config.outputSize();
    this.gh = config.mode().gateCount() * hidden;
    this.width = directions * hOut;
    this.lstm = config.mode() == RnnMode.LSTM;
    this.gru = config.mode() == RnnMode.GRU;
    this.proj = config.projSize() > 0;
  }

  @Override
  public RnnShape shape() {
    return config;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  @Override
  public List<Storage> parameters() {
    return List.copyOf(parameters);
  }

  @Override
  public List<Storage> gradients() {
    return List.copyOf(gradients);
  }

  /** The parameters packed for the products, packed again only after a parameter was written. */
  private synchronized PackedWeights<A> packed() {
    long[] versions = new long[parameters.size()];
    for (int i = 0; i < versions.length; i++) {
      versions[i] = parameters.get(i).version();
    }
    if (packed == null || !Arrays.equals(versions, packedVersions)) {
      packed = new PackedWeights<>(config, math, parameters);
      packedVersions = versions;
    }
    return packed;
  }

  @Override
  public ForwardResult forward(ForwardArgs args) {
    Call call = new Call(args);
    try (Workspace<A> work = call.work) {
      parallel.forEach(call.blocks.size(), p -> forwardBlock(call, call.blocks.get(p), null));
      return call.result();
    }
  }

  @Override
  public Tape forwardForBackward(ForwardArgs args) {
    Call call = new Call(args);
    List<BlockTape> tapes = new ArrayList<>();
    call.blocks.forEach(b -> tapes.add(new BlockTape()));
    parallel.forEach(call.blocks.size(), p -> forwardBlock(call, call.blocks.get(p), tapes.get(p)));
    return new CpuTape(call, tapes);
  }

  /**
   * A run of sorted rows: {@code callers[r]} is the caller's index of row r; running[t] rows run at
   * t.
   */
  private record Block(int[] callers, int[] running) {
    int size() {
      return callers.length;
    }
  }

  /** One call: its inputs in the caller's layout, its results, and its cut into blocks. */
  private final class Call {
    final PackedWeights<A> w = packed();
    final int steps;
    final int batch;
    final boolean dropout;
    final long dropoutSeed;
    final A input;
    final A h0;
    final A c0;
    final A output;
    final A hN;
    final A cN;
    final List<Block> blocks = new ArrayList<>();
    // The blocks' buffers; with a tape, until the tape is closed.
    final Workspace<A> work = new Workspace<>(math.pool());

    Call(ForwardArgs args) {
      steps = args.steps();
      batch = args.batch();
      dropout = args.dropout();
      dropoutSeed = args.passSeed();
      // Read only: the caller's arrays serve as they are.
      input = math.array((HostStorage) args.input());
      h0 = args.h0() == null ? null : math.array((HostStorage) args.h0());
      c0 = args.c0() == null ? null : math.array((HostStorage) args.c0());
      output = math.allocate(steps * batch * width);
      hN = math.allocate(layers * directions * batch * hOut);
      cN = lstm ? math.allocate(layers * directions * batch * hidden) : null;
      int[] lengths = args.lengths();
      int[] order = sortedByLength(lengths, batch, steps);
      long work = (long) steps * batch * gh * (config.inputSize() + hOut) * directions * layers;
      int parts =
          (int) Math.max(1, Math.min(Math.min(parallel.threads(), batch), work / MIN_BLOCK_WORK));
      for (int p = 0; p < parts; p++) {
        int[] callers = Arrays.copyOfRange(order, p * batch / parts, (p + 1) * batch / parts);
        int[] running = new int[steps];
        for (int b : callers) {
          int len = lengths == null ? steps : lengths[b];
          for (int t = 0; t < len; t++) {
            running[t]++;
          }
        }
        blocks.add(new Block(callers, running));
      }
    }

    ForwardResult result() {
      return new ForwardResult(math.wrap(output), math.wrap(hN), lstm ? math.wrap(cN) : null);
    }
  }

  /** What the forward pass of one block kept for its backward pass. */
  private final class BlockTape {
    // Per layer: its input (after the dropout below it), its output (before dropout), its dropout
    // mask.
    final List<A> inputs = nulls(layers);
    final List<A> outputs = nulls(layers);
    final List<A> masks = nulls(layers);
    // Per k = layer * D + d: gate activations, LSTM cell states, GRU's W_hn h + b_hn, initial
    // states.
    final List<A> act = nulls(layers * directions);
    final List<A> cs = nulls(layers * directions);
    final List<A> ghn = nulls(layers * directions);
    final List<A> h0 = nulls(layers * directions);
    final List<A> c0 = nulls(layers * directions);
  }

  /** The forward pass of one block; with a tape, every activation backward needs is kept in it. */
  private void forwardBlock(Call call, Block blk, BlockTape tape) {
    int steps = call.steps;
    int nb = blk.size();
    int[] running = blk.running();
    Workspace<A> work = call.work;
    A x = gather(call.input, call, blk, config.inputSize(), work);
    // The projections are written in full (bias rows, then products) before any step reads them.
    A sharedXp = tape == null ? work.uninitialized(steps * nb * gh) : null;
    A gates = work.zeros(nb * gh);
    A h = work.zeros(nb * hOut);
    A c = lstm ? work.zeros(nb * hidden) : null;
    A cellOut = proj ? work.zeros(nb * hidden) : h;
    A y = null;
    for (int layer = 0; layer < layers; layer++) {
      int in = config.layerInputSize(layer);
      // Zeros: the rows of finished sequences stay zero, as PyTorch pads them.
      y = work.zeros(steps * nb * width);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        // With a tape, each direction keeps its projections, which the cell turns into activations.
        A xp = tape == null ? sharedXp : work.uninitialized(steps * nb * gh);
        A cs = tape != null && lstm ? work.zeros(steps * nb * hidden) : null;
        A ghn = tape != null && gru ? work.zeros(steps * nb * hidden) : null;
        math.broadcastRows(call.w.biasIh(k), gh, xp, steps * nb);
        math.gemm(steps * nb, gh, in, x, 0, in, call.w.ihT.get(k), true, xp, 0, gh);
        loadState(call.h0, k, call.batch, hOut, blk, h);
        if (lstm) {
          loadState(call.c0, k, call.batch, hidden, blk, c);
        }
        if (tape != null) {
          tape.h0.set(k, copy(h, nb * hOut, work));
          tape.c0.set(k, lstm ? copy(c, nb * hidden, work) : null);
        }
        for (int s = 0; s < steps; s++) {
          int t = d == 0 ? s : steps - 1 - s;
          int rows = running[t];
          if (rows == 0) {
            continue;
          }
          math.broadcastRows(call.w.biasHh(k), gh, gates, rows);
          math.gemm(rows, gh, hOut, h, 0, hOut, call.w.hhT.get(k), true, gates, 0, gh);
          int xpOff = t * nb * gh;
          switch (config.mode()) {
            case RNN_TANH:
            case RNN_RELU:
              math.rnnCell(config.mode() == RnnMode.RNN_RELU, rows, hidden, xp, xpOff, gates, h);
              break;
            case LSTM:
              math.lstmCell(rows, hidden, xp, xpOff, gates, c, cellOut);
              if (proj) {
                math.gemm(
                    rows, hOut, hidden, cellOut, 0, hidden, call.w.hrT.get(k), false, h, 0, hOut);
              }
              if (cs != null) {
                System.arraycopy(c, 0, cs, t * nb * hidden, rows * hidden);
              }
              break;
            case GRU:
              math.gruCell(rows, hidden, xp, xpOff, gates, h);
              if (ghn != null) {
                for (int r = 0; r < rows; r++) {
                  System.arraycopy(gates, r * gh + 2 * hidden, ghn, (t * nb + r) * hidden, hidden);
                }
              }
              break;
            default:
              throw new AssertionError(config.mode());
          }
          for (int r = 0; r < rows; r++) {
            System.arraycopy(h, r * hOut, y, (t * nb + r) * width + d * hOut, hOut);
          }
        }
        storeState(h, k, call.batch, hOut, blk, call.hN);
        if (lstm) {
          storeState(c, k, call.batch, hidden, blk, call.cN);
        }
        if (tape != null) {
          tape.act.set(k, xp);
          tape.cs.set(k, cs);
          tape.ghn.set(k, ghn);
        }
      }
      A next = y;
      A mask = null;
      if (call.dropout && layer < layers - 1) {
        mask = dropoutMask(call, blk, layer);
        next = work.zeros(steps * nb * width);
        math.multiply(steps * nb * width, y, mask, next);
      }
      if (tape != null) {
        tape.inputs.set(layer, x);
        tape.outputs.set(layer, y);
        tape.masks.set(layer, mask);
      }
      x = next;
    }
    scatter(y, call, blk, width, call.output);
  }

  /** The mask of one layer's output for this block: each sequence's from its own generator. */
  private A dropoutMask(Call call, Block blk, int layer) {
    int nb = blk.size();
    A mask = call.work.zeros(call.steps * nb * width);
    for (int r = 0; r < nb; r++) {
      long stream = (long) layer * call.batch + blk.callers()[r];
      SplittableRandom random =
          new SplittableRandom(call.dropoutSeed + 0x9E3779B97F4A7C15L * (stream + 1));
      for (int t = 0; t < call.steps; t++) {
        math.dropoutMask(mask, (t * nb + r) * width, width, config.dropout(), random);
      }
    }
    return mask;
  }

  /** A forward pass that can be differentiated once. */
  private final class CpuTape implements Tape {
    private final Call call;
    private final List<BlockTape> tapes;
    private final ForwardResult result;
    private final AtomicBoolean used = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    CpuTape(Call call, List<BlockTape> tapes) {
      this.call = call;
      this.tapes = tapes;
      this.result = call.result();
    }

    @Override
    public ForwardResult result() {
      return result;
    }

    @Override
    public void close() {
      closed.set(true);
      // The activations go back to the pool; the results are heap arrays, but closed all the same,
      // so that a result read after close fails here as on a GPU.
      call.work.close();
      result.output().close();
      result.hN().close();
      if (result.cN() != null) {
        result.cN().close();
      }
    }

    @Override
    public BackwardResult backward(Storage gradOutput, Storage gradHN, Storage gradCN) {
      if (closed.get()) {
        throw new IllegalStateException(
            "Trying to backward through a closed tape: its activations were released");
      }
      if (used.getAndSet(true)) {
        throw new IllegalStateException(
            "Trying to backward through the graph a second time: a tape "
                + "is consumed by its backward pass; run the forward pass again");
      }
      Grads g = new Grads(call, gradOutput, gradHN, gradCN);
      List<ParamGrads> perBlock = new ArrayList<>(nulls(call.blocks.size()));
      try (Workspace<A> work = new Workspace<>(math.pool())) {
        parallel.forEach(
            call.blocks.size(),
            p -> perBlock.set(p, backwardBlock(call, call.blocks.get(p), tapes.get(p), g, work)));
      }
      // Consumed: its activations can go back to the pool now rather than when it is closed.
      call.work.close();
      ParamGrads total = perBlock.get(0);
      for (int p = 1; p < perBlock.size(); p++) {
        total.add(perBlock.get(p));
      }
      total.addInto(gradients);
      return new BackwardResult(math.wrap(g.input), math.wrap(g.h0), lstm ? math.wrap(g.c0) : null);
    }
  }

  /**
   * The incoming gradients of a backward pass, and the outgoing ones whose rows the blocks write.
   */
  private final class Grads {
    final A output;
    final A hN;
    final A cN;
    final A input;
    final A h0;
    final A c0;

    Grads(Call call, Storage gradOutput, Storage gradHN, Storage gradCN) {
      int states = layers * directions;
      output = gradOutput == null ? null : math.array((HostStorage) gradOutput);
      hN = gradHN == null ? null : math.array((HostStorage) gradHN);
      cN = gradCN == null ? null : math.array((HostStorage) gradCN);
      input = math.allocate(call.steps * call.batch * config.inputSize());
      h0 = math.allocate(states * call.batch * hOut);
      c0 = lstm ? math.allocate(states * call.batch * hidden) : null;
    }
  }

  /** One block's parameter gradients: matrices packed (row per output unit), biases flat. */
  private final class ParamGrads {
    final List<A[]> ih = new ArrayList<>();
    final List<A[]> hh = new ArrayList<>();
    final List<A[]> hr = new ArrayList<>();
    final List<A> biasIh = new ArrayList<>();
    final List<A> biasHh = new ArrayList<>();

    ParamGrads() {
      for (int layer = 0; layer < layers; layer++) {
        for (int d = 0; d < directions; d++) {
          ih.add(math.allocateRows(gh, config.layerInputSize(layer)));
          hh.add(math.allocateRows(gh, hOut));
          hr.add(proj ? math.allocateRows(hOut, hidden) : null);
          biasIh.add(config.bias() ? math.allocate(gh) : null);
          biasHh.add(config.bias() ? math.allocate(gh) : null);
        }
      }
    }

    /** Adds another block's gradients into these. */
    void add(ParamGrads other) {
      for (int k = 0; k < ih.size(); k++) {
        addRows(ih.get(k), other.ih.get(k), config.layerInputSize(k / directions));
        addRows(hh.get(k), other.hh.get(k), hOut);
        if (proj) {
          addRows(hr.get(k), other.hr.get(k), hidden);
        }
        if (config.bias()) {
          math.addRows(1, gh, other.biasIh.get(k), 0, gh, biasIh.get(k), 0, gh);
          math.addRows(1, gh, other.biasHh.get(k), 0, gh, biasHh.get(k), 0, gh);
        }
      }
    }

    private void addRows(A[] into, A[] from, int cols) {
      for (int r = 0; r < into.length; r++) {
        math.addRows(1, cols, from[r], 0, cols, into[r], 0, cols);
      }
    }

    /**
     * Adds these gradients, flattened to PyTorch's layout, into {@code into} ({@link ParamKey#all}
     * order).
     */
    void addInto(List<HostStorage> into) {
      List<ParamKey> keys = ParamKey.all(config);
      for (int i = 0; i < keys.size(); i++) {
        ParamKey key = keys.get(i);
        int k = key.layer() * directions + key.direction();
        int[] shape = key.shape(config);
        A data;
        switch (key.kind()) {
          case WEIGHT_IH:
            data = math.flatten(ih.get(k), shape[1]);
            break;
          case WEIGHT_HH:
            data = math.flatten(hh.get(k), shape[1]);
            break;
          case WEIGHT_HR:
            data = math.flatten(hr.get(k), shape[1]);
            break;
          case BIAS_IH:
            data = biasIh.get(k);
            break;
          case BIAS_HH:
            data = biasHh.get(k);
            break;
          default:
            throw new AssertionError(key);
        }
        int n = (int) into.get(i).numel();
        math.addRows(1, n, data, 0, n, math.array(into.get(i)), 0, n);
        into.get(i).bumpVersion();
      }
    }
  }

  private ParamGrads backwardBlock(
      Call call, Block blk, BlockTape tape, Grads g, Workspace<A> work) {
    int steps = call.steps;
    int nb = blk.size();
    int[] running = blk.running();
    ParamGrads grads = new ParamGrads();
    A dy =
        g.output == null
            ? work.zeros(steps * nb * width)
            : gather(g.output, call, blk, width, work);
    A dh = work.zeros(nb * hOut);
    A dc = lstm ? work.zeros(nb * hidden) : null;
    A hPrev = work.zeros(nb * hOut);
    A cPrev = lstm ? work.zeros(nb * hidden) : null;
    A hCur = lstm || gru ? null : work.zeros(nb * hOut);
    A cellOut = proj ? work.zeros(nb * hidden) : null;
    A dCellOut = proj ? work.zeros(nb * hidden) : dh;
    A dGhScratch = gru ? work.zeros(nb * gh) : null;
    // Zeroed per direction below, before any step writes it.
    A dXp = work.uninitialized(steps * nb * gh);
    // Every step's previous state and (GRU) hidden-side gate gradients, for one weight-gradient
    // product over all steps after the time loop instead of one per step, which would read and
    // write the whole gradient T times. Rows that do not run at a step stay zero: the running rows
    // are the same in every layer and direction.
    A hPrevAll = work.zeros(steps * nb * hOut);
    A dGhAll = gru ? work.zeros(steps * nb * gh) : dXp;
    for (int layer = layers - 1; layer >= 0; layer--) {
      int in = config.layerInputSize(layer);
      A x = tape.inputs.get(layer);
      A y = tape.outputs.get(layer);
      A dx = work.zeros(steps * nb * in);
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        A act = tape.act.get(k);
        A cs = tape.cs.get(k);
        math.broadcastRows(null, gh, dXp, steps * nb);
        loadState(g.hN, k, call.batch, hOut, blk, dh);
        if (lstm) {
          loadState(g.cN, k, call.batch, hidden, blk, dc);
        }
        for (int s = 0; s < steps; s++) {
          // The reverse of the forward order: the forward direction from the last step, the reverse
          // from 0.
          int t = d == 0 ? steps - 1 - s : s;
          int rows = running[t];
          if (rows == 0) {
            continue;
          }
          math.addRows(rows, hOut, dy, t * nb * width + d * hOut, width, dh, 0, hOut);
          int prev = d == 0 ? t - 1 : t + 1;
          int prevRows = prev >= 0 && prev < steps ? Math.min(rows, running[prev]) : 0;
          gatherPrevious(hPrev, y, width, d * hOut, hOut, prev, prevRows, rows, nb, tape.h0.get(k));
          if (lstm) {
            gatherPrevious(cPrev, cs, hidden, 0, hidden, prev, prevRows, rows, nb, tape.c0.get(k));
          }
          System.arraycopy(hPrev, 0, hPrevAll, t * nb * hOut, rows * hOut);
          int xpOff = t * nb * gh;
          A dGh = dXp;
          int dGhOff = xpOff;
          switch (config.mode()) {
            case RNN_TANH:
            case RNN_RELU:
              for (int r = 0; r < rows; r++) {
                System.arraycopy(y, (t * nb + r) * width + d * hOut, hCur, r * hOut, hOut);
              }
              math.rnnCellBackward(
                  config.mode() == RnnMode.RNN_RELU, rows, hidden, hCur, dh, dXp, xpOff);
              break;
            case LSTM:
              if (proj) {
                math.lstmCellOutput(rows, hidden, act, xpOff, cs, t * nb * hidden, cellOut);
                math.addTransposedProduct(
                    rows, hOut, hidden, dh, 0, hOut, cellOut, 0, hidden, grads.hr.get(k));
                math.gemm(
                    rows, hidden, hOut, dh, 0, hOut, call.w.hr.get(k), false, dCellOut, 0, hidden);
              }
              math.lstmCellBackward(
                  rows, hidden, act, xpOff, cs, t * nb * hidden, cPrev, dCellOut, dc, dXp, xpOff);
              break;
            case GRU:
              math.gruCellBackward(
                  rows,
                  hidden,
                  act,
                  xpOff,
                  tape.ghn.get(k),
                  t * nb * hidden,
                  hPrev,
                  dh,
                  dXp,
                  xpOff,
                  dGhScratch);
              dGh = dGhScratch;
              dGhOff = 0;
              System.arraycopy(dGhScratch, 0, dGhAll, xpOff, rows * gh);
              break;
            default:
              throw new AssertionError(config.mode());
          }
          // GRU's gate-free path (dh * z) is already in dh; the other cells replace dh.
          math.gemm(rows, hOut, gh, dGh, dGhOff, gh, call.w.hh.get(k), gru, dh, 0, hOut);
        }
        storeState(dh, k, call.batch, hOut, blk, g.h0);
        if (lstm) {
          storeState(dc, k, call.batch, hidden, blk, g.c0);
        }
        math.addTransposedProduct(
            steps * nb, gh, hOut, dGhAll, 0, gh, hPrevAll, 0, hOut, grads.hh.get(k));
        if (config.bias()) {
          math.addColumnSums(steps * nb, gh, dGhAll, 0, grads.biasHh.get(k));
        }
        math.addTransposedProduct(steps * nb, gh, in, dXp, 0, gh, x, 0, in, grads.ih.get(k));
        if (config.bias()) {
          math.addColumnSums(steps * nb, gh, dXp, 0, grads.biasIh.get(k));
        }
        math.gemm(steps * nb, in, gh, dXp, 0, gh, call.w.ih.get(k), d > 0, dx, 0, in);
      }
      if (layer > 0) {
        A mask = tape.masks.get(layer - 1);
        if (mask != null) {
          math.multiply(steps * nb * in, dx, mask, dx);
        }
        dy = dx;
      } else {
        scatter(dx, call, blk, config.inputSize(), g.input);
      }
    }
    return grads;
  }

  /**
   * The state before step t of the first {@code rows} rows: step {@code prev}'s (row stride {@code
   * stride}, columns from {@code colOff}) for the {@code prevRows} rows that ran then, the initial
   * state for the rest, which start at t.
   */
  private void gatherPrevious(
      A dst,
      A src,
      int stride,
      int colOff,
      int cols,
      int prev,
      int prevRows,
      int rows,
      int nb,
      A initial) {
    for (int r = 0; r < rows; r++) {
      if (r < prevRows) {
        System.arraycopy(src, (prev * nb + r) * stride + colOff, dst, r * cols, cols);
      } else {
        System.arraycopy(initial, r * cols, dst, r * cols, cols);
      }
    }
  }

  /**
   * The caller's batch indices, longest sequence first, ties in caller order: a counting sort over
   * the lengths, which lie in [1, steps], with no boxing on the per-call path.
   */
  private static int[] sortedByLength(int[] lengths, int batch, int steps) {
    int[] order = new int[batch];
    if (lengths == null) {
      for (int i = 0; i < batch; i++) {
        order[i] = i;
      }
      return order;
    }
    // start[len] = the first position of sequences of length len, longest first.
    int[] start = new int[steps + 2];
    for (int len : lengths) {
      start[len]++;
    }
    int position = 0;
    for (int len = steps; len >= 1; len--) {
      int count = start[len];
      start[len] = position;
      position += count;
    }
    for (int i = 0; i < batch; i++) {
      order[start[lengths[i]]++] = i;
    }
    return order;
  }

  /** The block's rows of a caller-layout (T, N, cols) or (N, T, cols) array, as (T, nb, cols). */
  private A gather(A data, Call call, Block blk, int cols, Workspace<A> work) {
    int nb = blk.size();
    A out = work.uninitialized(call.steps * nb * cols);
    for (int t = 0; t < call.steps; t++) {
      for (int r = 0; r < nb; r++) {
        System.arraycopy(
            data, callerRow(call, t, blk.callers()[r]) * cols, out, (t * nb + r) * cols, cols);
      }
    }
    return out;
  }

  /** The inverse of {@link #gather}: the block's (T, nb, cols) rows into the caller's layout. */
  private void scatter(A rows, Call call, Block blk, int cols, A data) {
    int nb = blk.size();
    for (int t = 0; t < call.steps; t++) {
      for (int r = 0; r < nb; r++) {
        System.arraycopy(
            rows, (t * nb + r) * cols, data, callerRow(call, t, blk.callers()[r]) * cols, cols);
      }
    }
  }

  private int callerRow(Call call, int t, int b) {
    return config.batchFirst() ? b * call.steps + t : t * call.batch + b;
  }

  /**
   * Row r of {@code state} gets slice k of the caller's {@code initial} for its sequence, or zeros.
   */
  private void loadState(A initial, int k, int batch, int size, Block blk, A state) {
    if (initial == null) {
      math.broadcastRows(null, size, state, blk.size());
      return;
    }
    for (int r = 0; r < blk.size(); r++) {
      System.arraycopy(initial, (k * batch + blk.callers()[r]) * size, state, r * size, size);
    }
  }

  /**
   * The inverse of {@link #loadState}: the block's rows into slice k of a caller-order state array.
   */
  private void storeState(A state, int k, int batch, int size, Block blk, A into) {
    for (int r = 0; r < blk.size(); r++) {
      System.arraycopy(state, r * size, into, (k * batch + blk.callers()[r]) * size, size);
    }
  }

  private A copy(A source, int n, Workspace<A> work) {
    A out = work.uninitialized(n);
    System.arraycopy(source, 0, out, 0, n);
    return out;
  }

  private static <T> List<T> nulls(int n) {
    return new ArrayList<>(Collections.nCopies(n, null));
  }

  @Override
  public void close() {
    parameters.forEach(HostStorage::close);
    gradients.forEach(HostStorage::close);
  }
}
