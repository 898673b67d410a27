package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An {@link Rnn} with a linear head: the model a training job fits. Many-to-one models read each sequence's
 * last valid step ({@code out[n, len_n - 1]}, for a bidirectional stack both directions' outputs there);
 * many-to-many models read every step, padded steps included (where the recurrent output is 0, so the
 * prediction is the head's bias).
 *
 * <pre>
 * input        (N, L, H_in) with batch_first, else (L, N, H_in); batched only
 * lengths      N values in [1, L], or null when every sequence has L steps
 * prediction   many-to-one (N, out_features); many-to-many (N, L, out_features) or (L, N, out_features)
 * </pre>
 *
 * <p>Parameters carry the names PyTorch gives a module with submodules {@code rnn} and {@code head}:
 * {@code rnn.weight_ih_l0}, ..., {@code head.weight}, {@code head.bias}. See {@link SequenceModelConfig}.
 */
public final class SequenceModel implements AutoCloseable {
  private final SequenceModelConfig config;
  private final Rnn rnn;
  private Tensor headWeight;
  private Tensor headBias;
  private Tensor headWeightGrad;
  private Tensor headBiasGrad;

  private SequenceModel(SequenceModelConfig config, Rnn rnn, Tensor headWeight, Tensor headBias) {
    this.config = config;
    this.rnn = rnn;
    this.headWeight = headWeight;
    this.headBias = headBias;
  }

  /**
   * A float32 model on the CPU, initialized as PyTorch initializes its modules, from one seed (which also
   * seeds dropout).
   */
  public static SequenceModel create(SequenceModelConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Rnn rnn = Rnn.create(config.rnn(), random.nextLong());
    Tensor[] head = Linear.init(config.headInFeatures(), config.outFeatures(), config.headBias(), random);
    return new SequenceModel(config, rnn, head[0], head[1]);
  }

  /** A model holding {@code stateDict}'s tensors (names {@code rnn.*}, {@code head.*}), in their dtype. */
  public static SequenceModel fromStateDict(SequenceModelConfig config, StateDict stateDict) {
    DType dtype = StateDictLoader.commonDtype(stateDict, config.toString());
    StateDictLoader loader = new StateDictLoader(stateDict, dtype);
    List<Tensor> rnnParams = Rnn.take(config.rnn(), loader, "rnn.");
    Tensor[] head = takeHead(config, loader);
    loader.finish(config.toString());
    return new SequenceModel(config, Rnn.of(config.rnn(), rnnParams, 0), head[0], head[1]);
  }

  private static Tensor[] takeHead(SequenceModelConfig config, StateDictLoader loader) {
    Tensor w = loader.take("head.weight", new int[] {config.outFeatures(), config.headInFeatures()});
    Tensor b = config.headBias() ? loader.take("head.bias", new int[] {config.outFeatures()}) : null;
    return new Tensor[] {w, b};
  }

  public SequenceModelConfig config() {
    return config;
  }

  /** The recurrent stack, borrowed: closing the model closes it. */
  public Rnn rnn() {
    return rnn;
  }

  public DType dtype() {
    return rnn.dtype();
  }

  /** Every parameter under PyTorch's names, the recurrent stack's first. */
  public synchronized StateDict stateDict() {
    return join(rnn.stateDict(), headWeight, headBias);
  }

  /** Replaces every parameter, as {@code load_state_dict(strict=True)}; on any problem nothing changes. */
  public synchronized void loadStateDict(StateDict stateDict) {
    StateDictLoader loader = new StateDictLoader(stateDict, dtype());
    List<Tensor> rnnParams = Rnn.take(config.rnn(), loader, "rnn.");
    Tensor[] head = takeHead(config, loader);
    loader.finish(config.toString());
    rnn.setParameters(rnnParams);
    headWeight = head[0];
    headBias = head[1];
  }

  /** The accumulated gradients, as {@link Rnn#grad()}, under the model's names. */
  public synchronized StateDict grad() {
    return join(rnn.grad(), headWeightGrad, headBiasGrad);
  }

  /** Forgets the accumulated gradients (set to None). */
  public synchronized void zeroGrad() {
    rnn.zeroGrad();
    headWeightGrad = null;
    headBiasGrad = null;
  }

  /** Training mode: dropout applies between recurrent layers. A new model starts in it. */
  public SequenceModel train() {
    rnn.train();
    return this;
  }

  /** Evaluation mode: no dropout. */
  public SequenceModel eval() {
    rnn.eval();
    return this;
  }

  /** Converts parameters and gradients to {@code dtype}. */
  public synchronized SequenceModel to(DType dtype) {
    rnn.to(dtype);
    headWeight = headWeight.to(dtype);
    headBias = headBias == null ? null : headBias.to(dtype);
    headWeightGrad = headWeightGrad == null ? null : headWeightGrad.to(dtype);
    headBiasGrad = headBiasGrad == null ? null : headBiasGrad.to(dtype);
    return this;
  }

  /** Moves the recurrent stack to {@code backend}. */
  public SequenceModel to(Backend backend) {
    rnn.to(backend);
    return this;
  }

  /** Reseeds dropout; see {@link Rnn#manualSeed}. */
  public void manualSeed(long seed) {
    rnn.manualSeed(seed);
  }

  /** The model's prediction for a batch (shapes in the class comment). */
  public Tensor forward(Tensor input, int[] lengths) {
    checkBatched(input);
    return predict(rnn.forward(input, null, lengths).output(), lengths).prediction();
  }

  /** The forward pass, keeping what {@link SequenceTape#backward} needs. */
  public SequenceTape forwardForBackward(Tensor input, int[] lengths) {
    checkBatched(input);
    RnnTape tape = rnn.forwardForBackward(input, null, lengths);
    return new SequenceTape(this, tape, predict(tape.output().output(), lengths), lengths);
  }

  private void checkBatched(Tensor input) {
    checkArgument(input.dim() == 3, "SequenceModel expects batched 3-D input, got %dD input of size %s",
        input.dim(), Shape.list(input.shape()));
  }

  /** What the head read and what it gave. */
  record Head(Tensor features, Tensor weight, Tensor prediction) {}

  private synchronized Head predict(Tensor output, int[] lengths) {
    Tensor features = config.manyToOne()
        ? lastSteps(output, lengths)
        : output.view(-1, config.headInFeatures());
    Tensor prediction = Linear.forward(features, headWeight, headBias);
    if (!config.manyToOne()) {
      prediction = prediction.view(output.size(0), output.size(1), config.outFeatures());
    }
    return new Head(features, headWeight, prediction);
  }

  /** {@code out[n, len_n - 1]} for each sequence n: (N, D * H_out). */
  private Tensor lastSteps(Tensor output, int[] lengths) {
    boolean batchFirst = config.rnn().batchFirst();
    int batch = output.size(batchFirst ? 0 : 1);
    int steps = output.size(batchFirst ? 1 : 0);
    int width = config.headInFeatures();
    double[] out = output.toDoubleArray();
    double[] last = new double[batch * width];
    for (int n = 0; n < batch; n++) {
      int t = (lengths == null ? steps : lengths[n]) - 1;
      System.arraycopy(out, stepRow(n, t, batch, steps) * width, last, n * width, width);
    }
    return Tensor.wrap(last, batch, width).to(output.dtype());
  }

  private int stepRow(int n, int t, int batch, int steps) {
    return config.rnn().batchFirst() ? n * steps + t : t * batch + n;
  }

  /** Backpropagates the head: its gradients are accumulated, and d loss / d output is returned. */
  synchronized Tensor backwardHead(Head head, Tensor gradPrediction, Tensor output, int[] lengths) {
    Tensor dPred = gradPrediction.view(-1, config.outFeatures());
    Tensor[] g = Linear.backward(head.features(), head.weight(), dPred);
    headWeightGrad = headWeightGrad == null ? g[1] : headWeightGrad.add(g[1]);
    if (config.headBias()) {
      headBiasGrad = headBiasGrad == null ? g[2] : headBiasGrad.add(g[2]);
    }
    if (!config.manyToOne()) {
      return g[0].view(output.shape());
    }
    boolean batchFirst = config.rnn().batchFirst();
    int batch = output.size(batchFirst ? 0 : 1);
    int steps = output.size(batchFirst ? 1 : 0);
    int width = config.headInFeatures();
    double[] dFeatures = g[0].toDoubleArray();
    double[] dOutput = new double[output.numel()];
    for (int n = 0; n < batch; n++) {
      int t = (lengths == null ? steps : lengths[n]) - 1;
      System.arraycopy(dFeatures, n * width, dOutput, stepRow(n, t, batch, steps) * width, width);
    }
    return Tensor.wrap(dOutput, output.shape()).to(output.dtype());
  }

  private StateDict join(StateDict rnnPart, Tensor weight, Tensor bias) {
    Map<String, Tensor> all = new LinkedHashMap<>();
    rnnPart.asMap().forEach((name, t) -> all.put("rnn." + name, t));
    if (weight != null) {
      all.put("head.weight", weight);
    }
    if (bias != null) {
      all.put("head.bias", bias);
    }
    return StateDict.of(all);
  }

  @Override
  public void close() {
    rnn.close();
  }

  @Override
  public String toString() {
    return config.toString();
  }

  /** A model's forward pass that can be differentiated once: what {@link #forwardForBackward} returns. */
  public static final class SequenceTape {
    private final SequenceModel model;
    private final RnnTape tape;
    private final Head head;
    private final int[] lengths;

    SequenceTape(SequenceModel model, RnnTape tape, Head head, int[] lengths) {
      this.model = model;
      this.tape = tape;
      this.head = head;
      this.lengths = lengths == null ? null : lengths.clone();
    }

    public Tensor prediction() {
      return head.prediction();
    }

    /**
     * Backpropagates {@code sum(prediction * gradPrediction)} (pass d loss / d prediction): the model's
     * parameter gradients accumulate in {@link SequenceModel#grad()}; returns d loss / d input.
     */
    public Tensor backward(Tensor gradPrediction) {
      checkArgument(Arrays.equals(gradPrediction.shape(), head.prediction().shape()),
          "Mismatch in shape: grad_prediction has a shape of %s and prediction has a shape of %s.",
          Shape.list(gradPrediction.shape()), Shape.list(head.prediction().shape()));
      checkArgument(gradPrediction.dtype() == head.prediction().dtype(),
          "grad_prediction must have the type torch.%s (the prediction's), got type torch.%s",
          head.prediction().dtype(), gradPrediction.dtype());
      Tensor output = tape.output().output();
      Tensor gradOutput = model.backwardHead(head, gradPrediction, output, lengths);
      return tape.backward(gradOutput, null, null).input();
    }
  }
}
