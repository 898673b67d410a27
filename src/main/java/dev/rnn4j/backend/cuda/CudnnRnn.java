package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCudnn;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.RnnNativeException;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnDataType;
import jcuda.jcudnn.cudnnDirectionMode;
import jcuda.jcudnn.cudnnDropoutDescriptor;
import jcuda.jcudnn.cudnnForwardMode;
import jcuda.jcudnn.cudnnMathType;
import jcuda.jcudnn.cudnnRNNAlgo;
import jcuda.jcudnn.cudnnRNNBiasMode;
import jcuda.jcudnn.cudnnRNNDataDescriptor;
import jcuda.jcudnn.cudnnRNNDataLayout;
import jcuda.jcudnn.cudnnRNNDescriptor;
import jcuda.jcudnn.cudnnRNNInputMode;
import jcuda.jcudnn.cudnnRNNMode;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.jcudnn.cudnnWgradMode;

/**
 * One recurrent shape on cuDNN's v8 RNN API: where PyTorch's parameters lie in cuDNN's weight
 * space, one {@link Plan} per pass shape (descriptors, algorithm, workspace) built once and cached,
 * the dropout state, and the forward and backward passes on device pointers.
 *
 * <p>Layouts: {@code x} is {@code (L, N, H_in)} and {@code y} is {@code (L, N, D * H_out)},
 * sequence-major ({@code CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED} with padded I/O, as PyTorch
 * calls cuDNN); states are {@code (D * num_layers, N, H_out)} and, for LSTM, {@code (D *
 * num_layers, N, H_cell)}. The bias mode is always {@code CUDNN_RNN_DOUBLE_BIAS}, as in PyTorch:
 * without biases the slots stay zero, and the owner zeroes their gradients after every backward
 * pass so that nothing ever moves them.
 *
 * <p>Dropout: one descriptor and RNG state per instance. A training pass with dropout brings its
 * module's generator seed and how many dropout passes the generator made since it was seeded: when
 * it follows the previous pass (same seed, next offset) the state simply continues; otherwise it is
 * seeded with {@code cudnnSetDropoutDescriptor} (an initialization kernel over the whole state),
 * from the seed at offset 0 and from the pass's own mixed seed elsewhere. A trainer that reseeds
 * its module at every epoch (as rnn4j's does) thus pays one seeding per epoch, and a run resumed at
 * an epoch draws the same masks as the uninterrupted run. cuDNN's RNN reads the state with no
 * per-call offset, so nothing cheaper is exact.
 *
 * <p>Not thread-safe: the device's lock serializes every use ({@link CudaDevice#call}).
 */
final class CudnnRnn implements AutoCloseable {
  /** {@code CUDNN_RNN_PADDED_IO_ENABLED}, which JCudnn does not define. */
  private static final int PADDED_IO_ENABLED = 1;

  private static final int NOT_SUPPORTED_CATEGORY = 3000;

  private final CudaDevice device;
  private final RnnShape shape;
  private final DType dtype;
  private final MathMode math;
  private final int dataType;
  private final cudnnDropoutDescriptor noDropout = new cudnnDropoutDescriptor();
  // Standard algorithm, no dropout: what the weight space's size and block addresses are asked of.
  private final cudnnRNNDescriptor layout = new cudnnRNNDescriptor();
  private final long weightSpaceBytes;
  private final Map<PlanKey, Plan> plans = new HashMap<>();
  // Plans replaced after cuDNN refused their algorithm at run time: tapes may still hold them.
  private final List<Plan> retired = new ArrayList<>();
  private cudnnDropoutDescriptor dropout;
  private DeviceBuffer dropoutStates;
  private long dropoutSeed;
  private long dropoutOffset;
  // Set once cuDNN has refused a persistent algorithm for this shape.
  private boolean standardOnly;
  private boolean closed;

  CudnnRnn(CudaWorker w, RnnShape shape, DType dtype, MathMode math) {
    this.device = w.device();
    this.shape = shape;
    this.dtype = dtype;
    this.math = math;
    this.dataType =
        dtype == DType.FLOAT64 ? cudnnDataType.CUDNN_DATA_DOUBLE : cudnnDataType.CUDNN_DATA_FLOAT;
    checkCudnn("cudnnCreateDropoutDescriptor", JCudnn.cudnnCreateDropoutDescriptor(noDropout));
    checkCudnn(
        "cudnnSetDropoutDescriptor(p=0)",
        JCudnn.cudnnSetDropoutDescriptor(noDropout, w.cudnn(), 0f, null, 0, 0));
    checkCudnn("cudnnCreateRNNDescriptor", JCudnn.cudnnCreateRNNDescriptor(layout));
    configure(layout, cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD, noDropout);
    this.weightSpaceBytes = weightSpaceBytes(w, layout);
  }

  /** The weight space's size in elements (its bytes are a multiple of the element size). */
  long weightSpaceElements() {
    return weightSpaceBytes / dtype.byteSize();
  }

  /**
   * The algorithm. With TF32 allowed (PyTorch's default) it is PyTorch's choice ({@code get_algo}
   * in ATen's cudnn/RNN.cpp), so that timings compare: projections and variable lengths take the
   * standard algorithm; float32 with a small hidden size on compute capability 6.0 and later takes
   * {@code PERSIST_STATIC_SMALL_H}. Training passes use the backward pass's (smaller) thresholds
   * for their forward too, so that the reserve space is written and read by one algorithm.
   *
   * <p>Strict FP32 always takes the standard algorithm: the persistent small-H kernels evaluate
   * their activations approximately (seen on an H200 with cuDNN 9.19: outputs 3e-6 to 1e-5 and
   * gradients up to 2e-4 from the CPU's, where the standard algorithm stays within 2e-7 and
   * 1.2e-6), which is not what strict FP32 promises.
   */
  static int chooseAlgo(
      RnnShape shape,
      DType dtype,
      MathMode math,
      int computeCapability,
      boolean training,
      boolean variableLengths) {
    if (shape.projSize() > 0
        || variableLengths
        || dtype == DType.FLOAT64
        || math == MathMode.STRICT_FP32
        || computeCapability < 60) {
      return cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
    }
    boolean vanilla = shape.mode() == RnnMode.RNN_TANH || shape.mode() == RnnMode.RNN_RELU;
    int limit = training ? (vanilla ? 256 : 128) : (vanilla ? 384 : 192);
    return shape.hiddenSize() <= limit
        ? cudnnRNNAlgo.CUDNN_RNN_ALGO_PERSIST_STATIC_SMALL_H
        : cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
  }

  /**
   * Where a tensor lies in the weight space (or, the same layout, its gradient): elements from an
   * offset.
   */
  record Region(long offset, long count) {}

  /**
   * Where each parameter, in {@link ParamKey#all} order and PyTorch's layout, lies in a weight
   * space that starts at {@code base}: found with {@code cudnnGetRNNWeightParams}, never computed.
   * PyTorch's {@code (G * H, I)} matrix is cuDNN's G gate blocks of {@code (H, I)}, and a parameter
   * is one region only if cuDNN put its gate blocks one after the other in PyTorch's gate order (i,
   * f, g, o; r, z, n), which is what PyTorch's {@code _cudnn_rnn_flatten_weight} relies on for its
   * views too. That is checked here for every parameter, never assumed.
   *
   * @throws RnnNativeException naming the parameter whose blocks are not consecutive
   */
  List<Region> locate(CudaWorker w, CachingAllocator.Address base) {
    List<Region> regions = new ArrayList<>();
    int gates = shape.mode().gateCount();
    int hidden = shape.hiddenSize();
    for (ParamKey key : ParamKey.all(shape)) {
      int pseudoLayer = key.layer() * shape.numDirections() + key.direction();
      int[] dims = key.shape(shape);
      switch (key.kind()) {
        case WEIGHT_IH, WEIGHT_HH -> {
          int first = key.kind() == ParamKey.Kind.WEIGHT_IH ? 0 : gates;
          regions.add(
              consecutive(w, base, key, pseudoLayer, first, gates, (long) hidden * dims[1], true));
        }
        case BIAS_IH, BIAS_HH -> {
          int first = key.kind() == ParamKey.Kind.BIAS_IH ? 0 : gates;
          regions.add(consecutive(w, base, key, pseudoLayer, first, gates, hidden, false));
        }
        case WEIGHT_HR ->
            regions.add(
                consecutive(
                    w, base, key, pseudoLayer, 2 * gates, 1, (long) dims[0] * dims[1], true));
        default -> throw new AssertionError(key.kind());
      }
    }
    return regions;
  }

  /**
   * The bias blocks of a weight space at {@code base} when the shape has no biases: cuDNN's
   * double-bias mode still has them, and they must stay zero.
   */
  List<Region> unusedBiasSlots(CudaWorker w, CachingAllocator.Address base) {
    List<Region> slots = new ArrayList<>();
    if (shape.bias()) {
      return slots;
    }
    int ids = 2 * shape.mode().gateCount();
    for (int layer = 0; layer < shape.numLayers() * shape.numDirections(); layer++) {
      for (int id = 0; id < ids; id++) {
        long at = block(w, base, layer, id, shape.hiddenSize(), null, false);
        slots.add(new Region(elementOffset(at, base, null), shape.hiddenSize()));
      }
    }
    return slots;
  }

  /** What a plan is built for: everything the descriptors and the algorithm depend on. */
  record PlanKey(
      int steps, int batch, boolean variableLengths, boolean training, boolean dropout) {}

  /**
   * The plan for a pass, built on first use and cached: its RNN descriptor (algorithm, dropout),
   * data and state descriptors, workspace, and the device copy of the lengths, which it sets to
   * {@code lengths} (null for all L) before returning. A training pass with dropout also seeds the
   * dropout state (class comment).
   */
  Plan plan(
      CudaWorker w,
      int steps,
      int batch,
      int[] lengths,
      boolean training,
      boolean dropout,
      long seed,
      long offset,
      long passSeed) {
    checkOpen();
    if (dropout) {
      seedDropout(w, seed, offset, passSeed);
    }
    PlanKey key = new PlanKey(steps, batch, lengths != null, training, dropout);
    Plan plan = plans.get(key);
    if (plan == null) {
      plan =
          new Plan(
              w,
              key,
              standardOnly
                  ? cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD
                  : chooseAlgo(
                      shape, dtype, math, device.computeCapability(), training, lengths != null));
      plans.put(key, plan);
    }
    plan.setLengths(w, lengths);
    return plan;
  }

  /**
   * Queues the forward pass of {@code plan} (whose lengths are set) from {@code x} and the initial
   * states {@code hx}, {@code cx} (null for zeros) into {@code y}, {@code hy}, {@code cy} (null:
   * not written). Outputs at padded steps are left to the caller to zero. Returns the reserve space
   * of a training plan, which the caller owns and hands to {@link #backward}, and null for
   * inference. Takes the plan's replacement instead when cuDNN refuses a persistent algorithm at
   * run time: the returned pass names the plan that ran.
   */
  Pass forward(
      CudaWorker w,
      Plan plan,
      int[] lengths,
      CUdeviceptr x,
      CUdeviceptr hx,
      CUdeviceptr cx,
      CUdeviceptr y,
      CUdeviceptr hy,
      CUdeviceptr cy,
      CUdeviceptr weights) {
    DeviceBuffer reserve =
        plan.key.training ? DeviceBuffer.allocate(device, plan.reserveBytes) : null;
    try {
      int status = plan.runForward(w, x, hx, cx, y, hy, cy, weights, reserve);
      if (status / 1000 * 1000 == NOT_SUPPORTED_CATEGORY
          && plan.algo != cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD) {
        // cuDNN's persistent kernels have limits of their own (shared memory, batch) that PyTorch's
        // heuristic does not know; the standard algorithm computes the same function. The old plan
        // stays
        // whole for the tapes that used it.
        standardOnly = true;
        plans.remove(plan.key);
        retired.add(plan);
        plan = new Plan(w, plan.key, cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD);
        plans.put(plan.key, plan);
        plan.setLengths(w, lengths);
        if (reserve != null) {
          reserve.close();
          reserve = DeviceBuffer.allocate(device, plan.reserveBytes);
        }
        status = plan.runForward(w, x, hx, cx, y, hy, cy, weights, reserve);
      }
      checkCudnn(plan.call("cudnnRNNForward"), status);
      return new Pass(plan, reserve);
    } catch (RuntimeException e) {
      if (reserve != null) {
        reserve.close();
      }
      throw e;
    }
  }

  /**
   * A forward pass that ran: its plan and, for training, its reserve space (owned by the caller).
   */
  record Pass(Plan plan, DeviceBuffer reserve) {}

  /**
   * Queues the backward pass of a training {@link #forward}: the pass's plan (lengths set again by
   * the caller through {@link Plan#setLengths}), reserve space and forward operands, {@code dy}
   * (padded steps zeroed by the caller) and {@code dhy}, {@code dcy} (null for zeros). Writes the
   * input and initial-state gradients into {@code dx}, {@code dhx}, {@code dcx} and <em>adds</em>
   * the weight gradients to {@code dWeights} ({@code CUDNN_WGRAD_MODE_ADD}: PyTorch's {@code .grad}
   * accumulation).
   */
  void backward(
      CudaWorker w,
      Pass pass,
      CUdeviceptr x,
      CUdeviceptr hx,
      CUdeviceptr cx,
      CUdeviceptr y,
      CUdeviceptr dy,
      CUdeviceptr dhy,
      CUdeviceptr dcy,
      CUdeviceptr dx,
      CUdeviceptr dhx,
      CUdeviceptr dcx,
      CUdeviceptr weights,
      CUdeviceptr dWeights) {
    checkOpen();
    Plan p = pass.plan();
    DeviceBuffer reserve = pass.reserve();
    // Backward-data must come first: it updates the reserve space that backward-weights reads.
    checkCudnn(
        p.call("cudnnRNNBackwardData_v8"),
        JCudnn.cudnnRNNBackwardData_v8(
            w.cudnn(),
            p.desc,
            p.devLengths.pointer(),
            p.yDesc,
            y,
            dy,
            p.xDesc,
            dx,
            p.hDesc,
            hx,
            dhy,
            dhx,
            p.cDesc,
            cx,
            dcy,
            dcx,
            weightSpaceBytes,
            weights,
            p.workspace.bytes(),
            p.workspace.pointer(),
            reserve.bytes(),
            reserve.pointer()));
    checkCudnn(
        p.call("cudnnRNNBackwardWeights_v8"),
        JCudnn.cudnnRNNBackwardWeights_v8(
            w.cudnn(),
            p.desc,
            cudnnWgradMode.CUDNN_WGRAD_MODE_ADD,
            p.devLengths.pointer(),
            p.xDesc,
            x,
            p.hDesc,
            hx,
            p.yDesc,
            y,
            weightSpaceBytes,
            dWeights,
            p.workspace.bytes(),
            p.workspace.pointer(),
            reserve.bytes(),
            reserve.pointer()));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Plan p : plans.values()) {
      p.close();
    }
    for (Plan p : retired) {
      p.close();
    }
    plans.clear();
    retired.clear();
    if (dropout != null) {
      checkCudnn("cudnnDestroyDropoutDescriptor", JCudnn.cudnnDestroyDropoutDescriptor(dropout));
      dropoutStates.close();
    }
    checkCudnn("cudnnDestroyRNNDescriptor", JCudnn.cudnnDestroyRNNDescriptor(layout));
    checkCudnn("cudnnDestroyDropoutDescriptor", JCudnn.cudnnDestroyDropoutDescriptor(noDropout));
  }

  @Override
  public String toString() {
    return shape + " " + dtype + " " + math + " on " + device;
  }

  /**
   * The descriptors, algorithm and workspace of one {@link PlanKey}. With variable lengths the data
   * descriptors carry each call's lengths, so {@link #setLengths} sets them again (host calls) and
   * grows the workspace if cuDNN asks for more; with fixed lengths nothing changes after the build.
   */
  final class Plan implements AutoCloseable {
    private final PlanKey key;
    private final int algo;
    private final cudnnRNNDescriptor desc = new cudnnRNNDescriptor();
    private final cudnnRNNDataDescriptor xDesc = new cudnnRNNDataDescriptor();
    private final cudnnRNNDataDescriptor yDesc = new cudnnRNNDataDescriptor();
    private final cudnnTensorDescriptor hDesc = new cudnnTensorDescriptor();
    private final cudnnTensorDescriptor cDesc = new cudnnTensorDescriptor();
    private DeviceBuffer devLengths;
    // JCudnn refuses a null reserve space even where cuDNN ignores it (inference): a word stands
    // in.
    private DeviceBuffer noReserve;
    private DeviceBuffer workspace;
    private long reserveBytes;

    private Plan(CudaWorker w, PlanKey key, int requestedAlgo) {
      this.key = key;
      device.countPlanBuild();
      try {
        this.algo = build(w, requestedAlgo);
      } catch (RuntimeException e) {
        try {
          close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed); // the build's failure is the one to report
        }
        throw e;
      }
    }

    /** Creates and sets the descriptors, allocates the buffers, and returns the algorithm taken. */
    private int build(CudaWorker w, int requestedAlgo) {
      checkCudnn("cudnnCreateRNNDescriptor", JCudnn.cudnnCreateRNNDescriptor(desc));
      checkCudnn("cudnnCreateRNNDataDescriptor", JCudnn.cudnnCreateRNNDataDescriptor(xDesc));
      checkCudnn("cudnnCreateRNNDataDescriptor", JCudnn.cudnnCreateRNNDataDescriptor(yDesc));
      checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(hDesc));
      checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(cDesc));
      cudnnDropoutDescriptor drop = key.dropout ? dropout : noDropout;
      int states = shape.numLayers() * shape.numDirections();
      setState(hDesc, states, key.batch, shape.outputSize());
      setState(cDesc, states, key.batch, shape.hiddenSize());
      setData(filled(key.batch, key.steps));
      int chosen = requestedAlgo;
      configure(desc, chosen, drop);
      long[] work = new long[1];
      long[] reserve = new long[1];
      int status = JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode(), xDesc, work, reserve);
      if (status / 1000 * 1000 == NOT_SUPPORTED_CATEGORY
          && chosen != cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD) {
        // As in forward: a persistent algorithm cuDNN turns down; the standard one computes the
        // same.
        standardOnly = true;
        chosen = cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
        configure(desc, chosen, drop);
        status = JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode(), xDesc, work, reserve);
      }
      checkCudnn(call("cudnnGetRNNTempSpaceSizes", chosen), status);
      long bytes = weightSpaceBytes(w, desc);
      if (bytes != weightSpaceBytes) {
        // One weight space serves every plan, as PyTorch's flat weight serves every algorithm.
        throw new RnnNativeException(
            call("cudnnGetRNNWeightSpaceSize", chosen)
                + " gave "
                + bytes
                + " bytes, where the standard algorithm's weight space has "
                + weightSpaceBytes);
      }
      this.workspace = DeviceBuffer.allocate(device, work[0]);
      this.reserveBytes = key.training ? reserve[0] : 0;
      this.devLengths = DeviceBuffer.allocate(device, 4L * key.batch);
      this.noReserve = DeviceBuffer.allocate(device, 8);
      if (!key.variableLengths) {
        w.upload(filled(key.batch, key.steps), devLengths.pointer());
      }
      return chosen;
    }

    /** The device copy (int32, N) of the lengths last set. */
    CUdeviceptr devLengths() {
      return devLengths.pointer();
    }

    /**
     * Makes the plan describe {@code lengths} (null when all are L; a fixed-length plan takes only
     * null): the data descriptors and the device copy, queued on the stream so that passes already
     * queued keep the lengths they were given.
     */
    void setLengths(CudaWorker w, int[] lengths) {
      if (!key.variableLengths) {
        return;
      }
      setData(lengths);
      w.upload(lengths, devLengths.pointer());
      long[] work = new long[1];
      long[] reserve = new long[1];
      checkCudnn(
          call("cudnnGetRNNTempSpaceSizes"),
          JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode(), xDesc, work, reserve));
      if (work[0] > workspace.bytes()) {
        // Queued passes finish with the old workspace before anyone reuses its block: one stream.
        // The larger one first, so that a failed allocation leaves the plan as it was.
        DeviceBuffer larger = DeviceBuffer.allocate(device, work[0]);
        workspace.close();
        workspace = larger;
      }
      reserveBytes = key.training ? reserve[0] : 0;
    }

    private int runForward(
        CudaWorker w,
        CUdeviceptr x,
        CUdeviceptr hx,
        CUdeviceptr cx,
        CUdeviceptr y,
        CUdeviceptr hy,
        CUdeviceptr cy,
        CUdeviceptr weights,
        DeviceBuffer reserve) {
      DeviceBuffer r = reserve != null ? reserve : noReserve;
      return JCudnn.cudnnRNNForward(
          w.cudnn(),
          desc,
          mode(),
          devLengths.pointer(),
          xDesc,
          x,
          yDesc,
          y,
          hDesc,
          hx,
          hy,
          cDesc,
          cx,
          cy,
          weightSpaceBytes,
          weights,
          workspace.bytes(),
          workspace.pointer(),
          reserve != null ? reserve.bytes() : 0,
          r.pointer());
    }

    private int mode() {
      return key.training
          ? cudnnForwardMode.CUDNN_FWD_MODE_TRAINING
          : cudnnForwardMode.CUDNN_FWD_MODE_INFERENCE;
    }

    private void setData(int[] lengths) {
      int layoutMode = cudnnRNNDataLayout.CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED;
      checkCudnn(
          call("cudnnSetRNNDataDescriptor(x)"),
          JCudnn.cudnnSetRNNDataDescriptor(
              xDesc, dataType, layoutMode, key.steps, key.batch, shape.inputSize(), lengths, null));
      checkCudnn(
          call("cudnnSetRNNDataDescriptor(y)"),
          JCudnn.cudnnSetRNNDataDescriptor(
              yDesc,
              dataType,
              layoutMode,
              key.steps,
              key.batch,
              shape.numDirections() * shape.outputSize(),
              lengths,
              null));
    }

    /** {@code name for LSTM(...) float32 STRICT_FP32 on cuda:0 (L=5, N=3, training, algo 0)}. */
    String call(String name) {
      return call(name, algo);
    }

    private String call(String name, int algoTaken) {
      return name
          + " for "
          + CudnnRnn.this
          + " (L="
          + key.steps
          + ", N="
          + key.batch
          + (key.variableLengths ? ", variable lengths" : "")
          + (key.training ? ", training" : "")
          + (key.dropout ? ", dropout" : "")
          + ", algo "
          + algoTaken
          + ")";
    }

    /** Frees what the plan holds, or what a failed build made of it. */
    @Override
    public void close() {
      for (DeviceBuffer b : new DeviceBuffer[] {workspace, devLengths, noReserve}) {
        if (b != null) {
          b.close();
        }
      }
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(cDesc));
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(hDesc));
      checkCudnn("cudnnDestroyRNNDataDescriptor", JCudnn.cudnnDestroyRNNDataDescriptor(yDesc));
      checkCudnn("cudnnDestroyRNNDataDescriptor", JCudnn.cudnnDestroyRNNDataDescriptor(xDesc));
      checkCudnn("cudnnDestroyRNNDescriptor", JCudnn.cudnnDestroyRNNDescriptor(desc));
    }
  }

  private void seedDropout(CudaWorker w, long seed, long offset, long passSeed) {
    if (dropout == null) {
      long[] size = new long[1];
      checkCudnn("cudnnDropoutGetStatesSize", JCudnn.cudnnDropoutGetStatesSize(w.cudnn(), size));
      dropoutStates = DeviceBuffer.allocate(device, size[0]);
      cudnnDropoutDescriptor d = new cudnnDropoutDescriptor();
      checkCudnn("cudnnCreateDropoutDescriptor", JCudnn.cudnnCreateDropoutDescriptor(d));
      dropout = d;
    } else if (seed == dropoutSeed && offset == dropoutOffset + 1) {
      dropoutOffset =
          offset; // the state continues from the pass before, as the uninterrupted run's did
      return;
    }
    checkCudnn(
        "cudnnSetDropoutDescriptor(p=" + shape.dropout() + ", seed " + seed + ") for " + this,
        JCudnn.cudnnSetDropoutDescriptor(
            dropout,
            w.cudnn(),
            (float) shape.dropout(),
            dropoutStates.pointer(),
            dropoutStates.bytes(),
            offset == 0 ? seed : passSeed));
    dropoutSeed = seed;
    dropoutOffset = offset;
  }

  private void configure(cudnnRNNDescriptor d, int algo, cudnnDropoutDescriptor drop) {
    int cellMode =
        switch (shape.mode()) {
          case RNN_RELU -> cudnnRNNMode.CUDNN_RNN_RELU;
          case RNN_TANH -> cudnnRNNMode.CUDNN_RNN_TANH;
          case LSTM -> cudnnRNNMode.CUDNN_LSTM;
          case GRU -> cudnnRNNMode.CUDNN_GRU;
        };
    int mathType = dtype == DType.FLOAT64 ? cudnnMathType.CUDNN_DEFAULT_MATH : math.cudnnMathType();
    int projSize = shape.projSize() > 0 ? shape.projSize() : shape.hiddenSize();
    checkCudnn(
        "cudnnSetRNNDescriptor_v8(algo " + algo + ") for " + this,
        JCudnn.cudnnSetRNNDescriptor_v8(
            d,
            algo,
            cellMode,
            cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS,
            shape.bidirectional()
                ? cudnnDirectionMode.CUDNN_BIDIRECTIONAL
                : cudnnDirectionMode.CUDNN_UNIDIRECTIONAL,
            cudnnRNNInputMode.CUDNN_LINEAR_INPUT,
            dataType,
            dataType,
            mathType,
            shape.inputSize(),
            shape.hiddenSize(),
            projSize,
            shape.numLayers(),
            drop,
            PADDED_IO_ENABLED));
  }

  private long weightSpaceBytes(CudaWorker w, cudnnRNNDescriptor d) {
    long[] size = new long[1];
    checkCudnn(
        "cudnnGetRNNWeightSpaceSize for " + this,
        JCudnn.cudnnGetRNNWeightSpaceSize(w.cudnn(), d, size));
    return size[0];
  }

  private void setState(cudnnTensorDescriptor d, int states, int batch, int size) {
    checkCudnn(
        "cudnnSetTensorNdDescriptor",
        JCudnn.cudnnSetTensorNdDescriptor(
            d, dataType, 3, new int[] {states, batch, size}, new int[] {batch * size, size, 1}));
  }

  /**
   * The region of {@code count} consecutive blocks (linLayerIDs {@code first ..}), each of {@code
   * block} elements, after checking that cuDNN put block g right after block g - 1.
   */
  private Region consecutive(
      CudaWorker w,
      CachingAllocator.Address base,
      ParamKey key,
      int pseudoLayer,
      int first,
      int count,
      long block,
      boolean matrix) {
    long start = block(w, base, pseudoLayer, first, block, key, matrix);
    long blockBytes = block * dtype.byteSize();
    for (int g = 1; g < count; g++) {
      long at = block(w, base, pseudoLayer, first + g, block, key, matrix);
      if (at != start + g * blockBytes) {
        throw new RnnNativeException(
            String.format(
                "cuDNN's weight space for %s does not hold %s as one region: the %s block of"
                    + " linLayerID %d (pseudo-layer %d) lies at byte %d, expected %d (right after"
                    + " linLayerID %d); rnn4j's parameters are views and cannot follow such a"
                    + " layout",
                this,
                key.name(),
                matrix ? "matrix" : "bias",
                first + g,
                pseudoLayer,
                at - base.value(),
                start + g * blockBytes - base.value(),
                first + g - 1));
      }
    }
    return new Region(elementOffset(start, base, key), block * count);
  }

  private long elementOffset(long address, CachingAllocator.Address base, ParamKey key) {
    long bytes = address - base.value();
    if (bytes < 0 || bytes % dtype.byteSize() != 0 || bytes >= weightSpaceBytes) {
      throw new RnnNativeException(
          String.format(
              "cuDNN placed %s at byte %d of a weight space of %d " + "bytes for %s",
              key == null ? "an unused bias" : key.name(), bytes, weightSpaceBytes, this));
    }
    return bytes / dtype.byteSize();
  }

  /**
   * The address of one matrix or bias block. cuDNN is always asked for both, as PyTorch asks: cuDNN
   * 9 refuses null descriptors ({@code CUDNN_STATUS_BAD_PARAM}).
   */
  private long block(
      CudaWorker w,
      CachingAllocator.Address base,
      int pseudoLayer,
      int id,
      long expected,
      ParamKey key,
      boolean matrix) {
    cudnnTensorDescriptor m = new cudnnTensorDescriptor();
    cudnnTensorDescriptor b = new cudnnTensorDescriptor();
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(m));
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(b));
    try {
      CachingAllocator.Address mAddr = new CachingAllocator.Address();
      CachingAllocator.Address bAddr = new CachingAllocator.Address();
      checkCudnn(
          "cudnnGetRNNWeightParams(pseudo-layer "
              + pseudoLayer
              + ", linLayerID "
              + id
              + ") for "
              + this,
          JCudnn.cudnnGetRNNWeightParams(
              w.cudnn(), layout, pseudoLayer, weightSpaceBytes, base, id, m, mAddr, b, bAddr));
      checkCount(matrix ? m : b, expected, key, pseudoLayer, id);
      return matrix ? mAddr.value() : bAddr.value();
    } finally {
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(b));
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(m));
    }
  }

  private void checkCount(
      cudnnTensorDescriptor d, long expected, ParamKey key, int pseudoLayer, int id) {
    int[] type = new int[1];
    int[] rank = new int[1];
    int[] dims = new int[3];
    int[] strides = new int[3];
    checkCudnn(
        "cudnnGetTensorNdDescriptor",
        JCudnn.cudnnGetTensorNdDescriptor(d, 3, type, rank, dims, strides));
    long count = 1;
    for (int i = 0; i < Math.min(rank[0], 3); i++) {
      count *= dims[i];
    }
    if (count != expected) {
      throw new RnnNativeException(
          String.format(
              "cuDNN's block for %s (pseudo-layer %d, linLayerID %d) has %d "
                  + "elements, expected %d, for %s",
              key == null ? "an unused bias" : key.name(), pseudoLayer, id, count, expected, this));
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(this + " used after close");
    }
  }

  private static int[] filled(int n, int value) {
    int[] a = new int[n];
    Arrays.fill(a, value);
    return a;
  }
}
