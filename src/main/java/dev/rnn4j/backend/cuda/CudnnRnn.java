package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCudnn;

import dev.rnn4j.backend.RnnNativeException;
import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.RnnMode;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jcuda.Pointer;
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
 * One recurrent configuration on cuDNN's v8 RNN API: its descriptors, the map between PyTorch's named
 * parameters and cuDNN's opaque weight space, and the forward and backward passes on device buffers.
 *
 * <p>Layouts: {@code x} is {@code (L, N, H_in)} and {@code y} is {@code (L, N, D * H_out)}, sequence-major
 * ({@code CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED} with padded I/O, as PyTorch calls cuDNN); states are
 * {@code (D * num_layers, N, H_out)} and, for LSTM, {@code (D * num_layers, N, H_cell)}. The bias mode is
 * always {@code CUDNN_RNN_DOUBLE_BIAS}, as in PyTorch: without biases the slots stay zero, and their
 * gradients are zeroed after every backward pass so that nothing ever moves them.
 *
 * <p>Not thread-safe: the owner serializes calls (the descriptors are reconfigured per call).
 */
final class CudnnRnn implements AutoCloseable {
  /** {@code CUDNN_RNN_PADDED_IO_ENABLED}, which JCudnn does not define. */
  private static final int PADDED_IO_ENABLED = 1;
  private static final int NOT_SUPPORTED_CATEGORY = 3000;

  private final CudaDevice device;
  private final RnnConfig config;
  private final DType dtype;
  private final MathMode math;
  private final int dataType;
  private final cudnnRNNDescriptor desc = new cudnnRNNDescriptor();
  private final cudnnDropoutDescriptor noDropout = new cudnnDropoutDescriptor();
  private final cudnnRNNDataDescriptor xDesc = new cudnnRNNDataDescriptor();
  private final cudnnRNNDataDescriptor yDesc = new cudnnRNNDataDescriptor();
  private final cudnnTensorDescriptor hDesc = new cudnnTensorDescriptor();
  private final cudnnTensorDescriptor cDesc = new cudnnTensorDescriptor();
  private final long weightSpaceBytes;
  private int configuredAlgo = -1;
  private cudnnDropoutDescriptor configuredDropout;
  // Set once cuDNN has refused a persistent algorithm for this configuration.
  private boolean standardOnly;
  // The pass whose shapes and lengths the data and state descriptors currently describe.
  private RnnPass dataFor;
  private boolean closed;

  CudnnRnn(CudaWorker w, RnnConfig config, DType dtype, MathMode math) {
    this.device = w.device();
    this.config = config;
    this.dtype = dtype;
    this.math = math;
    this.dataType = dtype == DType.FLOAT64 ? cudnnDataType.CUDNN_DATA_DOUBLE : cudnnDataType.CUDNN_DATA_FLOAT;
    checkCudnn("cudnnCreateDropoutDescriptor", JCudnn.cudnnCreateDropoutDescriptor(noDropout));
    checkCudnn("cudnnSetDropoutDescriptor(p=0)",
        JCudnn.cudnnSetDropoutDescriptor(noDropout, w.cudnn(), 0f, null, 0, 0));
    checkCudnn("cudnnCreateRNNDescriptor", JCudnn.cudnnCreateRNNDescriptor(desc));
    checkCudnn("cudnnCreateRNNDataDescriptor", JCudnn.cudnnCreateRNNDataDescriptor(xDesc));
    checkCudnn("cudnnCreateRNNDataDescriptor", JCudnn.cudnnCreateRNNDataDescriptor(yDesc));
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(hDesc));
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(cDesc));
    configure(w, cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD, noDropout);
    long[] size = new long[1];
    checkCudnn("cudnnGetRNNWeightSpaceSize", JCudnn.cudnnGetRNNWeightSpaceSize(w.cudnn(), desc, size));
    this.weightSpaceBytes = size[0];
  }

  RnnConfig config() {
    return config;
  }

  DType dtype() {
    return dtype;
  }

  /** The weight space's size in bytes (a multiple of the element size). */
  long weightSpaceBytes() {
    return weightSpaceBytes;
  }

  /** The weight space's size in elements. */
  long weightSpaceElements() {
    return weightSpaceBytes / dtype.byteSize();
  }

  /**
   * The algorithm. With TF32 allowed (PyTorch's default) it is PyTorch's choice ({@code get_algo} in ATen's
   * cudnn/RNN.cpp), so that timings compare: projections and variable lengths take the standard
   * algorithm; float32 with a small hidden size on compute capability 6.0 and later takes
   * {@code PERSIST_STATIC_SMALL_H}. Training passes use the backward pass's (smaller) thresholds for their
   * forward too, so that the reserve space is written and read by one algorithm.
   *
   * <p>Strict FP32 always takes the standard algorithm: the persistent small-H kernels evaluate their
   * activations approximately (seen on an H200 with cuDNN 9.19: outputs 3e-6 to 1e-5 and gradients up to
   * 2e-4 from the CPU's, where the standard algorithm stays within 2e-7 and 1.2e-6), which is not what
   * strict FP32 promises.
   */
  static int chooseAlgo(RnnConfig config, DType dtype, MathMode math, int computeCapability,
      boolean training, boolean variableLengths) {
    if (config.projSize() > 0 || variableLengths || dtype == DType.FLOAT64 || math == MathMode.STRICT_FP32
        || computeCapability < 60) {
      return cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
    }
    boolean vanilla = config.mode() == RnnMode.RNN_TANH || config.mode() == RnnMode.RNN_RELU;
    int limit = training ? (vanilla ? 256 : 128) : (vanilla ? 384 : 192);
    return config.hiddenSize() <= limit
        ? cudnnRNNAlgo.CUDNN_RNN_ALGO_PERSIST_STATIC_SMALL_H
        : cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
  }

  /** Where one parameter's block lies: {@code count} elements from {@code offset} in the flat tensor. */
  record Segment(int param, long offset, long count, CUdeviceptr at) {}

  /**
   * The blocks of every parameter in a weight space (or its gradient) that starts at {@code base}, found
   * with {@code cudnnGetRNNWeightParams}: the layout is cuDNN's own and is never computed here. Parameter
   * indices follow {@link ParamKey#all}.
   */
  List<Segment> locate(CudaWorker w, CUdeviceptr base) {
    List<ParamKey> keys = ParamKey.all(config);
    List<Segment> segments = new ArrayList<>();
    int gates = config.mode().gateCount();
    int hidden = config.hiddenSize();
    for (int i = 0; i < keys.size(); i++) {
      ParamKey key = keys.get(i);
      int pseudoLayer = key.layer() * config.numDirections() + key.direction();
      int[] shape = key.shape(config);
      switch (key.kind()) {
        case WEIGHT_IH, WEIGHT_HH -> {
          int first = key.kind() == ParamKey.Kind.WEIGHT_IH ? 0 : gates;
          long block = (long) hidden * shape[1];
          for (int g = 0; g < gates; g++) {
            segments.add(new Segment(i, g * block, block, matrix(w, base, pseudoLayer, first + g, block, key)));
          }
        }
        case BIAS_IH, BIAS_HH -> {
          int first = key.kind() == ParamKey.Kind.BIAS_IH ? 0 : gates;
          for (int g = 0; g < gates; g++) {
            segments.add(new Segment(i, (long) g * hidden, hidden, bias(w, base, pseudoLayer, first + g, hidden,
                key)));
          }
        }
        case WEIGHT_HR -> {
          long count = (long) shape[0] * shape[1];
          segments.add(new Segment(i, 0, count, matrix(w, base, pseudoLayer, 2 * gates, count, key)));
        }
        default -> throw new AssertionError(key.kind());
      }
    }
    return segments;
  }

  /**
   * Queues the upload of PyTorch-layout parameters, in {@link ParamKey#all} order and converted to this
   * configuration's dtype, into the blocks that {@code segments} locate.
   */
  void write(CudaWorker w, List<Segment> segments, List<Tensor> parameters) {
    // Each tensor's values are taken out once, not once per gate block.
    Object[] values = new Object[parameters.size()];
    for (Segment s : segments) {
      int i = s.param();
      if (values[i] == null) {
        Tensor t = parameters.get(i).to(dtype);
        values[i] = dtype == DType.FLOAT32 ? t.toFloatArray() : t.toDoubleArray();
      }
      if (values[i] instanceof float[] f) {
        w.upload(f, (int) s.offset(), (int) s.count(), s.at());
      } else {
        w.upload((double[]) values[i], (int) s.offset(), (int) s.count(), s.at());
      }
    }
  }

  /**
   * Queues the download of the blocks that {@code segments} locate into PyTorch-layout parameters, in
   * {@link ParamKey#all} order; they hold the values after the worker's {@link CudaWorker#finishDownloads()}.
   */
  List<Transfers.Pending> read(CudaWorker w, List<Segment> segments) {
    List<Transfers.Pending> out = new ArrayList<>();
    for (ParamKey key : ParamKey.all(config)) {
      out.add(Transfers.Pending.of(dtype, key.shape(config)));
    }
    for (Segment s : segments) {
      out.get(s.param()).fill(w, s.at(), (int) s.offset(), (int) s.count());
    }
    return out;
  }

  /**
   * The bias blocks of a weight space at {@code base} when the configuration has no biases: cuDNN's
   * double-bias mode still has them, and they must stay zero.
   */
  List<CUdeviceptr> unusedBiasSlots(CudaWorker w, CUdeviceptr base) {
    List<CUdeviceptr> slots = new ArrayList<>();
    if (config.bias()) {
      return slots;
    }
    int ids = 2 * config.mode().gateCount();
    for (int layer = 0; layer < config.numLayers() * config.numDirections(); layer++) {
      for (int id = 0; id < ids; id++) {
        slots.add(bias(w, base, layer, id, config.hiddenSize(), null));
      }
    }
    return slots;
  }

  /**
   * Allocates the buffers of a pass of {@code steps} x {@code batch}: input, output, states, the device copy
   * of the lengths, the workspace, and for training the reserve space and every gradient buffer. The
   * caller fills {@code x} (and {@code hx}/{@code cx}, {@code dy}/{@code dhy}/{@code dcy}, allocated here
   * when {@code withInitialStates}/{@code withStateGrads} say so; otherwise they stay null for zeros), then
   * runs {@link #forward} and {@link #backward} on the pass as often as it likes.
   *
   * @param lengths N lengths in [1, L], or null when all are L
   * @param dropout whether the passes will drop between layers (training mode, positive dropout)
   */
  RnnPass prepare(CudaWorker w, int steps, int batch, int[] lengths, boolean training,
      boolean withInitialStates, boolean withStateGrads, boolean dropout, long dropoutSeed) {
    RnnPass pass = new RnnPass(steps, batch, lengths, training);
    boolean ok = false;
    try {
      int[] all = lengths != null ? lengths : filled(batch, steps);
      pass.devLengths = DeviceBuffer.allocate(device, 4L * batch);
      w.upload(all, pass.devLengths.pointer());
      int algo = standardOnly ? cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD
          : chooseAlgo(config, dtype, math, device.computeCapability(), training, lengths != null);
      // The reserve space holds the dropout masks too: size it with the descriptor the passes will use.
      cudnnDropoutDescriptor drop = dropout ? w.dropout((float) config.dropout(), dropoutSeed) : noDropout;
      configure(w, algo, drop);
      setData(pass);
      long[] work = new long[1];
      long[] reserve = new long[1];
      int mode = training ? cudnnForwardMode.CUDNN_FWD_MODE_TRAINING : cudnnForwardMode.CUDNN_FWD_MODE_INFERENCE;
      int status = JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode, xDesc, work, reserve);
      if (status / 1000 * 1000 == NOT_SUPPORTED_CATEGORY && algo != cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD) {
        // cuDNN's persistent kernels have limits of their own (shared memory, batch) that PyTorch's
        // heuristic does not know; the standard algorithm computes the same function.
        standardOnly = true;
        algo = cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
        configure(w, algo, drop);
        status = JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode, xDesc, work, reserve);
      }
      pass.algo = algo;
      checkCudnn(call("cudnnGetRNNTempSpaceSizes", pass), status);
      pass.workspace = DeviceBuffer.allocate(device, work[0]);
      pass.reserveBytes = training ? reserve[0] : 0;
      // JCudnn refuses a null reserve space even where cuDNN ignores it (inference): a word stands in.
      pass.reserve = DeviceBuffer.allocate(device, pass.reserveBytes);
      long width = (long) config.numDirections() * config.outputSize();
      long hStates = stateElements(batch, config.outputSize());
      long cStates = stateElements(batch, config.hiddenSize());
      pass.x = w.allocate(dtype, (long) steps * batch * config.inputSize());
      pass.y = w.allocate(dtype, (long) steps * batch * width);
      pass.hy = w.allocate(dtype, hStates);
      pass.cy = lstm() ? w.allocate(dtype, cStates) : null;
      if (withInitialStates) {
        pass.hx = w.allocate(dtype, hStates);
        pass.cx = lstm() ? w.allocate(dtype, cStates) : null;
      }
      if (training) {
        pass.dy = w.allocate(dtype, (long) steps * batch * width);
        pass.dx = w.allocate(dtype, (long) steps * batch * config.inputSize());
        pass.dhx = w.allocate(dtype, hStates);
        pass.dcx = lstm() ? w.allocate(dtype, cStates) : null;
        if (withStateGrads) {
          pass.dhy = w.allocate(dtype, hStates);
          pass.dcy = lstm() ? w.allocate(dtype, cStates) : null;
        }
      }
      ok = true;
      return pass;
    } finally {
      if (!ok) {
        pass.close();
      }
    }
  }

  /**
   * Queues the forward pass on {@code pass.x} (and {@code hx}, {@code cx} when present), writing
   * {@code y}, {@code hy}, {@code cy}; outputs at padded steps are zero, as {@code pad_packed_sequence}
   * leaves them.
   */
  void forward(CudaWorker w, CUdeviceptr weights, RnnPass pass, boolean dropout, long dropoutSeed) {
    cudnnDropoutDescriptor drop = dropout ? w.dropout((float) config.dropout(), dropoutSeed) : noDropout;
    configure(w, pass.algo, drop);
    setData(pass);
    int status = runForward(w, weights, pass);
    if (status / 1000 * 1000 == NOT_SUPPORTED_CATEGORY && pass.algo != cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD) {
      // As in prepare: a persistent algorithm cuDNN turns down at run time; the pass moves to the standard
      // one, with the workspace and reserve sizes that one needs.
      standardOnly = true;
      pass.algo = cudnnRNNAlgo.CUDNN_RNN_ALGO_STANDARD;
      configure(w, pass.algo, drop);
      resize(w, pass);
      status = runForward(w, weights, pass);
    }
    checkCudnn(call("cudnnRNNForward", pass), status);
    if (pass.lengths != null) {
      device.kernels().maskPadding(w.stream(), dtype, pass.y.pointer(), pass.devLengths.pointer(), pass.steps,
          pass.batch, config.numDirections() * config.outputSize());
    }
  }

  private int runForward(CudaWorker w, CUdeviceptr weights, RnnPass pass) {
    int mode = pass.training ? cudnnForwardMode.CUDNN_FWD_MODE_TRAINING : cudnnForwardMode.CUDNN_FWD_MODE_INFERENCE;
    return JCudnn.cudnnRNNForward(w.cudnn(), desc, mode, pass.devLengths.pointer(), xDesc, pass.x.pointer(),
        yDesc, pass.y.pointer(), hDesc, ptr(pass.hx), pass.hy.pointer(), cDesc, ptr(pass.cx), ptr(pass.cy),
        weightSpaceBytes, weights, pass.workspace.bytes(), pass.workspace.pointer(), pass.reserveBytes,
        ptr(pass.reserve));
  }

  /** Reallocates a pass's workspace and reserve space for its (changed) algorithm. */
  private void resize(CudaWorker w, RnnPass pass) {
    long[] work = new long[1];
    long[] reserve = new long[1];
    int mode = pass.training ? cudnnForwardMode.CUDNN_FWD_MODE_TRAINING : cudnnForwardMode.CUDNN_FWD_MODE_INFERENCE;
    checkCudnn(call("cudnnGetRNNTempSpaceSizes", pass),
        JCudnn.cudnnGetRNNTempSpaceSizes(w.cudnn(), desc, mode, xDesc, work, reserve));
    w.synchronize();
    pass.workspace.close();
    pass.workspace = DeviceBuffer.allocate(device, work[0]);
    pass.reserveBytes = pass.training ? reserve[0] : 0;
    pass.reserve.close();
    pass.reserve = DeviceBuffer.allocate(device, pass.reserveBytes);
  }

  /**
   * Queues the backward pass of a training {@link #forward} on the same pass: gradients of the input and
   * the initial states into {@code dx}, {@code dhx}, {@code dcx}, and weight gradients <em>added</em> to
   * {@code dWeights} (zero it first for plain gradients). Reads {@code dy} (its padded steps are ignored)
   * and {@code dhy}/{@code dcy} when present. The bias slots in {@code unusedBiasGrads} are zeroed after.
   */
  void backward(CudaWorker w, CUdeviceptr weights, CUdeviceptr dWeights, List<CUdeviceptr> unusedBiasGrads,
      RnnPass pass, boolean dropout, long dropoutSeed) {
    if (!pass.training) {
      throw new IllegalStateException("backward needs a pass prepared for training");
    }
    configure(w, pass.algo, dropout ? w.dropout((float) config.dropout(), dropoutSeed) : noDropout);
    setData(pass);
    if (pass.lengths != null) {
      device.kernels().maskPadding(w.stream(), dtype, pass.dy.pointer(), pass.devLengths.pointer(), pass.steps,
          pass.batch, config.numDirections() * config.outputSize());
    }
    // Backward-data must come first: it updates the reserve space that backward-weights reads.
    checkCudnn(call("cudnnRNNBackwardData_v8", pass), JCudnn.cudnnRNNBackwardData_v8(w.cudnn(), desc,
        pass.devLengths.pointer(), yDesc, pass.y.pointer(), pass.dy.pointer(), xDesc, pass.dx.pointer(), hDesc,
        ptr(pass.hx), ptr(pass.dhy), pass.dhx.pointer(), cDesc, ptr(pass.cx), ptr(pass.dcy), ptr(pass.dcx),
        weightSpaceBytes, weights, pass.workspace.bytes(), pass.workspace.pointer(), pass.reserveBytes,
        ptr(pass.reserve)));
    checkCudnn(call("cudnnRNNBackwardWeights_v8", pass), JCudnn.cudnnRNNBackwardWeights_v8(w.cudnn(), desc,
        cudnnWgradMode.CUDNN_WGRAD_MODE_ADD, pass.devLengths.pointer(), xDesc, pass.x.pointer(), hDesc,
        ptr(pass.hx), yDesc, pass.y.pointer(), weightSpaceBytes, dWeights, pass.workspace.bytes(),
        pass.workspace.pointer(), pass.reserveBytes, ptr(pass.reserve)));
    long biasBytes = (long) config.hiddenSize() * dtype.byteSize();
    for (CUdeviceptr slot : unusedBiasGrads) {
      w.memsetZero(slot, biasBytes);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(cDesc));
    checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(hDesc));
    checkCudnn("cudnnDestroyRNNDataDescriptor", JCudnn.cudnnDestroyRNNDataDescriptor(yDesc));
    checkCudnn("cudnnDestroyRNNDataDescriptor", JCudnn.cudnnDestroyRNNDataDescriptor(xDesc));
    checkCudnn("cudnnDestroyRNNDescriptor", JCudnn.cudnnDestroyRNNDescriptor(desc));
    checkCudnn("cudnnDestroyDropoutDescriptor", JCudnn.cudnnDestroyDropoutDescriptor(noDropout));
  }

  @Override
  public String toString() {
    return config + " " + dtype + " " + math + " on " + device;
  }

  private void configure(CudaWorker w, int algo, cudnnDropoutDescriptor dropout) {
    if (algo == configuredAlgo && dropout == configuredDropout && dropout == noDropout) {
      return;
    }
    int cellMode = switch (config.mode()) {
      case RNN_RELU -> cudnnRNNMode.CUDNN_RNN_RELU;
      case RNN_TANH -> cudnnRNNMode.CUDNN_RNN_TANH;
      case LSTM -> cudnnRNNMode.CUDNN_LSTM;
      case GRU -> cudnnRNNMode.CUDNN_GRU;
    };
    int mathType = dtype == DType.FLOAT64 ? cudnnMathType.CUDNN_DEFAULT_MATH : math.cudnnMathType();
    int projSize = config.projSize() > 0 ? config.projSize() : config.hiddenSize();
    checkCudnn("cudnnSetRNNDescriptor_v8 for " + this, JCudnn.cudnnSetRNNDescriptor_v8(desc, algo, cellMode,
        cudnnRNNBiasMode.CUDNN_RNN_DOUBLE_BIAS,
        config.bidirectional() ? cudnnDirectionMode.CUDNN_BIDIRECTIONAL : cudnnDirectionMode.CUDNN_UNIDIRECTIONAL,
        cudnnRNNInputMode.CUDNN_LINEAR_INPUT, dataType, dataType, mathType, config.inputSize(),
        config.hiddenSize(), projSize, config.numLayers(), dropout, PADDED_IO_ENABLED));
    configuredAlgo = algo;
    configuredDropout = dropout;
  }

  private void setData(RnnPass pass) {
    if (pass == dataFor) {
      return;
    }
    dataFor = pass;
    int[] all = pass.lengths != null ? pass.lengths : filled(pass.batch, pass.steps);
    int layout = cudnnRNNDataLayout.CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED;
    checkCudnn("cudnnSetRNNDataDescriptor(x)", JCudnn.cudnnSetRNNDataDescriptor(xDesc, dataType, layout,
        pass.steps, pass.batch, config.inputSize(), all, null));
    checkCudnn("cudnnSetRNNDataDescriptor(y)", JCudnn.cudnnSetRNNDataDescriptor(yDesc, dataType, layout,
        pass.steps, pass.batch, config.numDirections() * config.outputSize(), all, null));
    int states = config.numLayers() * config.numDirections();
    setState(hDesc, states, pass.batch, config.outputSize());
    setState(cDesc, states, pass.batch, config.hiddenSize());
  }

  private void setState(cudnnTensorDescriptor d, int states, int batch, int size) {
    checkCudnn("cudnnSetTensorNdDescriptor", JCudnn.cudnnSetTensorNdDescriptor(d, dataType, 3,
        new int[] {states, batch, size}, new int[] {batch * size, size, 1}));
  }

  private CUdeviceptr matrix(CudaWorker w, CUdeviceptr base, int pseudoLayer, int id, long expected,
      ParamKey key) {
    return block(w, base, pseudoLayer, id, expected, key, true);
  }

  private CUdeviceptr bias(CudaWorker w, CUdeviceptr base, int pseudoLayer, int id, long expected,
      ParamKey key) {
    return block(w, base, pseudoLayer, id, expected, key, false);
  }

  /**
   * The address of one matrix or bias block. cuDNN is always asked for both, as PyTorch asks: cuDNN 9
   * refuses null descriptors ({@code CUDNN_STATUS_BAD_PARAM}).
   */
  private CUdeviceptr block(CudaWorker w, CUdeviceptr base, int pseudoLayer, int id, long expected,
      ParamKey key, boolean matrix) {
    cudnnTensorDescriptor m = new cudnnTensorDescriptor();
    cudnnTensorDescriptor b = new cudnnTensorDescriptor();
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(m));
    checkCudnn("cudnnCreateTensorDescriptor", JCudnn.cudnnCreateTensorDescriptor(b));
    try {
      CUdeviceptr mAddr = new CUdeviceptr();
      CUdeviceptr bAddr = new CUdeviceptr();
      checkCudnn("cudnnGetRNNWeightParams(pseudo-layer " + pseudoLayer + ", linLayerID " + id + ") for " + this,
          JCudnn.cudnnGetRNNWeightParams(w.cudnn(), desc, pseudoLayer, weightSpaceBytes, base, id, m, mAddr, b,
              bAddr));
      checkCount(matrix ? m : b, expected, key, pseudoLayer, id);
      return matrix ? mAddr : bAddr;
    } finally {
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(b));
      checkCudnn("cudnnDestroyTensorDescriptor", JCudnn.cudnnDestroyTensorDescriptor(m));
    }
  }

  private void checkCount(cudnnTensorDescriptor d, long expected, ParamKey key, int pseudoLayer, int id) {
    int[] type = new int[1];
    int[] rank = new int[1];
    int[] dims = new int[3];
    int[] strides = new int[3];
    checkCudnn("cudnnGetTensorNdDescriptor", JCudnn.cudnnGetTensorNdDescriptor(d, 3, type, rank, dims, strides));
    long count = 1;
    for (int i = 0; i < Math.min(rank[0], 3); i++) {
      count *= dims[i];
    }
    if (count != expected) {
      throw new RnnNativeException(String.format("cuDNN's block for %s (pseudo-layer %d, linLayerID %d) has %d "
          + "elements, expected %d", key == null ? "an unused bias" : key.name(), pseudoLayer, id, count,
          expected));
    }
  }

  private long stateElements(int batch, int size) {
    return (long) config.numLayers() * config.numDirections() * batch * size;
  }

  private boolean lstm() {
    return config.mode() == RnnMode.LSTM;
  }

  private String call(String name, RnnPass pass) {
    return name + " for " + this + " (L=" + pass.steps + ", N=" + pass.batch + ", algo " + pass.algo + ")";
  }

  private static Pointer ptr(DeviceBuffer b) {
    return b == null ? null : b.pointer();
  }

  private static int[] filled(int n, int value) {
    int[] a = new int[n];
    Arrays.fill(a, value);
    return a;
  }
}
