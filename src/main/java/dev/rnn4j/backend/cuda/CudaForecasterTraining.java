package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCublas;
import static dev.rnn4j.backend.cuda.NativeCalls.checkDriver;

import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.nn.SequenceModelConfig;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.train.DeviceTraining;
import dev.rnn4j.train.OptimizerConfig;
import dev.rnn4j.train.TrainingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasOperation;

/**
 * A many-to-one forecaster trained entirely on one GPU: the training set, the parameters, their gradients
 * and the optimizer's moments live on the device, and a step's only transfer to the host is its loss.
 *
 * <p>All parameters share one flat buffer: cuDNN's weight space, then the head's weight {@code (out, D *
 * H_out)} and bias {@code (out)}; gradients and optimizer buffers have the same layout. Element-wise work
 * (clipping, the optimizer) then runs over the whole buffer in one launch each. That is the per-parameter
 * arithmetic because the weight space's unused parts stay zero: gradients there are zero (the bias slots of a
 * bias-free stack are zeroed after every backward pass), so moments and updates stay zero too.
 *
 * <p>A step: gather the mini-batch's rows (device-to-device copies), transpose to sequence-major, cuDNN's
 * training forward, gather each sequence's last output, the head ({@code features W^T + b}, cuBLAS), mean
 * squared error and its gradient, the head's backward (cuBLAS, column sums), scatter into the output
 * gradient, cuDNN's backward data and weights, global-norm clipping, the update.
 */
final class CudaForecasterTraining implements DeviceTraining {
  private final CudaDevice device;
  private final TrainingConfig config;
  private final SequenceModelConfig model;
  private final RnnConfig rnnConfig;
  private final DType dtype;
  private final CudnnRnn rnn;
  private final int samples;
  private final int steps;
  private final int features;
  private final int outFeatures;
  private final int width;
  private final long weightSpace;
  private final long headWeightAt;
  private final long headBiasAt;
  private final long total;
  private final List<ParamKey> keys;
  private final DeviceBuffer inputs;
  private final DeviceBuffer targets;
  private final DeviceBuffer params;
  private final DeviceBuffer grads;
  private final List<DeviceBuffer> moments = new ArrayList<>();
  private final DeviceBuffer partials;
  private final DeviceBuffer scalars;
  private final List<CUdeviceptr> unusedBiasGrads;
  private final Map<Integer, StepBuffers> byBatch = new HashMap<>();
  private long step;
  private boolean closed;

  /** The buffers of one mini-batch size (the last batch of an epoch is usually smaller). */
  private static final class StepBuffers implements AutoCloseable {
    final RnnPass pass;
    final DeviceBuffer batchInput;
    final DeviceBuffer batchTarget;
    final DeviceBuffer last;
    final DeviceBuffer prediction;
    final DeviceBuffer dPrediction;
    final DeviceBuffer dLast;

    StepBuffers(RnnPass pass, DeviceBuffer batchInput, DeviceBuffer batchTarget, DeviceBuffer last,
        DeviceBuffer prediction, DeviceBuffer dPrediction, DeviceBuffer dLast) {
      this.pass = pass;
      this.batchInput = batchInput;
      this.batchTarget = batchTarget;
      this.last = last;
      this.prediction = prediction;
      this.dPrediction = dPrediction;
      this.dLast = dLast;
    }

    @Override
    public void close() {
      for (DeviceBuffer b : new DeviceBuffer[] {batchInput, batchTarget, last, prediction, dPrediction, dLast}) {
        b.close();
      }
      pass.close();
    }
  }

  CudaForecasterTraining(CudaBackend backend, TrainingConfig config, StateDict weights,
      StateDict optimizerState, Tensor inputs, Tensor targets) {
    this.device = backend.cudaDevice();
    this.config = config;
    this.model = config.model();
    this.rnnConfig = model.rnn();
    this.keys = ParamKey.all(rnnConfig);
    this.dtype = weights.get("rnn." + keys.get(0).name()).dtype();
    this.samples = inputs.size(0);
    this.steps = inputs.size(1);
    this.features = inputs.size(2);
    this.outFeatures = model.outFeatures();
    this.width = model.headInFeatures();
    CudaWorker w = device.acquire();
    List<AutoCloseable> made = new ArrayList<>();
    try {
      this.rnn = track(made, new CudnnRnn(w, rnnConfig, dtype, backend.mathMode()));
      // The head starts on a 16-byte boundary, which cuBLAS prefers.
      long align = 16 / dtype.byteSize();
      this.weightSpace = (rnn.weightSpaceElements() + align - 1) / align * align;
      this.headWeightAt = weightSpace;
      this.headBiasAt = headWeightAt + (long) outFeatures * width;
      this.total = headBiasAt + (model.headBias() ? outFeatures : 0);
      this.params = track(made, w.zeros(dtype, total));
      this.grads = track(made, w.zeros(dtype, total));
      this.inputs = track(made, Transfers.upload(w, inputs.to(dtype)));
      this.targets = track(made, Transfers.upload(w, targets.to(dtype)));
      this.partials = track(made, w.allocate(DType.FLOAT64, CudaKernels.partialCount(total)));
      // loss (dtype), total norm (dtype), clip coefficient (float64): one float64 slot each.
      this.scalars = track(made, w.zeros(DType.FLOAT64, 3));
      writeParams(w, params, weights, "");
      OptimizerConfig opt = config.optimizer();
      int buffers = switch (opt.type()) {
        case OptimizerConfig.SGD -> opt.momentum() != 0 ? 1 : 0;
        default -> opt.amsgrad() ? 3 : 2;
      };
      List<String> kinds = kinds(opt);
      for (int k = 0; k < buffers; k++) {
        DeviceBuffer m = track(made, w.zeros(dtype, total));
        moments.add(m);
        if (optimizerState.size() > 0) {
          writeParams(w, m, optimizerState, kinds.get(k) + ".");
        }
      }
      this.step = optimizerState.size() == 0 ? 0
          : (long) optimizerState.get("step." + names().get(0)).getFlat(0);
      this.unusedBiasGrads = rnn.unusedBiasSlots(w, grads.pointer());
      w.finishDownloads();
    } catch (RuntimeException e) {
      w.synchronize();
      for (int i = made.size() - 1; i >= 0; i--) {
        try {
          made.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    } finally {
      device.release(w);
    }
  }

  /** The optimizer's buffer kinds, in {@code Optimizer.state()} order. */
  static List<String> kinds(OptimizerConfig opt) {
    if (opt.type().equals(OptimizerConfig.SGD)) {
      return opt.momentum() != 0 ? List.of("momentum_buffer") : List.of();
    }
    return opt.amsgrad() ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("exp_avg", "exp_avg_sq");
  }

  @Override
  public synchronized double step(int[] batch, long dropoutSeed) {
    int n = batch.length;
    CudaWorker w = device.acquire();
    try {
      StepBuffers b = byBatch.computeIfAbsent(n, size -> buffers(w, size));
      long rowBytes = (long) steps * features * dtype.byteSize();
      long targetBytes = (long) outFeatures * dtype.byteSize();
      for (int i = 0; i < n; i++) {
        checkDriver("cuMemcpyDtoDAsync", JCudaDriver.cuMemcpyDtoDAsync(
            b.batchInput.pointer().withByteOffset(i * rowBytes),
            inputs.pointer().withByteOffset(batch[i] * rowBytes), rowBytes, w.stream()));
        checkDriver("cuMemcpyDtoDAsync", JCudaDriver.cuMemcpyDtoDAsync(
            b.batchTarget.pointer().withByteOffset(i * targetBytes),
            targets.pointer().withByteOffset(batch[i] * targetBytes), targetBytes, w.stream()));
      }
      CudaKernels k = device.kernels();
      RnnPass pass = b.pass;
      k.transpose01(w.stream(), dtype, b.batchInput.pointer(), pass.x.pointer(), n, steps, features);
      boolean dropout = dropout();
      rnn.forward(w, params.pointer(), pass, dropout, dropoutSeed);
      k.gatherLast(w.stream(), dtype, pass.y.pointer(), pass.devLengths.pointer(), b.last.pointer(), steps, n,
          width);
      headForward(w, b.last, b.prediction, n);
      long count = (long) n * outFeatures;
      int parts = k.mse(w.stream(), dtype, b.prediction.pointer(), b.batchTarget.pointer(),
          b.dPrediction.pointer(), count, partials.pointer());
      k.mseFinish(w.stream(), dtype, partials.pointer(), parts, count, scalars.pointer());
      headBackward(w, b.last, b.dPrediction, b.dLast, n);
      k.scatterLast(w.stream(), dtype, b.dLast.pointer(), pass.devLengths.pointer(), pass.dy.pointer(), steps, n,
          width);
      w.memsetZero(grads.pointer(), weightSpace * dtype.byteSize());
      rnn.backward(w, params.pointer(), grads.pointer(), unusedBiasGrads, pass, dropout, dropoutSeed);
      if (config.clipNorm() > 0) {
        int p = k.sumSquares(w.stream(), dtype, grads.pointer(), total, partials.pointer());
        CUdeviceptr norm = scalars.pointer().withByteOffset(8);
        CUdeviceptr coef = scalars.pointer().withByteOffset(16);
        k.clipCoefficient(w.stream(), dtype, partials.pointer(), p, config.clipNorm(), norm, coef);
        k.scale(w.stream(), dtype, grads.pointer(), total, coef);
      }
      step++;
      update(w, k);
      double[] loss = new double[1];
      if (dtype == DType.FLOAT32) {
        float[] f = new float[1];
        w.download(scalars.pointer(), f, 0, 1);
        w.finishDownloads();
        loss[0] = f[0];
      } else {
        w.download(scalars.pointer(), loss, 0, 1);
        w.finishDownloads();
      }
      return loss[0];
    } finally {
      device.release(w);
    }
  }

  private void update(CudaWorker w, CudaKernels k) {
    OptimizerConfig opt = config.optimizer();
    switch (opt.type()) {
      case OptimizerConfig.SGD -> k.sgdStep(w.stream(), dtype, params.pointer(), grads.pointer(),
          moments.isEmpty() ? null : moments.get(0).pointer(), total,
          SgdScalars.of(opt.lr(), opt.momentum(), opt.dampening(), opt.weightDecay(), opt.nesterov(), step));
      case OptimizerConfig.ADAM, OptimizerConfig.ADAMW -> k.adamStep(w.stream(), dtype, params.pointer(),
          grads.pointer(), moments.get(0).pointer(), moments.get(1).pointer(),
          opt.amsgrad() ? moments.get(2).pointer() : null, total,
          AdamScalars.of(opt.lr(), opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay(),
              opt.type().equals(OptimizerConfig.ADAMW), step));
      default -> throw new IllegalStateException("no device update for optimizer " + opt.type());
    }
  }

  /** {@code prediction (N, out) = last (N, W) head_weight^T + head_bias}. */
  private void headForward(CudaWorker w, DeviceBuffer last, DeviceBuffer prediction, int n) {
    // Row-major Y = X W^T is column-major Y^T = W^T' X^T: cuBLAS sees W as (W, out) and X as (W, N).
    gemm(w, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, outFeatures, n, width,
        at(params, headWeightAt), width, last.pointer(), width, 0, prediction.pointer(), outFeatures);
    if (model.headBias()) {
      device.kernels().addRowBias(w.stream(), dtype, prediction.pointer(), at(params, headBiasAt), n,
          outFeatures);
    }
  }

  /** The head's gradients into the flat gradient buffer, and {@code dLast (N, W) = dPrediction W}. */
  private void headBackward(CudaWorker w, DeviceBuffer last, DeviceBuffer dPrediction, DeviceBuffer dLast,
      int n) {
    // dW (out, W) = dY^T X: column-major dW^T (W, out) = X^T (W, N) times dY (N, out).
    gemm(w, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_T, width, outFeatures, n,
        last.pointer(), width, dPrediction.pointer(), outFeatures, 0, at(grads, headWeightAt), width);
    if (model.headBias()) {
      device.kernels().sumRows(w.stream(), dtype, dPrediction.pointer(), at(grads, headBiasAt), n, outFeatures);
    }
    // dX (N, W) = dY W: column-major dX^T (W, N) = W^T (W, out) times dY^T (out, N).
    gemm(w, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N, width, n, outFeatures,
        at(params, headWeightAt), width, dPrediction.pointer(), outFeatures, 0, dLast.pointer(), width);
  }

  private void gemm(CudaWorker w, int opA, int opB, int m, int n, int k, CUdeviceptr a, int lda,
      CUdeviceptr b, int ldb, double beta, CUdeviceptr c, int ldc) {
    if (dtype == DType.FLOAT32) {
      checkCublas("cublasSgemm", JCublas2.cublasSgemm(w.cublas(), opA, opB, m, n, k,
          Pointer.to(new float[] {1f}), a, lda, b, ldb, Pointer.to(new float[] {(float) beta}), c, ldc));
    } else {
      checkCublas("cublasDgemm", JCublas2.cublasDgemm(w.cublas(), opA, opB, m, n, k,
          Pointer.to(new double[] {1}), a, lda, b, ldb, Pointer.to(new double[] {beta}), c, ldc));
    }
  }

  /** Whether steps drop between layers, as the host's training mode does. */
  private boolean dropout() {
    return rnnConfig.dropout() > 0 && rnnConfig.numLayers() > 1;
  }

  private StepBuffers buffers(CudaWorker w, int n) {
    RnnPass pass = rnn.prepare(w, steps, n, null, true, false, false, dropout(), config.seed());
    List<DeviceBuffer> made = new ArrayList<>();
    try {
      made.add(w.allocate(dtype, (long) n * steps * features));
      made.add(w.allocate(dtype, (long) n * outFeatures));
      made.add(w.allocate(dtype, (long) n * width));
      made.add(w.allocate(dtype, (long) n * outFeatures));
      made.add(w.allocate(dtype, (long) n * outFeatures));
      made.add(w.allocate(dtype, (long) n * width));
      return new StepBuffers(pass, made.get(0), made.get(1), made.get(2), made.get(3), made.get(4), made.get(5));
    } catch (RuntimeException e) {
      made.forEach(DeviceBuffer::close);
      pass.close();
      throw e;
    }
  }

  @Override
  public synchronized StateDict weights() {
    return read(params);
  }

  @Override
  public synchronized StateDict optimizerState() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (step == 0) {
      return StateDict.of(out);
    }
    List<String> kinds = kinds(config.optimizer());
    List<StateDict> buffers = new ArrayList<>();
    for (int k = 0; k < kinds.size(); k++) {
      buffers.add(read(moments.get(k)));
    }
    for (String name : names()) {
      out.put("step." + name, Tensor.wrap(new double[] {step}));
      for (int k = 0; k < kinds.size(); k++) {
        out.put(kinds.get(k) + "." + name, buffers.get(k).get(name));
      }
    }
    return StateDict.of(out);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    CudaWorker w = device.acquire();
    try {
      w.synchronize();
      byBatch.values().forEach(StepBuffers::close);
      byBatch.clear();
      for (DeviceBuffer b : moments) {
        b.close();
      }
      for (DeviceBuffer b : new DeviceBuffer[] {scalars, partials, targets, inputs, grads, params}) {
        b.close();
      }
      rnn.close();
    } finally {
      device.release(w);
    }
  }

  /** The model's parameter names in state-dict order. */
  private List<String> names() {
    List<String> names = new ArrayList<>();
    keys.forEach(k -> names.add("rnn." + k.name()));
    names.add("head.weight");
    if (model.headBias()) {
      names.add("head.bias");
    }
    return names;
  }

  /** Writes {@code prefix + name} tensors of {@code source} into a flat buffer laid out as the parameters. */
  private void writeParams(CudaWorker w, DeviceBuffer flat, StateDict source, String prefix) {
    List<Tensor> rnnParams = new ArrayList<>();
    keys.forEach(k -> rnnParams.add(source.get(prefix + "rnn." + k.name())));
    rnn.write(w, rnn.locate(w, flat.pointer()), rnnParams);
    Tensor weight = source.get(prefix + "head.weight");
    Transfers.upload(w, weight, dtype, 0, weight.numel(), at(flat, headWeightAt));
    if (model.headBias()) {
      Tensor bias = source.get(prefix + "head.bias");
      Transfers.upload(w, bias, dtype, 0, bias.numel(), at(flat, headBiasAt));
    }
  }

  /** Reads a flat buffer laid out as the parameters back into named tensors. */
  private StateDict read(DeviceBuffer flat) {
    CudaWorker w = device.acquire();
    try {
      List<Transfers.Pending> rnnParams = rnn.read(w, rnn.locate(w, flat.pointer()));
      Transfers.Pending weight = Transfers.download(w, at(flat, headWeightAt), dtype, outFeatures, width);
      Transfers.Pending bias = model.headBias()
          ? Transfers.download(w, at(flat, headBiasAt), dtype, outFeatures) : null;
      w.finishDownloads();
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        out.put("rnn." + keys.get(i).name(), rnnParams.get(i).tensor());
      }
      out.put("head.weight", weight.tensor());
      if (bias != null) {
        out.put("head.bias", bias.tensor());
      }
      return StateDict.of(out);
    } finally {
      device.release(w);
    }
  }

  private CUdeviceptr at(DeviceBuffer flat, long element) {
    return flat.pointer().withByteOffset(element * dtype.byteSize());
  }

  private static <T extends AutoCloseable> T track(List<AutoCloseable> made, T resource) {
    made.add(resource);
    return resource;
  }
}
