package dev.rnn4j.nn;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.RnnKernel.ForwardArgs;
import dev.rnn4j.backend.RnnKernel.ForwardResult;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A multi-layer Elman RNN, LSTM or GRU: {@code torch.nn.RNN}, {@code torch.nn.LSTM} and {@code
 * torch.nn.GRU} in one module, chosen by {@link RnnConfig#mode()}.
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
 * <p>Shapes (N batch, L sequence length, D = 2 if bidirectional else 1, H_in = input_size, H_cell =
 * hidden_size, H_out = proj_size if positive else hidden_size):
 *
 * <pre>
 * input    (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched
 * h0       (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched; zeros when absent
 * c0       (D * num_layers, N, H_cell), LSTM only
 * lengths  N values in [1, L]: packed-sequence semantics (see {@link #forward(Tensor, RnnState, int[])})
 * output, h_n, c_n: see {@link RnnOutput}
 * </pre>
 *
 * <p>Parameters carry PyTorch's {@code state_dict} names and shapes ({@link ParamKey}); a new
 * module is initialized as PyTorch initializes one, every parameter uniform in (-1/sqrt(H_cell),
 * 1/sqrt(H_cell)), from an explicit seed. Like a PyTorch module it starts in training mode; {@link
 * #eval()} turns dropout off.
 *
 * <pre>{@code
 * try (Rnn rnn = Rnn.create(RnnConfig.rnn(1, 2).batchFirst(true).build(), 42)) {
 *   RnnOutput out = rnn.eval().forward(input);      // input (4, 5, 1)
 *   out.output();                                    // (4, 5, 2)
 *   out.hN();                                        // (1, 4, 2)
 * }
 * }</pre>
 *
 * <p>Devices: the parameters live on the module's backend ({@link #to(Backend)}), and so do the
 * results of a forward pass on input from that device. Input from the host given to a module on a
 * GPU is copied there, and its results are copied back: {@code rnn(x.to('cuda')).cpu()} in one
 * call.
 *
 * <p>Thread safety: {@code forward} may be called from several threads at once. Updating the
 * parameters (an optimizer's step, {@link #loadStateDict}) or moving the module while a pass runs
 * is not safe, as in PyTorch.
 */
public final class Rnn implements AutoCloseable {
  private final RnnConfig config;
  private final List<ParamKey> keys;
  private final List<Parameter.Slot> slots = new ArrayList<>();
  private Backend backend;
  private RnnKernel kernel;
  private boolean training = true;
  private boolean closed;
  // The dropout generator: its seed and the passes drawn from it since.
  private long dropoutSeed;
  private long dropoutPasses;

  /**
   * A module on {@code backend} in {@code dtype}, its parameters set from {@code values} (host
   * arrays).
   */
  private Rnn(RnnConfig config, Backend backend, DType dtype, List<HostStorage> values, long seed) {
    this.config = config;
    this.keys = ParamKey.all(config);
    this.backend = backend;
    this.kernel = backend.createRnnKernel(config, dtype);
    this.dropoutSeed = seed;
    List<Storage> params = kernel.parameters();
    List<Storage> grads = kernel.gradients();
    for (int i = 0; i < keys.size(); i++) {
      slots.add(
          new Parameter.Slot(keys.get(i).shape(config), backend, params.get(i), grads.get(i)));
      backend.upload(values.get(i), params.get(i));
    }
  }

  /**
   * A float32 module on the CPU, its parameters drawn from U(-1/sqrt(hidden_size),
   * 1/sqrt(hidden_size)) in {@code state_dict} order by a generator seeded with {@code seed}, which
   * also seeds dropout.
   *
   * @param config the module's constructor arguments
   * @param seed the generator's seed
   * @return a new module, which the caller closes
   */
  public static Rnn create(RnnConfig config, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double bound = 1 / Math.sqrt(config.hiddenSize());
    List<HostStorage> params = new ArrayList<>();
    for (ParamKey key : ParamKey.all(config)) {
      float[] data = new float[Shape.numel(key.shape(config))];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (bound * (2 * random.nextDouble() - 1));
      }
      params.add(HostStorage.of(data));
    }
    return new Rnn(config, Backends.cpu(), DType.FLOAT32, params, random.nextLong());
  }

  /**
   * A module on the CPU holding {@code stateDict}'s tensors, in their dtype (float32 or float64,
   * the same for all); dropout is seeded with 0 (see {@link #manualSeed}). Fails, naming every
   * problem, unless the names and shapes are exactly the configuration's.
   *
   * @param config the module's constructor arguments
   * @param stateDict the parameters under PyTorch's names ({@code weight_ih_l0}, ...)
   * @return a new module, which the caller closes
   * @throws IllegalArgumentException naming every missing, unexpected and mis-shaped tensor, or
   *     mixed dtypes
   */
  public static Rnn fromStateDict(RnnConfig config, StateDict stateDict) {
    DType dtype = StateDictLoader.commonDtype(stateDict, config.toString());
    StateDictLoader loader = new StateDictLoader(stateDict, dtype);
    List<Tensor> params = take(config, loader, "");
    loader.finish(config.toString());
    return of(config, params, 0);
  }

  /**
   * A CPU module holding parameters already checked against {@code config}, its dropout seeded with
   * {@code seed}.
   */
  static Rnn of(RnnConfig config, List<Tensor> parameters, long seed) {
    List<HostStorage> values = new ArrayList<>();
    parameters.forEach(t -> values.add(hostStorage(t)));
    return new Rnn(config, Backends.cpu(), parameters.get(0).dtype(), values, seed);
  }

  /**
   * This configuration's parameters from {@code loader}, under {@code prefix} (as a submodule's).
   */
  static List<Tensor> take(RnnConfig config, StateDictLoader loader, String prefix) {
    List<Tensor> params = new ArrayList<>();
    for (ParamKey key : ParamKey.all(config)) {
      params.add(loader.take(prefix + key.name(), key.shape(config)));
    }
    return params;
  }

  /** A host tensor's storage, for uploading (its values copied to the host first if need be). */
  static HostStorage hostStorage(Tensor t) {
    return (HostStorage) t.to(Device.CPU).storage();
  }

  /**
   * The constructor arguments.
   *
   * @return the config, immutable
   */
  public RnnConfig config() {
    return config;
  }

  /**
   * The dtype of the parameters, and therefore of inputs and outputs.
   *
   * @return float32 or float64
   */
  public synchronized DType dtype() {
    return kernel.dtype();
  }

  /**
   * The backend computing this module's passes and holding its parameters.
   *
   * @return the backend
   */
  public synchronized Backend backend() {
    return backend;
  }

  /**
   * Where the parameters live.
   *
   * @return the CPU or a CUDA device
   */
  public synchronized Device device() {
    return backend.device();
  }

  /**
   * The parameter keys, in {@code state_dict} order.
   *
   * @return the keys, unmodifiable
   */
  public List<ParamKey> parameterKeys() {
    return keys;
  }

  /**
   * The parameters in PyTorch's order, under its names: {@code module.named_parameters()}.
   * Optimizers and {@code clipGradNorm} take this list; the parameters stay valid while the module
   * is open.
   *
   * @return the parameters, sharing the module's storages
   */
  public synchronized List<Parameter> parameters() {
    List<Parameter> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      out.add(new Parameter(keys.get(i).name(), slots.get(i)));
    }
    return out;
  }

  /**
   * The number of trainable elements, as {@code sum(p.numel() for p in module.parameters())}: per
   * layer and direction {@code G * H * (H_in' + H_out)}, plus {@code 2 * G * H} with bias and
   * {@code H_out * H} with {@code proj_size > 0}, where G is 4 (LSTM), 3 (GRU) or 1 and {@code
   * H_in'} is {@code input_size} in the first layer and {@code D * H_out} after it.
   *
   * @return the total element count of {@link #parameters()}
   */
  public long parameterCount() {
    long n = 0;
    for (ParamKey key : keys) {
      n += Shape.numel(key.shape(config));
    }
    return n;
  }

  /**
   * The parameters as a table, in the manner of {@code torchinfo.summary(module)}: a row per
   * parameter (the module's repr in the first, name, shape, element count), then the total and its
   * size in bytes in the module's dtype:
   *
   * <pre>
   * =============================================
   * Layer (type)  Parameter     Shape     Param #
   * =============================================
   * LSTM(10, 20)  weight_ih_l0  [80, 10]      800
   *               weight_hh_l0  [80, 20]    1,600
   *               bias_ih_l0    [80]           80
   *               bias_hh_l0    [80]           80
   * =============================================
   * Total params: 2,560
   * Params size (float32): 10,240 bytes
   * =============================================
   * </pre>
   *
   * @return the table, lines separated by {@code \n}, without a final line break
   */
  public synchronized String summary() {
    return new ModuleSummary().layer(toString(), parameters()).render(dtype());
  }

  /**
   * The parameters under PyTorch's names, in PyTorch's order: host copies, {@code state_dict()}
   * then {@code .cpu()}.
   *
   * @return a new state dict of host tensors
   */
  public synchronized StateDict stateDict() {
    checkOpen();
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      map.put(keys.get(i).name(), download(slots.get(i).data, slots.get(i).shape));
    }
    return StateDict.of(map);
  }

  private Tensor download(Storage s, int[] shape) {
    return downloaded(backend, s, shape);
  }

  /** {@code s} (on {@code backend}) copied into a new host tensor the caller owns, in no scope. */
  static Tensor downloaded(Backend backend, Storage s, int[] shape) {
    HostStorage host = HostStorage.zeros(s.dtype(), (int) s.numel());
    backend.download(s, host);
    return hostTensor(host, shape);
  }

  /** A host tensor adopting {@code host}'s array: a copy handed to the caller, in no scope. */
  static Tensor hostTensor(HostStorage host, int[] shape) {
    return host.dtype() == DType.FLOAT32
        ? Tensor.wrap(host.floats(), shape)
        : Tensor.wrap(host.doubles(), shape);
  }

  /**
   * Replaces every parameter, as {@code load_state_dict(strict=True)}: values are converted to this
   * module's dtype and copied into the parameters in place; missing, unexpected and mis-shaped
   * tensors are all reported by name, and on any problem nothing changes.
   *
   * @param stateDict the parameters under PyTorch's names
   * @throws IllegalArgumentException naming every missing, unexpected and mis-shaped tensor
   */
  public void loadStateDict(StateDict stateDict) {
    StateDictLoader loader = new StateDictLoader(stateDict, dtype());
    List<Tensor> checked = take(config, loader, "");
    loader.finish(config.toString());
    setParameters(checked);
  }

  /** Copies tensors already checked against the configuration into the parameters. */
  synchronized void setParameters(List<Tensor> checked) {
    checkOpen();
    for (int i = 0; i < slots.size(); i++) {
      backend.upload(hostStorage(checked.get(i).to(dtype())), slots.get(i).data);
    }
  }

  /**
   * The gradients accumulated since the last {@link #zeroGrad()}, under the parameters' names, as
   * host copies: {@code {name: p.grad.cpu() for name, p in module.named_parameters() if p.grad is
   * not None}}.
   *
   * @return a new state dict of host tensors; empty after {@link #zeroGrad()}
   */
  public synchronized StateDict grad() {
    checkOpen();
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Parameter.Slot slot = slots.get(i);
      if (slot.hasGrad) {
        map.put(keys.get(i).name(), download(slot.grad, slot.shape));
      }
    }
    return StateDict.of(map);
  }

  /** Forgets the accumulated gradients, as {@code module.zero_grad()} (set to None). */
  public synchronized void zeroGrad() {
    slots.forEach(Parameter.Slot::zeroGrad);
  }

  /** Marks every parameter as having a gradient: a backward pass has added to them all. */
  synchronized void gradientsWritten() {
    slots.forEach(s -> s.hasGrad = true);
  }

  /**
   * Converts the parameters (and gradients) to {@code dtype}, as {@code module.to(dtype)}.
   *
   * @param dtype float32 or float64
   * @return this module
   */
  public synchronized Rnn to(DType dtype) {
    if (dtype != dtype()) {
      rebuild(backend, dtype);
    }
    return this;
  }

  /**
   * Moves the parameters (and gradients) to {@code backend}, as {@code module.to(device)}: they are
   * copied once, and the module's parameters, optimizers bound to them included, follow.
   *
   * @param backend the backend that holds the parameters from now on
   * @return this module
   */
  public synchronized Rnn to(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    if (backend != this.backend) {
      rebuild(backend, dtype());
    }
    return this;
  }

  /**
   * Moves the module to {@code device}'s backend ({@link Backends#forDevice}).
   *
   * @param device the device that holds the parameters from now on
   * @return this module
   */
  public Rnn to(Device device) {
    return to(Backends.forDevice(device));
  }

  /** A new kernel on {@code target} in {@code dtype} holding the current values and gradients. */
  private void rebuild(Backend target, DType dtype) {
    checkOpen();
    RnnKernel next = target.createRnnKernel(config, dtype);
    try {
      List<Storage> params = next.parameters();
      List<Storage> grads = next.gradients();
      for (int i = 0; i < slots.size(); i++) {
        Parameter.Slot slot = slots.get(i);
        target.upload(Parameter.Slot.hostCopy(backend, slot.data, dtype), params.get(i));
        if (slot.hasGrad) { // else the new kernel's zeros are the gradient already
          target.upload(Parameter.Slot.hostCopy(backend, slot.grad, dtype), grads.get(i));
        }
      }
    } catch (RuntimeException e) {
      next.close();
      throw e;
    }
    kernel.close();
    kernel = next;
    backend = target;
    for (int i = 0; i < slots.size(); i++) {
      Parameter.Slot slot = slots.get(i);
      slot.backend = target;
      slot.data = next.parameters().get(i);
      slot.grad = next.gradients().get(i);
    }
  }

  /**
   * Training mode: dropout (if configured) applies between layers. A new module starts in it.
   *
   * @return this module
   */
  public synchronized Rnn train() {
    training = true;
    return this;
  }

  /**
   * Evaluation mode: no dropout.
   *
   * @return this module
   */
  public synchronized Rnn eval() {
    training = false;
    return this;
  }

  /**
   * Whether the module is in training mode ({@link #train()}) rather than evaluation mode.
   *
   * @return {@code module.training}
   */
  public synchronized boolean isTraining() {
    return training;
  }

  /**
   * Reseeds the generator of dropout masks; the same seed gives the same masks for the same calls.
   *
   * @param seed the seed
   */
  public synchronized void manualSeed(long seed) {
    dropoutSeed = seed;
    dropoutPasses = 0;
  }

  /**
   * Runs the module over {@code input} from a zero initial state.
   *
   * @param input (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first
   * @return output (L, D * H_out) unbatched, (L, N, D * H_out) or (N, L, D * H_out); h_n (D *
   *     num_layers, N, H_out) and for LSTM c_n (D * num_layers, N, H_cell), without N when
   *     unbatched
   */
  public RnnOutput forward(Tensor input) {
    return forward(input, null, null);
  }

  /**
   * Runs the module over {@code input} from the initial state {@code state}.
   *
   * @param input (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first
   * @param state h0 (D * num_layers, N, H_out) and for LSTM c0 (D * num_layers, N, H_cell), without
   *     N when unbatched; or null for zeros
   * @return output (L, D * H_out) unbatched, (L, N, D * H_out) or (N, L, D * H_out); h_n (D *
   *     num_layers, N, H_out) and for LSTM c_n (D * num_layers, N, H_cell), without N when
   *     unbatched
   */
  public RnnOutput forward(Tensor input, RnnState state) {
    return forward(input, Objects.requireNonNull(state, "state"), null);
  }

  /**
   * Runs the module over a padded batch of sequences of the given lengths; see the three-argument
   * form.
   *
   * @param input (L, N, H_in), or (N, L, H_in) with batch_first
   * @param lengths one length per sequence in [1, L], in any order
   * @return output (L, D * H_out) unbatched, (L, N, D * H_out) or (N, L, D * H_out); h_n (D *
   *     num_layers, N, H_out) and for LSTM c_n (D * num_layers, N, H_cell), without N when
   *     unbatched
   */
  public RnnOutput forward(Tensor input, int[] lengths) {
    return forward(input, null, Objects.requireNonNull(lengths, "lengths"));
  }

  /**
   * Runs the module. With {@code lengths}, the result is that of {@code
   * pad_packed_sequence(module(pack_padded_sequence(input, lengths, enforce_sorted=False), hx),
   * total_length=L)}: input past a sequence's length is never read, output there is 0, {@code h_n}
   * and {@code c_n} hold each sequence's state after its own last element, and the reverse
   * direction starts at that element.
   *
   * <p>The results are on the module's device when the input is (the caller owns them, or the open
   * {@link dev.rnn4j.tensor.TensorScope} does); host input to a module on a GPU gives host results.
   *
   * @param state the initial state, or null for zeros
   * @param lengths one length per sequence in [1, L], in any order; or null when every sequence has
   *     L steps
   * @throws IllegalArgumentException on any shape, dtype, device or length problem, in PyTorch's
   *     words
   * @param input (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first
   * @return output (L, D * H_out) unbatched, (L, N, D * H_out) or (N, L, D * H_out); h_n (D *
   *     num_layers, N, H_out) and for LSTM c_n (D * num_layers, N, H_cell), without N when
   *     unbatched
   */
  public RnnOutput forward(Tensor input, RnnState state, int[] lengths) {
    Call call = prepare(input, state, lengths);
    try {
      ForwardResult r = call.kernel().forward(call.args());
      return call.output(r, true);
    } finally {
      call.closeUploads();
    }
  }

  /**
   * The forward pass of {@link #forward(Tensor, RnnState, int[])}, keeping what its backward pass
   * needs: {@link RnnTape#backward} then gives the gradients with respect to the input and the
   * initial state, and adds those of the parameters to their gradients, as autograd does for a
   * PyTorch module. Close the tape when done with it (its results too are then released).
   *
   * @param input (L, H_in) unbatched, (L, N, H_in), or (N, L, H_in) with batch_first
   * @param state the initial state, or null for zeros
   * @param lengths one length per sequence in [1, L], or null when every sequence has L steps
   * @return the tape, owning the results and what the backward pass reads
   */
  public RnnTape forwardForBackward(Tensor input, RnnState state, int[] lengths) {
    Call call = prepare(input, state, lengths);
    try {
      // The tape owns what the call copied to the device: a backward pass reads the input again.
      return new RnnTape(this, call, call.kernel().forwardForBackward(call.args()));
    } catch (RuntimeException e) {
      call.closeUploads();
      throw e;
    }
  }

  /**
   * One validated call: what the kernel receives, and how its batched results go back to the
   * caller's shapes (unbatched input is a batch of one inside) and device (host input to a GPU
   * module gets host results).
   */
  static final class Call {
    private final RnnConfig config;
    private final RnnKernel kernel;
    private final Backend backend;
    private final boolean batched;
    private final int steps;
    private final int batch;
    private final boolean hasH0;
    private final boolean hasC0;
    private final boolean hostIo;
    private final List<Storage> uploads = new ArrayList<>();
    private ForwardArgs args;

    Call(
        RnnConfig config,
        RnnKernel kernel,
        Backend backend,
        boolean batched,
        int steps,
        int batch,
        boolean hasH0,
        boolean hasC0,
        boolean hostIo) {
      this.config = config;
      this.kernel = kernel;
      this.backend = backend;
      this.batched = batched;
      this.steps = steps;
      this.batch = batch;
      this.hasH0 = hasH0;
      this.hasC0 = hasC0;
      this.hostIo = hostIo;
    }

    RnnConfig config() {
      return config;
    }

    RnnKernel kernel() {
      return kernel;
    }

    ForwardArgs args() {
      return args;
    }

    boolean hasH0() {
      return hasH0;
    }

    boolean hasC0() {
      return hasC0;
    }

    /**
     * The caller's results: with {@code owned}, tensors owning the storages, else views of them.
     */
    RnnOutput output(ForwardResult r, boolean owned) {
      int width = config.numDirections() * config.outputSize();
      return new RnnOutput(
          config,
          result(r.output(), sequenceShape(width), owned),
          result(r.hN(), stateShape(config.outputSize()), owned),
          r.cN() == null ? null : result(r.cN(), stateShape(config.hiddenSize()), owned));
    }

    /** A kernel result in the caller's shape, on the caller's device. */
    Tensor result(Storage s, int[] shape, boolean owned) {
      if (hostIo) {
        Tensor host = downloaded(backend, s, shape);
        if (owned) {
          s.close();
        }
        return host;
      }
      return owned ? Tensor.of(s, shape) : Tensor.viewOf(s, shape);
    }

    int[] sequenceShape(int width) {
      if (!batched) {
        return new int[] {steps, width};
      }
      return config.batchFirst()
          ? new int[] {batch, steps, width}
          : new int[] {steps, batch, width};
    }

    int[] stateShape(int width) {
      int states = config.numLayers() * config.numDirections();
      return batched ? new int[] {states, batch, width} : new int[] {states, width};
    }

    /**
     * A tensor from the caller as the kernel's storage: on the module's device (copied there if
     * need be).
     */
    Storage in(Tensor t) {
      if (t == null) {
        return null;
      }
      if (hostIo) {
        Storage s = backend.upload(hostStorage(t));
        uploads.add(s);
        return s;
      }
      return t.storage();
    }

    /** Frees what this call copied to the device for the kernel. */
    void closeUploads() {
      uploads.forEach(Storage::close);
      uploads.clear();
    }
  }

  /** Validates a call completely before anything changes, then draws its dropout seed. */
  private Call prepare(Tensor input, RnnState state, int[] lengths) {
    Objects.requireNonNull(input, "input");
    synchronized (this) {
      checkOpen();
    }
    DType dtype = dtype();
    String module = config.mode().moduleName();
    checkArgument(
        input.dim() == 2 || input.dim() == 3,
        "%s: Expected input to be 2D or 3D, got %dD instead",
        module,
        input.dim());
    checkArgument(
        input.dtype() == dtype,
        "input must have the type torch.%s, got type torch.%s",
        dtype,
        input.dtype());
    checkArgument(
        input.size(-1) == config.inputSize(),
        "input.size(-1) must be equal to input_size. Expected %d, got %d",
        config.inputSize(),
        input.size(-1));
    boolean batched = input.dim() == 3;
    int steps = batched && config.batchFirst() ? input.size(1) : input.size(0);
    int batch = batched ? input.size(config.batchFirst() ? 0 : 1) : 1;
    checkArgument(
        steps > 0 && batch > 0,
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
    Backend b;
    boolean dropout;
    long seed;
    long offset;
    synchronized (this) {
      b = backend;
      checkDevice("input", input, b);
      if (h0 != null) {
        checkDevice("hx", h0, b);
        checkArgument(
            h0.device().equals(input.device()),
            "Input and hidden tensors are not at the same device, found input tensor at %s and"
                + " hidden tensor at %s",
            input.device(),
            h0.device());
      }
      if (c0 != null) {
        checkArgument(
            c0.device().equals(input.device()),
            "Input and hidden tensors are not at the same device, found input tensor at %s and"
                + " hidden tensor at %s",
            input.device(),
            c0.device());
      }
      dropout = training && config.dropout() > 0 && config.numLayers() > 1;
      seed = dropoutSeed;
      offset = dropout ? dropoutPasses++ : 0;
      k = kernel;
    }
    boolean hostIo = !input.device().equals(b.device());
    Call call = new Call(config, k, b, batched, steps, batch, h0 != null, c0 != null, hostIo);
    call.args =
        new ForwardArgs(
            call.in(input),
            steps,
            batch,
            call.in(h0),
            call.in(c0),
            lengths == null ? null : lengths.clone(),
            dropout,
            seed,
            offset);
    return call;
  }

  /** Host tensors go anywhere (they are copied); a device tensor must be on the module's device. */
  private static void checkDevice(String name, Tensor t, Backend backend) {
    checkArgument(
        t.device().type() == Device.Type.CPU || t.device().equals(backend.device()),
        "Input and parameter tensors are not at the same device, found %s tensor at %s and"
            + " parameter tensor at %s",
        name,
        t.device(),
        backend.device());
  }

  private void checkStateShapes(Tensor h0, Tensor c0, boolean batched, int batch, DType dtype) {
    String module = config.mode().moduleName();
    boolean lstm = config.mode() == RnnMode.LSTM;
    checkArgument(
        lstm || c0 == null,
        "%s expects a hidden state h0 only, got h0 and c0 (a cell state exists only for LSTM)",
        module);
    checkArgument(!lstm || c0 != null, "LSTM expects hx = (h0, c0), got h0 without c0");
    int wanted = batched ? 3 : 2;
    String form = batched ? "batched 3-D" : "unbatched 2-D";
    if (lstm) {
      checkArgument(
          h0.dim() == wanted && c0.dim() == wanted,
          "For %s input, hx and cx should also be %d-D but got (%d-D, %d-D) tensors",
          form,
          wanted,
          h0.dim(),
          c0.dim());
    } else {
      checkArgument(
          h0.dim() == wanted,
          "For %s input, hx should also be %d-D but got %d-D tensor",
          form,
          wanted,
          h0.dim());
    }
    int states = config.numLayers() * config.numDirections();
    int[] expectedH =
        batched
            ? new int[] {states, batch, config.outputSize()}
            : new int[] {states, config.outputSize()};
    int[] expectedC =
        batched
            ? new int[] {states, batch, config.hiddenSize()}
            : new int[] {states, config.hiddenSize()};
    checkArgument(
        Arrays.equals(h0.shape(), expectedH),
        "Expected hidden%s size %s, got %s",
        lstm ? "[0]" : "",
        Shape.tuple(expectedH),
        Shape.list(h0.shape()));
    checkArgument(
        h0.dtype() == dtype,
        "hx must have the type torch.%s (the input's), got type torch.%s",
        dtype,
        h0.dtype());
    if (lstm) {
      checkArgument(
          Arrays.equals(c0.shape(), expectedC),
          "Expected hidden[1] size %s, got %s",
          Shape.tuple(expectedC),
          Shape.list(c0.shape()));
      checkArgument(
          c0.dtype() == dtype,
          "cx must have the type torch.%s (the input's), got type torch.%s",
          dtype,
          c0.dtype());
    }
  }

  private static void checkLengths(int[] lengths, boolean batched, int batch, int steps) {
    checkArgument(batched, "lengths need batched 3-D input, got unbatched 2-D input");
    checkArgument(
        lengths.length == batch,
        "Expected `len(lengths)` to be equal to batch_size, but got %d (batch_size=%d)",
        lengths.length,
        batch);
    for (int i = 0; i < lengths.length; i++) {
      checkArgument(
          lengths[i] > 0,
          "Length of all samples has to be greater than 0, but found an element in 'lengths' that"
              + " is <= 0: lengths[%d] = %d",
          i,
          lengths[i]);
      checkArgument(
          lengths[i] <= steps,
          "Expected every length to be at most the sequence length %d, got lengths[%d] = %d",
          steps,
          i,
          lengths[i]);
    }
  }

  /**
   * Releases the parameters and what the backend prepared for them; the module cannot be used
   * afterwards.
   */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      slots.forEach(s -> s.closed = true);
      kernel.close();
    }
  }

  /**
   * Whether {@link #close()} has run.
   *
   * @return true once closed
   */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** Fails when the module was closed, naming it. */
  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(config + " used after close");
    }
  }

  /** PyTorch's repr of the module, e.g. {@code LSTM(10, 20, num_layers=2)}. */
  @Override
  public String toString() {
    return config.toString();
  }
}
