package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The memory a configuration needs, computed from its shapes before anything is allocated, and the
 * check that it fits: {@link #checkFits} refuses with one line (needed, available, what to lower)
 * where PyTorch would run into {@code CUDA out of memory} or the JVM into an {@link
 * OutOfMemoryError} after minutes of work.
 *
 * <p>Symbols: G gates (1 RNN, 3 GRU, 4 LSTM), H = hidden_size (H_cell), P = H_out (proj_size, or
 * H), D directions, K = num_layers, I = input_size, W = D * P, O = the head's out_features (0 for a
 * bare recurrent stack), N the batch, L the sequence length, S the samples of a data set; [x] is 1
 * when x holds and 0 otherwise. In elements of the model's dtype (4 bytes float32, 8 float64):
 *
 * <ul>
 *   <li>recurrent parameters R = D * (G*H*(I + P) + B) + (K - 1) * D * (G*H*(W + P) + B), with B =
 *       2*G*H [bias] + P*H [proj_size]; head parameters Q = W*O + O [head bias];
 *   <li>{@link Part#PARAMETERS} = R + Q, plus R on the CPU (the kernel's packed copy of the
 *       weights);
 *   <li>{@link Part#GRADIENTS} = R + Q, plus R * min(N, cores) on the CPU (each block's partial
 *       sums in backpropagation through time);
 *   <li>{@link Part#OPTIMIZER_STATE} = m * (R + Q): m = 2 for Adam and AdamW ({@code exp_avg},
 *       {@code exp_avg_sq}), 3 with AMSGrad, 1 for SGD with momentum ({@code momentum_buffer}), 0
 *       for plain SGD;
 *   <li>{@link Part#ACTIVATIONS} of a training step, what the forward pass keeps on its tape for
 *       backward and what backward adds: L*N*(2*I + W) (the batch, its gathered copy, the stack's
 *       output) + K*L*N*W (each layer's output) + 2*(K - 1)*L*N*W [dropout] (masks and masked
 *       outputs) + K*D*L*N*H*(G + [LSTM or GRU]) (gate pre-activations; LSTM cell states or GRU's
 *       W_hn h + b_hn) + L*N*(W + G*H*(1 + [GRU]) + P + max(I, W) + I) (backward's d output, d
 *       gates, previous states, d layer input, d input) + 4*K*D*N*(P + H) (states and their
 *       gradients) + the head's 2*(W + O) per output row (N rows many-to-one, L*N many-to-many);
 *   <li>activations of an inference pass: L*N*(2*I + G*H + 3*W) + 2*K*D*N*(P + H) + the head's (W +
 *       O) per output row;
 *   <li>{@link Part#DATA}, float32: S*(L*I + O), the data set kept on the model's device (a {@link
 *       TrainingSet}; on a GPU its host copy too);
 *   <li>{@link Part#CHECKPOINT}, on the heap only: 2*(parameters + optimizer state) of the model's
 *       dtype, the state dicts a checkpoint downloads and the file's bytes.
 * </ul>
 *
 * <p>The estimate leaves out what does not grow with the configuration (a step's scalars, the small
 * host arrays of indices) and is meant to lie within a factor of 2 above what is allocated; {@code
 * MemoryEstimateTest} holds it to that against the CPU backend's counters and the heap. Sizes are
 * computed in doubles, so that no configuration, however large, overflows them.
 *
 * <p>Memory available: on the CPU, every part lives on the JVM heap, of which {@link
 * Runtime#maxMemory()} less what is in use (after a garbage collection, when the need looks too
 * large without one) less a reserve (an eighth of the maximum, at least 64 MiB, for the garbage
 * collector's headroom and what the estimate leaves out) is available. On a GPU, parameters,
 * gradients, optimizer state, activations and data must fit the device's {@link
 * Backend#memoryAvailable()} (a backend that cannot tell is not checked), and the data and the
 * checkpoint's copies the heap. Besides sizes, no single buffer may exceed the 2^31 - 1 elements of
 * a Java array, which every tensor of rnn4j is on the host.
 */
public final class MemoryEstimate {
  /** The parts of an estimate, each with the sizes that make it grow. */
  public enum Part {
    /** The model's weights. */
    PARAMETERS("parameters", "lower hidden_size or num_layers"),
    /** Their gradients. */
    GRADIENTS("gradients", "lower hidden_size or num_layers"),
    /** The optimizer's per-parameter buffers. */
    OPTIMIZER_STATE("optimizer state", "lower hidden_size or num_layers, or use plain SGD"),
    /**
     * What one pass keeps and makes: the tape of a training step, or an inference batch's buffers.
     */
    ACTIVATIONS("activations", "lower the batch size, the sequence length or hidden_size"),
    /** The data set on the model's device. */
    DATA("data", "use fewer or shorter sequences"),
    /** A checkpoint's downloaded state and file bytes, on the heap. */
    CHECKPOINT("checkpoint copies", "lower hidden_size or num_layers");

    private final String label;
    private final String advice;

    Part(String label, String advice) {
      this.label = label;
      this.advice = advice;
    }

    /**
     * What to change to shrink this part, in PyTorch's names.
     *
     * @return e.g. {@code "lower hidden_size or num_layers"}
     */
    public String advice() {
      return advice;
    }
  }

  private static final long MIB = 1L << 20;

  /** The JVM's largest array, which every host tensor is. */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE;

  private final String what;
  private final boolean onCpu;
  private final Map<Part, Double> bytes = new EnumMap<>(Part.class);
  private double largest;
  private String largestName = "";
  private Part largestPart = Part.PARAMETERS;

  private MemoryEstimate(String what, Device device) {
    this.what = what;
    this.onCpu = device.type() == Device.Type.CPU;
    for (Part p : Part.values()) {
      bytes.put(p, 0.0);
    }
  }

  /**
   * A training run: parameters, gradients, the optimizer's state, one step's tape and backward, the
   * training set on the device, and the checkpoint's copies.
   *
   * @param model the model
   * @param optimizer the optimizer, whose kind sets the state per parameter
   * @param dtype the parameters' dtype
   * @param batchSize N
   * @param steps L, the longest sequence
   * @param samples S, the training set's samples
   * @param device where the model runs
   * @return the estimate
   */
  public static MemoryEstimate training(
      SequenceModelConfig model,
      OptimizerConfig optimizer,
      DType dtype,
      int batchSize,
      int steps,
      long samples,
      Device device) {
    MemoryEstimate e = new MemoryEstimate("training", device);
    Sizes s = new Sizes(model.rnn(), model.outFeatures(), model.headBias());
    int b = dtype.byteSize();
    double n = Math.min(batchSize, Math.max(samples, 1));
    e.model(s, b, n, true);
    e.add(Part.OPTIMIZER_STATE, stateBuffers(optimizer) * s.params() * b);
    double rows = model.manyToOne() ? n : (double) steps * n;
    e.add(Part.ACTIVATIONS, (s.trainingActivations(n, steps) + 2 * rows * (s.w + s.o)) * b);
    e.add(Part.DATA, samples * ((double) steps * s.i + s.o) * Float.BYTES);
    e.add(Part.CHECKPOINT, 2 * (e.bytes.get(Part.OPTIMIZER_STATE) + s.params() * b));
    e.buffers(s, n, steps, samples);
    return e;
  }

  /**
   * Inference with a trained model in batches ({@code predict}): parameters, one batch's buffers
   * and the data set.
   *
   * @param model the model
   * @param dtype the parameters' dtype
   * @param batchSize N
   * @param steps L
   * @param samples S, the windows or sequences predicted
   * @param device where the model runs
   * @return the estimate
   */
  public static MemoryEstimate inference(
      SequenceModelConfig model,
      DType dtype,
      int batchSize,
      int steps,
      long samples,
      Device device) {
    MemoryEstimate e = new MemoryEstimate("inference", device);
    Sizes s = new Sizes(model.rnn(), model.outFeatures(), model.headBias());
    int b = dtype.byteSize();
    double n = Math.min(batchSize, Math.max(samples, 1));
    e.model(s, b, n, false);
    double rows = model.manyToOne() ? n : (double) steps * n;
    e.add(Part.ACTIVATIONS, (s.inferenceActivations(n, steps) + rows * (s.w + s.o)) * b);
    e.add(Part.DATA, samples * ((double) steps * s.i + s.o) * Float.BYTES);
    e.buffers(s, n, steps, samples);
    return e;
  }

  /**
   * One pass of a bare recurrent stack over a whole batch ({@code forward}, {@code backward},
   * {@code bench}): parameters and the pass's buffers, and with {@code backward} the gradients and
   * the tape.
   *
   * @param rnn the stack
   * @param dtype its dtype
   * @param batch N
   * @param steps L
   * @param backward whether the pass is differentiated
   * @param device where the stack runs
   * @return the estimate
   */
  public static MemoryEstimate pass(
      RnnShape rnn, DType dtype, int batch, int steps, boolean backward, Device device) {
    MemoryEstimate e =
        new MemoryEstimate(backward ? "the backward pass" : "the forward pass", device);
    Sizes s = new Sizes(rnn, 0, false);
    int b = dtype.byteSize();
    e.model(s, b, batch, backward);
    e.add(
        Part.ACTIVATIONS,
        (backward ? s.trainingActivations(batch, steps) : s.inferenceActivations(batch, steps))
            * b);
    e.buffers(s, batch, steps, 0);
    return e;
  }

  /**
   * One part, in bytes.
   *
   * @param part the part
   * @return its bytes, {@link Long#MAX_VALUE} if more
   */
  public long bytes(Part part) {
    return (long) (double) bytes.get(part);
  }

  /**
   * Every part together, in bytes.
   *
   * @return the sum, {@link Long#MAX_VALUE} if more
   */
  public long totalBytes() {
    return (long) total(Part.values());
  }

  /**
   * {@link #checkFits(Backend, Function)} with the parts' own {@link Part#advice()}.
   *
   * @param backend the backend that will run it
   */
  public void checkFits(Backend backend) {
    checkFits(backend, Part::advice);
  }

  /**
   * Fails unless the configuration fits: on the CPU every part within the JVM's heap; on a GPU the
   * device's parts within its free memory (when the backend reports it) and the rest within the
   * heap; and no buffer above 2^31 - 1 elements.
   *
   * @param backend the backend that will run it
   * @param advice what to lower for the part that is largest, in the caller's words (the command
   *     line's options)
   * @throws IllegalArgumentException naming the need, what is available and what to change, on one
   *     line
   */
  public void checkFits(Backend backend, Function<Part, String> advice) {
    if (largest > MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "not enough memory for %s: %s would hold %.0f elements, more than the %d a tensor"
                  + " holds; %s",
              what,
              largestName,
              largest,
              MAX_ELEMENTS,
              advice.apply(largestPart)));
    }
    Part[] device = {
      Part.PARAMETERS, Part.GRADIENTS, Part.OPTIMIZER_STATE, Part.ACTIVATIONS, Part.DATA
    };
    Part[] host = onCpu ? Part.values() : new Part[] {Part.DATA, Part.CHECKPOINT};
    if (!onCpu) {
      OptionalLong free = backend.memoryAvailable();
      if (free.isPresent() && total(device) > free.getAsLong()) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "not enough memory for %s: it needs about %s on %s (%s), but %s is free there; %s,"
                    + " or free memory on the device",
                what,
                size(total(device)),
                backend.device(),
                breakdown(device),
                size(free.getAsLong()),
                advice.apply(largest(device))));
      }
    }
    Runtime rt = Runtime.getRuntime();
    long max = rt.maxMemory();
    if (max == Long.MAX_VALUE) {
      return; // no limit set
    }
    long used = rt.totalMemory() - rt.freeMemory();
    long reserve = Math.max(64 * MIB, max / 8);
    if (total(host) > max - used - reserve) {
      // What is in use counts garbage not yet collected: collect it before refusing, only then.
      System.gc();
      used = rt.totalMemory() - rt.freeMemory();
    }
    double available = Math.max(0, max - used - reserve);
    if (total(host) > available) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "not enough memory for %s: it needs about %s on the JVM heap (%s), but %s is"
                  + " available (max heap %s, %s in use, %s kept in reserve); %s, or give the JVM"
                  + " more heap (-Xmx)",
              what,
              size(total(host)),
              breakdown(host),
              size(available),
              size(max),
              size(used),
              size(reserve),
              advice.apply(largest(host))));
    }
  }

  @Override
  public String toString() {
    return "MemoryEstimate["
        + what
        + ": "
        + size(total(Part.values()))
        + " ("
        + breakdown(Part.values())
        + ")]";
  }

  /** Parameters and gradients of the model; the CPU kernel's copies where it makes them. */
  private void model(Sizes s, int b, double batch, boolean gradients) {
    add(Part.PARAMETERS, (s.params() + (onCpu ? s.rnn : 0)) * b);
    if (gradients) {
      double blocks = Math.min(batch, Runtime.getRuntime().availableProcessors());
      add(Part.GRADIENTS, (s.params() + (onCpu ? s.rnn * blocks : 0)) * b);
    }
  }

  /** The largest single buffers, each a Java array on the host or a CPU storage. */
  private void buffers(Sizes s, double batch, int steps, long samples) {
    double columns = Math.max(Math.max(s.i, s.w), s.p);
    note(
        s.gh * columns,
        "a recurrent weight (" + (long) s.gh + " x " + (long) columns + ")",
        Part.PARAMETERS);
    note(s.w * s.o, "the head's weight", Part.PARAMETERS);
    double ln = steps * batch;
    note(
        ln * s.gh,
        "a layer's gate activations (L x N x G*H = "
            + steps
            + " x "
            + (long) batch
            + " x "
            + (long) s.gh
            + ")",
        Part.ACTIVATIONS);
    note(ln * Math.max(s.i, s.w), "a layer's input or output", Part.ACTIVATIONS);
    note(samples * (double) steps * s.i, "the data set's inputs", Part.DATA);
  }

  private void note(double elements, String name, Part part) {
    if (elements > largest) {
      largest = elements;
      largestName = name;
      largestPart = part;
    }
  }

  private void add(Part part, double b) {
    bytes.merge(part, b, Double::sum);
  }

  private double total(Part[] parts) {
    double sum = 0;
    for (Part p : parts) {
      sum += bytes.get(p);
    }
    return sum;
  }

  private Part largest(Part[] parts) {
    Part best = parts[0];
    for (Part p : parts) {
      if (bytes.get(p) > bytes.get(best)) {
        best = p;
      }
    }
    return best;
  }

  private String breakdown(Part[] parts) {
    StringJoiner j = new StringJoiner(", ");
    for (Part p : parts) {
      if (bytes.get(p) > 0) {
        j.add(p.label + " " + size(bytes.get(p)));
      }
    }
    return j.toString();
  }

  /** Bytes as PyTorch's allocator messages give them: two decimals of GiB, MiB or KiB. */
  static String size(double bytes) {
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes / 1024;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
  }

  /** Buffers per parameter that the optimizer keeps. */
  private static int stateBuffers(OptimizerConfig optimizer) {
    if (optimizer.type().equals(OptimizerConfig.SGD)) {
      return optimizer.momentum() != 0 ? 1 : 0;
    }
    return optimizer.amsgrad() ? 3 : 2;
  }

  /** A stack's sizes, as doubles so that no product overflows. */
  private static final class Sizes {
    final double i;
    final double h;
    final double p;
    final double d;
    final double k;
    final double g;
    final double gh;
    final double w;
    final double o;
    final double rnn;
    final double head;
    final boolean lstm;
    final boolean gru;
    final boolean dropout;

    Sizes(RnnShape rnn, int outFeatures, boolean headBias) {
      i = rnn.inputSize();
      h = rnn.hiddenSize();
      p = rnn.outputSize();
      d = rnn.numDirections();
      k = rnn.numLayers();
      g = rnn.mode().gateCount();
      gh = g * h;
      w = d * p;
      o = outFeatures;
      lstm = rnn.mode() == RnnMode.LSTM;
      gru = rnn.mode() == RnnMode.GRU;
      dropout = rnn.dropout() > 0 && rnn.numLayers() > 1;
      double extra = (rnn.bias() ? 2 * gh : 0) + (rnn.projSize() > 0 ? p * h : 0);
      this.rnn = d * (gh * (i + p) + extra) + (k - 1) * d * (gh * (w + p) + extra);
      head = w * o + (headBias ? o : 0);
    }

    double params() {
      return rnn + head;
    }

    double trainingActivations(double n, int steps) {
      double ln = steps * n;
      double tape =
          ln * (2 * i + w)
              + k * ln * w
              + (dropout ? 2 * (k - 1) * ln * w : 0)
              + k * d * ln * h * (g + (lstm || gru ? 1 : 0));
      double backward = ln * (w + gh * (gru ? 2 : 1) + p + Math.max(i, w) + i);
      return tape + backward + 4 * k * d * n * (p + h);
    }

    double inferenceActivations(double n, int steps) {
      double ln = steps * n;
      return ln * (2 * i + gh + 3 * w) + 2 * k * d * n * (p + h);
    }
  }
}
