package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An {@link Rnn} with a linear head: the model a training job fits. Many-to-one models read each
 * sequence's last valid step ({@code out[n, len_n - 1]}, for a bidirectional stack both directions'
 * outputs there); many-to-many models read every step, padded steps included (where the recurrent
 * output is 0, so the prediction is the head's bias).
 *
 * <pre>
 * input        (N, L, H_in) with batch_first, else (L, N, H_in); batched only
 * lengths      N values in [1, L], or null when every sequence has L steps
 * prediction   many-to-one (N, out_features); many-to-many (N, L, out_features) or (L, N, out_features)
 * </pre>
 *
 * <p>Parameters carry the names PyTorch gives a module with submodules {@code rnn} and {@code
 * head}: {@code rnn.weight_ih_l0}, ..., {@code head.weight}, {@code head.bias}. See {@link
 * SequenceModelConfig}. They live on the model's backend ({@link #to(Device)}), and so do the
 * results of passes on input from that device; host input to a model on a GPU is copied there, and
 * its prediction copied back.
 *
 * <pre>{@code
 * try (SequenceModel model = SequenceModel.create(config, 7).to(device).train()) {
 *   Optimizer optimizer = OptimizerConfig.adam(1e-2).create(model.parameters());
 *   try (SequenceModel.SequenceTape tape = model.forwardForBackward(x, lengths)) {
 *     LossResult loss = CrossEntropyLoss.compute(tape.prediction(), labels);
 *     tape.backward(loss.gradient());
 *   }
 *   GradClipping.clipGradNorm(model.parameters(), 1.0);
 *   optimizer.step();
 *   optimizer.zeroGrad();
 * }
 * }</pre>
 */
public final class SequenceModel implements AutoCloseable {
  private final SequenceModelConfig config;
  private final Rnn rnn;
  private final Linear head;

  private SequenceModel(SequenceModelConfig config, Rnn rnn, Linear head) {
    this.config = config;
    this.rnn = rnn;
    this.head = head;
  }

  /**
   * A float32 model on the CPU, initialized as PyTorch initializes its modules, from one seed
   * (which also seeds dropout).
   *
   * @param config the model's shape
   * @param seed the generator's seed
   * @return a new model, which the caller closes
   */
  public static SequenceModel create(SequenceModelConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Rnn rnn = Rnn.create(config.rnn(), random.nextLong());
    Linear head =
        Linear.create(
            config.headInFeatures(),
            config.outFeatures(),
            config.headBias(),
            random,
            rnn.backend());
    return new SequenceModel(config, rnn, head);
  }

  /**
   * A model on the CPU holding {@code stateDict}'s tensors (names {@code rnn.*}, {@code head.*}),
   * in their dtype.
   *
   * @param config the model's shape
   * @param stateDict the parameters under PyTorch's names
   * @return a new model, which the caller closes
   * @throws IllegalArgumentException naming every missing, unexpected and mis-shaped tensor, or
   *     mixed dtypes
   */
  public static SequenceModel fromStateDict(SequenceModelConfig config, StateDict stateDict) {
    DType dtype = StateDictLoader.commonDtype(stateDict, config.toString());
    StateDictLoader loader = new StateDictLoader(stateDict, dtype);
    List<Tensor> rnnParams = Rnn.take(config.rnn(), loader, "rnn.");
    Tensor[] head = takeHead(config, loader);
    loader.finish(config.toString());
    Rnn rnn = Rnn.of(config.rnn(), rnnParams, 0);
    return new SequenceModel(config, rnn, Linear.of(head[0], head[1], rnn.backend()));
  }

  private static Tensor[] takeHead(SequenceModelConfig config, StateDictLoader loader) {
    Tensor w =
        loader.take("head.weight", new int[] {config.outFeatures(), config.headInFeatures()});
    Tensor b =
        config.headBias() ? loader.take("head.bias", new int[] {config.outFeatures()}) : null;
    return new Tensor[] {w, b};
  }

  /**
   * The model's shape.
   *
   * @return the config, immutable
   */
  public SequenceModelConfig config() {
    return config;
  }

  /**
   * The recurrent stack, borrowed: closing the model closes it.
   *
   * @return the model's {@code rnn} submodule
   */
  public Rnn rnn() {
    return rnn;
  }

  /**
   * The dtype of the parameters, and therefore of inputs and predictions.
   *
   * @return float32 or float64
   */
  public DType dtype() {
    return rnn.dtype();
  }

  /**
   * Where the parameters live.
   *
   * @return the CPU or a CUDA device
   */
  public Device device() {
    return rnn.device();
  }

  /**
   * The backend holding the parameters and running the passes.
   *
   * @return the backend
   */
  public Backend backend() {
    return rnn.backend();
  }

  /**
   * Every parameter in PyTorch's order under its names ({@code rnn.weight_ih_l0}, ..., {@code
   * head.weight}, {@code head.bias}): {@code model.named_parameters()}, for optimizers and
   * clipping.
   *
   * @return the parameters, sharing the model's storages
   */
  public synchronized List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    rnn.parameters().forEach(p -> out.add(p.prefixed("rnn.")));
    out.addAll(head.parameters("head."));
    return out;
  }

  /**
   * The number of trainable elements, as {@code sum(p.numel() for p in model.parameters())}.
   *
   * @return the recurrent stack's count plus the head's, {@code out_features * (D * H_out + 1)}
   *     with bias
   */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters()) {
      n += p.numel();
    }
    return n;
  }

  /**
   * The parameters as a table, in the manner of {@code torchinfo.summary(model)}: a row per
   * parameter (layer, name, shape, element count) under the recurrent stack's and the head's repr,
   * then the total and its size in bytes in the model's dtype:
   *
   * <pre>
   * ======================================================================================
   * Layer (type)                                       Parameter         Shape     Param #
   * ======================================================================================
   * GRU(8, 32, batch_first=True)                       rnn.weight_ih_l0  [96, 8]       768
   *                                                    rnn.weight_hh_l0  [96, 32]    3,072
   *                                                    rnn.bias_ih_l0    [96]           96
   *                                                    rnn.bias_hh_l0    [96]           96
   * Linear(in_features=32, out_features=1, bias=True)  head.weight       [1, 32]        32
   *                                                    head.bias         [1]             1
   * ======================================================================================
   * Total params: 4,065
   * Params size (float32): 16,260 bytes
   * ======================================================================================
   * </pre>
   *
   * @return the table, lines separated by {@code \n}, without a final line break
   */
  public synchronized String summary() {
    return new ModuleSummary()
        .layer(rnn.toString(), parameters().subList(0, rnn.parameterKeys().size()))
        .layer(head.toString(), head.parameters("head."))
        .render(dtype());
  }

  /**
   * Every parameter under PyTorch's names, the recurrent stack's first: host copies.
   *
   * @return a new state dict of host tensors
   */
  public synchronized StateDict stateDict() {
    Map<String, Tensor> all = new LinkedHashMap<>();
    rnn.stateDict().asMap().forEach((name, t) -> all.put("rnn." + name, t));
    for (Parameter p : head.parameters("head.")) {
      all.put(p.name(), Rnn.downloaded(p.backend(), p.dataStorage(), p.shape()));
    }
    return StateDict.of(all);
  }

  /**
   * Replaces every parameter, as {@code load_state_dict(strict=True)}; on any problem nothing
   * changes.
   *
   * @param stateDict the parameters under PyTorch's names ({@code rnn.*}, {@code head.*})
   */
  public synchronized void loadStateDict(StateDict stateDict) {
    StateDictLoader loader = new StateDictLoader(stateDict, dtype());
    List<Tensor> rnnParams = Rnn.take(config.rnn(), loader, "rnn.");
    Tensor[] values = takeHead(config, loader);
    loader.finish(config.toString());
    rnn.setParameters(rnnParams);
    List<Parameter> headParams = head.parameters("head.");
    for (int i = 0; i < headParams.size(); i++) {
      Parameter p = headParams.get(i);
      p.backend().upload(Rnn.hostStorage(values[i].to(dtype())), p.dataStorage());
    }
  }

  /**
   * The accumulated gradients, as {@link Rnn#grad()}, under the model's names: host copies.
   *
   * @return a new state dict of host tensors
   */
  public synchronized StateDict grad() {
    Map<String, Tensor> all = new LinkedHashMap<>();
    rnn.grad().asMap().forEach((name, t) -> all.put("rnn." + name, t));
    for (Parameter p : head.parameters("head.")) {
      if (p.hasGrad()) {
        all.put(p.name(), Rnn.downloaded(p.backend(), p.gradStorage(), p.shape()));
      }
    }
    return StateDict.of(all);
  }

  /** Forgets the accumulated gradients (set to None). */
  public synchronized void zeroGrad() {
    parameters().forEach(Parameter::zeroGrad);
  }

  /**
   * Training mode: dropout applies between recurrent layers. A new model starts in it.
   *
   * @return this model
   */
  public SequenceModel train() {
    rnn.train();
    return this;
  }

  /**
   * Evaluation mode: no dropout.
   *
   * @return this model
   */
  public SequenceModel eval() {
    rnn.eval();
    return this;
  }

  /**
   * Converts parameters and gradients to {@code dtype}.
   *
   * @param dtype float32 or float64
   * @return this model
   */
  public synchronized SequenceModel to(DType dtype) {
    if (dtype != dtype()) {
      rnn.to(dtype);
      head.to(rnn.backend(), dtype);
    }
    return this;
  }

  /**
   * Moves parameters and gradients to {@code backend}, as {@code model.to(device)}.
   *
   * @param backend the backend that holds the parameters from now on
   * @return this model
   */
  public synchronized SequenceModel to(Backend backend) {
    if (backend != rnn.backend()) {
      rnn.to(backend);
      head.to(backend, dtype());
    }
    return this;
  }

  /**
   * Moves the model to {@code device}'s backend.
   *
   * @param device the device that holds the parameters from now on
   * @return this model
   */
  public SequenceModel to(Device device) {
    return to(Backends.forDevice(device));
  }

  /**
   * Reseeds dropout; see {@link Rnn#manualSeed}.
   *
   * @param seed the seed
   */
  public void manualSeed(long seed) {
    rnn.manualSeed(seed);
  }

  /**
   * The model's prediction for a batch (shapes in the class comment), on the input's device; the
   * caller (or the open scope) owns it.
   *
   * @param input (N, L, H_in) with batch_first, else (L, N, H_in)
   * @param lengths N lengths in [1, L], or null when every sequence has L steps
   * @return the prediction, (N, out_features) many-to-one, else (N, L, out_features) or (L, N,
   *     out_features)
   */
  public Tensor forward(Tensor input, int[] lengths) {
    try (SequenceTape tape = pass(input, lengths, false)) {
      return tape.detachPrediction();
    }
  }

  /**
   * The forward pass, keeping what {@link SequenceTape#backward} needs. Close the tape when done;
   * its prediction is released with it.
   *
   * @param input (N, L, H_in) with batch_first, else (L, N, H_in)
   * @param lengths N lengths in [1, L], or null when every sequence has L steps
   * @return the tape, owning the prediction
   */
  public SequenceTape forwardForBackward(Tensor input, int[] lengths) {
    return pass(input, lengths, true);
  }

  private SequenceTape pass(Tensor input, int[] lengths, boolean forBackward) {
    checkOpen();
    checkArgument(
        input.dim() == 3,
        "SequenceModel expects batched 3-D input, got %dD input of size %s",
        input.dim(),
        Shape.list(input.shape()));
    Device device = device();
    boolean hostIo = !input.device().equals(device);
    checkArgument(
        !hostIo || input.device().equals(Device.CPU),
        "Input and parameter tensors are not at the same device, found input tensor at %s and"
            + " parameter tensor at %s",
        input.device(),
        device);
    Tensor x = hostIo ? input.to(device) : input;
    RnnTape rnnTape = null;
    try {
      rnnTape = forBackward ? rnn.forwardForBackward(x, null, lengths) : null;
      Tensor output;
      if (forBackward) {
        output = rnnTape.output().output();
      } else {
        RnnOutput out = rnn.forward(x, null, lengths);
        out.hN().close(); // the head reads the output alone
        if (config.rnn().mode() == RnnMode.LSTM) {
          out.cN().close();
        }
        output = out.output();
      }
      return new SequenceTape(this, rnnTape, x == input ? null : x, output, lengths, hostIo);
    } catch (RuntimeException e) {
      if (rnnTape != null) {
        rnnTape.close();
      }
      if (x != input) {
        x.close();
      }
      throw e;
    }
  }

  /** The rows of {@code output} viewed as (L * N, width) that hold {@code out[n, len_n - 1]}. */
  private int[] lastRows(int[] lengths, int batch, int steps) {
    int[] rows = new int[batch];
    for (int n = 0; n < batch; n++) {
      int t = (lengths == null ? steps : lengths[n]) - 1;
      rows[n] = config.rnn().batchFirst() ? n * steps + t : t * batch + n;
    }
    return rows;
  }

  @Override
  public void close() {
    rnn.close();
    head.close();
  }

  /** Fails when the model was closed, naming it. */
  private void checkOpen() {
    if (rnn.isClosed()) {
      throw new IllegalStateException(config + " used after close");
    }
  }

  @Override
  public String toString() {
    return config.toString();
  }

  /**
   * A model's forward pass that can be differentiated once: what {@link #forwardForBackward}
   * returns. It owns the pass's memory on the model's device, prediction included, until {@link
   * #close()}.
   */
  public static final class SequenceTape implements AutoCloseable {
    private final SequenceModel model;
    private final RnnTape rnnTape;
    private final Tensor uploadedInput;
    private final Tensor output;
    private final int[] lengths;
    private final boolean hostIo;
    private final int batch;
    private final int[] lastRows;
    private final Storage features;
    private final boolean ownsFeatures;
    private final int rows;
    private final Storage predictionStorage;
    private Tensor prediction;
    private Tensor gradInput;
    private boolean used;
    private boolean closed;

    SequenceTape(
        SequenceModel model,
        RnnTape rnnTape,
        Tensor uploadedInput,
        Tensor output,
        int[] lengths,
        boolean hostIo) {
      this.model = model;
      this.rnnTape = rnnTape;
      this.uploadedInput = uploadedInput;
      this.output = output;
      this.lengths = lengths == null ? null : lengths.clone();
      this.hostIo = hostIo;
      SequenceModelConfig config = model.config;
      boolean batchFirst = config.rnn().batchFirst();
      this.batch = output.size(batchFirst ? 0 : 1);
      int steps = output.size(batchFirst ? 1 : 0);
      int width = config.headInFeatures();
      Backend backend = model.backend();
      if (config.manyToOne()) {
        this.lastRows = model.lastRows(lengths, batch, steps);
        this.features = backend.allocate(output.dtype(), (long) batch * width);
        backend.gatherRows(output.storage(), width, lastRows, features);
        this.ownsFeatures = true;
        this.rows = batch;
      } else {
        this.lastRows = null;
        this.features = output.storage();
        this.ownsFeatures = false;
        this.rows = batch * steps;
      }
      this.predictionStorage = model.head.forward(features, rows);
      int[] shape =
          config.manyToOne()
              ? new int[] {batch, config.outFeatures()}
              : new int[] {output.size(0), output.size(1), config.outFeatures()};
      this.prediction =
          hostIo
              ? Rnn.downloaded(model.backend(), predictionStorage, shape)
              : Tensor.viewOf(predictionStorage, shape);
    }

    private void checkTapeOpen() {
      if (closed) {
        throw new IllegalStateException("SequenceTape of " + model.config + " used after close");
      }
    }

    /**
     * The prediction, on the input's device; it belongs to the tape.
     *
     * @return the prediction, owned by the tape
     */
    public Tensor prediction() {
      checkTapeOpen();
      return prediction;
    }

    /** The prediction as a tensor the caller owns (the tape keeps no claim on it). */
    Tensor detachPrediction() {
      if (hostIo) {
        return prediction;
      }
      Tensor owned = Tensor.of(predictionStorage, prediction.shape());
      prediction = null;
      return owned;
    }

    /**
     * Backpropagates {@code sum(prediction * gradPrediction)} (pass d loss / d prediction): the
     * model's parameters' gradients accumulate; returns d loss / d input, on the input's device,
     * which belongs to the tape (copy it to keep it past {@link #close()}).
     *
     * @throws IllegalStateException when the tape was made by {@code forward}, or already used
     * @param gradPrediction d loss / d prediction, of the prediction's shape
     * @return d loss / d input, of the input's shape, owned by the tape
     */
    public Tensor backward(Tensor gradPrediction) {
      checkTapeOpen();
      checkArgument(
          Arrays.equals(gradPrediction.shape(), prediction.shape()),
          "Mismatch in shape: grad_prediction has a shape of %s and prediction has a shape of %s.",
          Shape.list(gradPrediction.shape()),
          Shape.list(prediction.shape()));
      checkArgument(
          gradPrediction.dtype() == prediction.dtype(),
          "grad_prediction must have the type torch.%s (the prediction's), got type torch.%s",
          prediction.dtype(),
          gradPrediction.dtype());
      checkArgument(
          gradPrediction.device().equals(prediction.device()),
          "grad_prediction must be on %s (the prediction's device), got a tensor on %s",
          prediction.device(),
          gradPrediction.device());
      if (rnnTape == null) {
        throw new IllegalStateException("backward needs a tape from forwardForBackward");
      }
      if (used) {
        throw new IllegalStateException(
            "Trying to backward through the graph a second time: a tape "
                + "is consumed by its backward pass; run the forward pass again");
      }
      used = true;
      Backend backend = model.backend();
      SequenceModelConfig config = model.config;
      int width = config.headInFeatures();
      Storage dPrediction = hostIo ? backend.upload(Rnn.hostStorage(gradPrediction)) : null;
      Storage dFeatures = null;
      Storage dOutput = null;
      try {
        dFeatures =
            model.head.backward(
                features, dPrediction != null ? dPrediction : gradPrediction.storage(), rows);
        if (config.manyToOne()) {
          dOutput = backend.allocate(output.dtype(), output.numel());
          backend.scatterRows(dFeatures, width, lastRows, dOutput);
        }
        Tensor gradOutput = Tensor.viewOf(dOutput != null ? dOutput : dFeatures, output.shape());
        Tensor dInput = rnnTape.backward(gradOutput, null, null).input();
        gradInput = hostIo ? detachToHost(dInput) : dInput;
        return gradInput;
      } finally {
        for (Storage s : new Storage[] {dPrediction, dFeatures, dOutput}) {
          if (s != null) {
            s.close();
          }
        }
      }
    }

    private Tensor detachToHost(Tensor t) {
      Tensor host = t.to(Device.CPU);
      t.close();
      return host;
    }

    /** Releases the pass's memory, the prediction included; idempotent. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (hostIo || prediction != null) { // else forward handed it to its caller
        predictionStorage.close();
      }
      if (ownsFeatures) {
        features.close();
      }
      if (gradInput != null) {
        gradInput.close();
      }
      if (rnnTape != null) {
        rnnTape.close();
      } else {
        output.close();
      }
      if (uploadedInput != null) {
        uploadedInput.close();
      }
    }
  }
}
