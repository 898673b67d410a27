package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.backend.RnnKernel.ForwardResult;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A multi-layer Elman RNN, LSTM or GRU: {@code torch.nn.RNN}, {@code torch.nn.LSTM} and {@code torch.nn.GRU}
 * in one module, chosen by {@link RnnConfig#mode()}.
 *
 * <p>Per layer and direction, for each time step t (gate order as PyTorch's weights stack them):
 *
 * <pre>
 * RNN:   h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)              act = tanh or relu
 * LSTM:  i, f, g, o = sigma, sigma, tanh, sigma of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
 *        c_t = f * c_{t-1} + i * g
 *        h_t = o * tanh(c_t),  or W_hr (o * tanh(c_t)) with proj_size > 0
 * GRU:   r, z = sigma(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z})
 *        n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))
 *        h_t = (1 - z) * n + z * h_{t-1}
 * </pre>
 *
 * <p>Layer k > 0 reads layer k-1's output, to which dropout applies in training mode.
 *
 * <p>Shapes (N batch, L sequence length, D = 2 if bidirectional else 1, H_in = input_size,
 * H_cell = hidden_size, H_out = proj_size if positive else hidden_size):
 *
 * <pre>
 * input    (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched
 * h0       (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched; zeros when absent
 * c0       (D * num_layers, N, H_cell), LSTM only
 * lengths  N values in [1, L]: packed-sequence semantics (see {@link #forward(Tensor, RnnState, int[])})
 * output, h_n, c_n: see {@link RnnOutput}
 * </pre>
 *
 * <p>Parameters carry PyTorch's {@code state_dict} names and shapes ({@link ParamKey}); a new module is
 * initialized as PyTorch initializes one, every parameter uniform in (-1/sqrt(H_cell), 1/sqrt(H_cell)),
 * from an explicit seed. Like a PyTorch module it starts in training mode; {@link #eval()} turns dropout off.
 *
 * <pre>{@code
 * try (Rnn rnn = Rnn.create(RnnConfig.rnn(1, 2).batchFirst(true).build(), 42)) {
 *   RnnOutput out = rnn.eval().forward(input);      // input (4, 5, 1)
 *   out.output();                                    // (4, 5, 2)
 *   out.hN();                                        // (1, 4, 2)
 * }
 * }</pre>
 *
 * <p>Thread safety: {@code forward} may be called from several threads at once; changing weights, dtype,
 * backend or mode while a forward runs is safe but the forward uses whichever state it started with.
 */
public final class Rnn implements AutoCloseable {
  private final RnnConfig config;
  private final List<ParamKey> keys;
  private List<Tensor> parameters;
  // Accumulated gradients, one per parameter; null where none has arrived since the last zeroGrad().
  private List<Tensor> grads;
  private Backend backend;
  private RnnKernel kernel;
  private boolean training = true;
  private SplittableRandom dropoutSeeds;

  private Rnn(RnnConfig config, List<Tensor> parameters, long seed) {
    this.config = config;
    this.keys = ParamKey.all(config);
    this.parameters = parameters;
    this.grads = new ArrayList<>(Collections.nCopies(parameters.size(), null));
    this.backend = Backends.cpu();
    this.dropoutSeeds = new SplittableRandom(seed);
  }

  /**
   * A float32 module on the CPU, its parameters drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) in
   * {@code state_dict} order by a generator seeded with {@code seed}, which also seeds dropout.
   */
  public static Rnn create(RnnConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double bound = 1 / Math.sqrt(config.hiddenSize());
    List<Tensor> params = new ArrayList<>();
    for (ParamKey key : ParamKey.all(config)) {
      int[] shape = key.shape(config);
      float[] data = new float[Shape.numel(shape)];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (bound * (2 * random.nextDouble() - 1));
      }
      params.add(Tensor.wrap(data, shape));
    }
    return new Rnn(config, params, random.nextLong());
  }

  /**
   * A module on the CPU holding {@code stateDict}'s tensors, in their dtype (float32 or float64, the same for
   * all); dropout is seeded with 0 (see {@link #manualSeed}). Fails, naming every problem, unless the names
   * and shapes are exactly the configuration's.
   */
  public static Rnn fromStateDict(RnnConfig config, StateDict stateDict) {
    DType dtype = StateDictLoader.commonDtype(stateDict, config.toString());
    StateDictLoader loader = new StateDictLoader(stateDict, dtype);
    List<Tensor> params = take(config, loader, "");
    loader.finish(config.toString());
    return new Rnn(config, params, 0);
  }

  /** A module holding parameters already checked against {@code config}, its dropout seeded with {@code seed}. */
  static Rnn of(RnnConfig config, List<Tensor> parameters, long seed) {
    return new Rnn(config, List.copyOf(parameters), seed);
  }

  /** This configuration's parameters from {@code loader}, under {@code prefix} (as a submodule's). */
  static List<Tensor> take(RnnConfig config, StateDictLoader loader, String prefix) {
    List<Tensor> params = new ArrayList<>();
    for (ParamKey key : ParamKey.all(config)) {
      params.add(loader.take(prefix + key.name(), key.shape(config)));
    }
    return params;
  }

  public RnnConfig config() {
    return config;
  }

  /** The dtype of the parameters, and therefore of inputs and outputs. */
  public synchronized DType dtype() {
    return parameters.get(0).dtype();
  }

  /** The backend computing this module's forward passes. */
  public synchronized Backend backend() {
    return backend;
  }

  /** The parameter keys, in {@code state_dict} order. */
  public List<ParamKey> parameterKeys() {
    return keys;
  }

  /** The parameters under PyTorch's names, in PyTorch's order. */
  public synchronized StateDict stateDict() {
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      map.put(keys.get(i).name(), parameters.get(i));
    }
    return StateDict.of(map);
  }

  /**
   * Replaces every parameter, as {@code load_state_dict(strict=True)}: values are converted to this
   * module's dtype; missing, unexpected and mis-shaped tensors are all reported by name, and on any problem
   * nothing changes.
   */
  public void loadStateDict(StateDict stateDict) {
    StateDictLoader loader = new StateDictLoader(stateDict, dtype());
    List<Tensor> checked = take(config, loader, "");
    loader.finish(config.toString());
    setParameters(checked);
  }

  /** Replaces every parameter with tensors already checked against the configuration. */
  synchronized void setParameters(List<Tensor> checked) {
    parameters = List.copyOf(checked);
    closeKernel();
  }

  /**
   * The gradients accumulated since the last {@link #zeroGrad()}, under the parameters' names: like
   * {@code {name: p.grad for name, p in module.named_parameters() if p.grad is not None}}.
   */
  public synchronized StateDict grad() {
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      if (grads.get(i) != null) {
        map.put(keys.get(i).name(), grads.get(i));
      }
    }
    return StateDict.of(map);
  }

  /** Forgets the accumulated gradients, as {@code module.zero_grad()} (set to None). */
  public synchronized void zeroGrad() {
    Collections.fill(grads, null);
  }

  /** Adds one backward pass's parameter gradients, in {@link ParamKey#all} order. */
  synchronized void accumulateGrad(List<Tensor> parameterGrads) {
    for (int i = 0; i < grads.size(); i++) {
      Tensor g = parameterGrads.get(i).to(dtype());
      grads.set(i, grads.get(i) == null ? g : grads.get(i).add(g));
    }
  }

  /** Converts the parameters to {@code dtype}, as {@code module.to(dtype)}. */
  public synchronized Rnn to(DType dtype) {
    if (dtype != dtype()) {
      List<Tensor> converted = new ArrayList<>();
      parameters.forEach(p -> converted.add(p.to(dtype)));
      parameters = converted;
      grads.replaceAll(g -> g == null ? null : g.to(dtype));
      closeKernel();
    }
    return this;
  }

  /** Moves the module to {@code backend}; see {@link Backends#select}. */
  public synchronized Rnn to(Backend backend) {
    if (backend != this.backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
      closeKernel();
    }
    return this;
  }

  /** Training mode: dropout (if configured) applies between layers. A new module starts in it. */
  public synchronized Rnn train() {
    training = true;
    return this;
  }

  /** Evaluation mode: no dropout. */
  public synchronized Rnn eval() {
    training = false;
    return this;
  }

  public synchronized boolean isTraining() {
    return training;
  }

  /** Reseeds the generator of dropout masks; the same seed gives the same masks for the same calls. */
  public synchronized void manualSeed(long seed) {
    dropoutSeeds = new SplittableRandom(seed);
  }

  /** Runs the module over {@code input} from a zero initial state. */
  public RnnOutput forward(Tensor input) {
    return forward(input, null, null);
  }

  /** Runs the module over {@code input} from the initial state {@code state}. */
  public RnnOutput forward(Tensor input, RnnState state) {
    return forward(input, Objects.requireNonNull(state, "state"), null);
  }

  /** Runs the module over a padded batch of sequences of the given lengths; see the three-argument form. */
  public RnnOutput forward(Tensor input, int[] lengths) {
    return forward(input, null, Objects.requireNonNull(lengths, "lengths"));
  }

  /**
   * Runs the module. With {@code lengths}, the result is that of
   * {@code pad_packed_sequence(module(pack_padded_sequence(input, lengths, enforce_sorted=False), hx),
   * total_length=L)}: input past a sequence's length is never read, output there is 0, {@code h_n} and
   * {@code c_n} hold each sequence's state after its own last element, and the reverse direction starts at
   * that element.
   *
   * @param state the initial state, or null for zeros
   * @param lengths one length per sequence in [1, L], in any order; or null when every sequence has L steps
   * @throws IllegalArgumentException on any shape, dtype or length problem, in PyTorch's words
   */
  public RnnOutput forward(Tensor input, RnnState state, int[] lengths) {
    Call call = prepare(input, state, lengths);
    return call.output(call.kernel().forward(call.args()));
  }

  /**
   * The forward pass of {@link #forward(Tensor, RnnState, int[])}, keeping what its backward pass needs:
   * {@link RnnTape#backward} then gives the gradients with respect to the input and the initial state, and
   * adds those of the parameters to {@link #grad()}, as autograd does for a PyTorch module.
   */
  public RnnTape forwardForBackward(Tensor input, RnnState state, int[] lengths) {
    Call call = prepare(input, state, lengths);
    return new RnnTape(this, call, call.kernel().forwardForBackward(call.args()));
  }

  /**
   * A pass for benchmarks to repeat: {@link #forward(Tensor)} on {@code input} or, with
   * {@code gradOutput} (shaped like the output), the forward and backward passes, with inputs and results
   * kept where the backend computes (see {@link RnnKernel#resident}). The parameters' gradients of these
   * runs are not accumulated into {@link #grad()}. Close it when done.
   */
  public RnnKernel.ResidentPass resident(Tensor input, Tensor gradOutput) {
    Call call = prepare(input, null, null);
    return call.kernel().resident(call.args(), call.batch(gradOutput,
        config.numDirections() * config.outputSize(), true));
  }

  /**
   * One validated call: what the kernel receives, and how its batched results go back to the caller's
   * shapes (unbatched input is a batch of one inside).
   */
  record Call(RnnConfig config, RnnKernel kernel, ForwardArgs args, boolean batched, int steps, DType dtype,
      boolean hasH0, boolean hasC0) {
    RnnOutput output(ForwardResult r) {
      return new RnnOutput(config, unbatch(r.output(), config.numDirections() * config.outputSize(), true),
          unbatch(r.hN(), config.outputSize(), false),
          r.cN() == null ? null : unbatch(r.cN(), config.hiddenSize(), false));
    }

    /** A batched result in the caller's form: unchanged, or without its batch dimension of one. */
    Tensor unbatch(Tensor t, int width, boolean sequence) {
      if (batched) {
        return t;
      }
      return t.view(sequence ? steps : config.numLayers() * config.numDirections(), width);
    }

    /** A tensor in the caller's form as the kernel's batched form. */
    Tensor batch(Tensor t, int width, boolean sequence) {
      if (batched || t == null) {
        return t;
      }
      if (!sequence) {
        return t.view(config.numLayers() * config.numDirections(), 1, width);
      }
      // Unbatched input is (L, H) whatever batch_first says; the kernel sees a batch of one in the
      // configured layout.
      return config.batchFirst() ? t.view(1, steps, width) : t.view(steps, 1, width);
    }
  }

  /** Validates a call completely before anything changes, then draws its dropout seed. */
  private Call prepare(Tensor input, RnnState state, int[] lengths) {
    Objects.requireNonNull(input, "input");
    DType dtype = dtype();
    String module = config.mode().moduleName();
    checkArgument(input.dim() == 2 || input.dim() == 3,
        "%s: Expected input to be 2D or 3D, got %dD instead", module, input.dim());
    checkArgument(input.dtype() == dtype,
        "input must have the type torch.%s, got type torch.%s", dtype, input.dtype());
    checkArgument(input.size(-1) == config.inputSize(),
        "input.size(-1) must be equal to input_size. Expected %d, got %d", config.inputSize(), input.size(-1));
    boolean batched = input.dim() == 3;
    int steps = batched && config.batchFirst() ? input.size(1) : input.size(0);
    int batch = batched ? input.size(config.batchFirst() ? 0 : 1) : 1;
    checkArgument(steps > 0 && batch > 0,
        "Expected input with at least one sequence of at least one step, got size %s",
        Shape.list(input.shape()));
    Tensor h0 = state == null ? null : state.h0();
    Tensor c0 = state == null ? null : state.c0().orElse(null);
    if (state != null) {
      checkStateShapes(h0, c0, batched, batch, dtype);
    }
    if (lengths != null) {
      checkLengths(lengths, batched, batch, steps);
    }
    RnnKernel k;
    boolean dropout;
    long dropoutSeed;
    synchronized (this) {
      dropout = training && config.dropout() > 0 && config.numLayers() > 1;
      dropoutSeed = dropout ? dropoutSeeds.nextLong() : 0;
      k = kernel();
    }
    Call shapes = new Call(config, k, null, batched, steps, dtype, h0 != null, c0 != null);
    ForwardArgs args = new ForwardArgs(shapes.batch(input, config.inputSize(), true),
        shapes.batch(h0, config.outputSize(), false), shapes.batch(c0, config.hiddenSize(), false),
        lengths == null ? null : lengths.clone(), dropout, dropoutSeed);
    return new Call(config, k, args, batched, steps, dtype, h0 != null, c0 != null);
  }

  private void checkStateShapes(Tensor h0, Tensor c0, boolean batched, int batch, DType dtype) {
    String module = config.mode().moduleName();
    boolean lstm = config.mode() == RnnMode.LSTM;
    checkArgument(lstm || c0 == null,
        "%s expects a hidden state h0 only, got h0 and c0 (a cell state exists only for LSTM)", module);
    checkArgument(!lstm || c0 != null, "LSTM expects hx = (h0, c0), got h0 without c0");
    int wanted = batched ? 3 : 2;
    String form = batched ? "batched 3-D" : "unbatched 2-D";
    if (lstm) {
      checkArgument(h0.dim() == wanted && c0.dim() == wanted,
          "For %s input, hx and cx should also be %d-D but got (%d-D, %d-D) tensors",
          form, wanted, h0.dim(), c0.dim());
    } else {
      checkArgument(h0.dim() == wanted,
          "For %s input, hx should also be %d-D but got %d-D tensor", form, wanted, h0.dim());
    }
    int states = config.numLayers() * config.numDirections();
    int[] expectedH = batched
        ? new int[] {states, batch, config.outputSize()} : new int[] {states, config.outputSize()};
    int[] expectedC = batched
        ? new int[] {states, batch, config.hiddenSize()} : new int[] {states, config.hiddenSize()};
    checkArgument(Arrays.equals(h0.shape(), expectedH), "Expected hidden%s size %s, got %s",
        lstm ? "[0]" : "", Shape.tuple(expectedH), Shape.list(h0.shape()));
    checkArgument(h0.dtype() == dtype,
        "hx must have the type torch.%s (the input's), got type torch.%s", dtype, h0.dtype());
    if (lstm) {
      checkArgument(Arrays.equals(c0.shape(), expectedC), "Expected hidden[1] size %s, got %s",
          Shape.tuple(expectedC), Shape.list(c0.shape()));
      checkArgument(c0.dtype() == dtype,
          "cx must have the type torch.%s (the input's), got type torch.%s", dtype, c0.dtype());
    }
  }

  private static void checkLengths(int[] lengths, boolean batched, int batch, int steps) {
    checkArgument(batched, "lengths need batched 3-D input, got unbatched 2-D input");
    checkArgument(lengths.length == batch,
        "Expected `len(lengths)` to be equal to batch_size, but got %d (batch_size=%d)", lengths.length, batch);
    for (int i = 0; i < lengths.length; i++) {
      checkArgument(lengths[i] > 0,
          "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0: "
              + "lengths[%d] = %d", i, lengths[i]);
      checkArgument(lengths[i] <= steps,
          "Expected every length to be at most the sequence length %d, got lengths[%d] = %d",
          steps, i, lengths[i]);
    }
  }

  private RnnKernel kernel() {
    if (kernel == null) {
      kernel = backend.createRnnKernel(config, parameters);
    }
    return kernel;
  }

  private void closeKernel() {
    if (kernel != null) {
      kernel.close();
      kernel = null;
    }
  }

  /** Releases the backend's copy of the weights; the module can still be used and prepares them again. */
  @Override
  public synchronized void close() {
    closeKernel();
  }

  /** PyTorch's repr of the module, e.g. {@code LSTM(10, 20, num_layers=2)}. */
  @Override
  public String toString() {
    return config.toString();
  }
}
