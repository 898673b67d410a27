package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * The {@link RnnKernel} of the CUDA backend: host tensors in and out, cuDNN in between. The weights live
 * in a cuDNN weight space filled once from PyTorch-layout parameters; each call uploads its inputs through
 * a pinned buffer, runs cuDNN on one worker's stream, and downloads the results. Batch-first tensors are
 * transposed to and from cuDNN's sequence-major layout on the device, as PyTorch does.
 *
 * <p>Calls on one kernel are serialized (they reconfigure its descriptors); different kernels run
 * concurrently on different workers.
 */
final class CudaRnnKernel implements RnnKernel {
  private final CudaDevice device;
  private final RnnConfig config;
  private final DType dtype;
  private final CudnnRnn rnn;
  private final DeviceBuffer weights;
  private final DeviceBuffer grads;
  private final List<CudnnRnn.Segment> gradSegments;
  private final List<CUdeviceptr> unusedBiasGrads;
  private boolean closed;

  CudaRnnKernel(CudaDevice device, MathMode math, RnnConfig config, List<Tensor> parameters) {
    this.device = device;
    this.config = config;
    this.dtype = parameters.get(0).dtype();
    CudaWorker w = device.acquire();
    CudnnRnn r = null;
    DeviceBuffer wb = null;
    DeviceBuffer gb = null;
    try {
      r = new CudnnRnn(w, config, dtype, math);
      wb = w.zeros(dtype, r.weightSpaceElements());
      gb = w.zeros(dtype, r.weightSpaceElements());
      r.write(w, r.locate(w, wb.pointer()), parameters);
      this.gradSegments = r.locate(w, gb.pointer());
      this.unusedBiasGrads = r.unusedBiasSlots(w, gb.pointer());
      w.finishDownloads();
    } catch (RuntimeException e) {
      closeAll(gb, wb);
      if (r != null) {
        r.close();
      }
      throw e;
    } finally {
      device.release(w);
    }
    this.rnn = r;
    this.weights = wb;
    this.grads = gb;
  }

  @Override
  public synchronized ForwardResult forward(ForwardArgs args) {
    CudaWorker w = device.acquire();
    try (RnnPass pass = start(w, args, false)) {
      rnn.forward(w, weights.pointer(), pass, false, 0);
      return download(w, pass);
    } finally {
      device.release(w);
    }
  }

  @Override
  public synchronized Tape forwardForBackward(ForwardArgs args) {
    CudaWorker w = device.acquire();
    RnnPass pass = start(w, args, true);
    try {
      rnn.forward(w, weights.pointer(), pass, args.dropout(), args.dropoutSeed());
      return new CudaTape(pass, download(w, pass), args);
    } catch (RuntimeException e) {
      w.synchronize();
      pass.close();
      throw e;
    } finally {
      device.release(w);
    }
  }

  @Override
  public synchronized ResidentPass resident(ForwardArgs args, Tensor gradOutput) {
    boolean training = gradOutput != null;
    CudaWorker w = device.acquire();
    RnnPass pass;
    DeviceBuffer dOut = null;
    try {
      pass = start(w, args, training);
      if (training) {
        dOut = Transfers.upload(w, gradOutput);
      }
      w.synchronize();
    } finally {
      device.release(w);
    }
    return new Resident(pass, dOut, args);
  }

  /** The weights as they are in the weight space, in {@link dev.rnn4j.nn.ParamKey#all} order. */
  synchronized List<Tensor> parameters() {
    CudaWorker w = device.acquire();
    try {
      return readParameters(w, rnn.locate(w, weights.pointer()));
    } finally {
      device.release(w);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      CudaWorker w = device.acquire();
      try {
        w.synchronize();
        closeAll(grads, weights);
        rnn.close();
      } finally {
        device.release(w);
      }
    }
  }

  /** Prepares a pass for {@code args} and queues the upload of its inputs. */
  private RnnPass start(CudaWorker w, ForwardArgs args, boolean training) {
    Tensor input = args.input();
    int steps = config.batchFirst() ? input.size(1) : input.size(0);
    int batch = config.batchFirst() ? input.size(0) : input.size(1);
    boolean states = args.h0() != null || args.c0() != null;
    RnnPass pass = rnn.prepare(w, steps, batch, args.lengths(), training, states, false,
        training && args.dropout(), args.dropoutSeed());
    try {
      toSequenceMajor(w, input, pass.x, steps, batch);
      if (states) {
        fill(w, args.h0(), pass.hx);
        fill(w, args.c0(), pass.cx);
      }
      return pass;
    } catch (RuntimeException e) {
      w.synchronize();
      pass.close();
      throw e;
    }
  }

  private static void fill(CudaWorker w, Tensor t, DeviceBuffer b) {
    if (b == null) {
      return;
    }
    if (t == null) {
      w.memsetZero(b.pointer(), b.bytes());
    } else {
      Transfers.upload(w, t, b.pointer());
    }
  }

  /** Queues the upload of a (L, N, C) or, batch first, (N, L, C) tensor into {@code x} as (L, N, C). */
  private void toSequenceMajor(CudaWorker w, Tensor t, DeviceBuffer x, int steps, int batch) {
    if (!config.batchFirst()) {
      Transfers.upload(w, t, x.pointer());
      return;
    }
    try (DeviceBuffer staged = Transfers.upload(w, t)) {
      device.kernels().transpose01(w.stream(), dtype, staged.pointer(), x.pointer(), batch, steps, t.size(2));
      // The transposed copy must exist before the staged one is freed.
      w.synchronize();
    }
  }

  /** Queues the download of a (L, N, C) buffer in the caller's layout. */
  private Transfers.Pending fromSequenceMajor(CudaWorker w, DeviceBuffer b, int steps, int batch, int width,
      List<DeviceBuffer> temporaries) {
    if (!config.batchFirst()) {
      return Transfers.download(w, b.pointer(), dtype, steps, batch, width);
    }
    DeviceBuffer t = w.allocate(dtype, (long) steps * batch * width);
    temporaries.add(t);
    device.kernels().transpose01(w.stream(), dtype, b.pointer(), t.pointer(), steps, batch, width);
    return Transfers.download(w, t.pointer(), dtype, batch, steps, width);
  }

  private ForwardResult download(CudaWorker w, RnnPass pass) {
    List<DeviceBuffer> temporaries = new ArrayList<>();
    try {
      int width = config.numDirections() * config.outputSize();
      int states = config.numLayers() * config.numDirections();
      Transfers.Pending out = fromSequenceMajor(w, pass.y, pass.steps, pass.batch, width, temporaries);
      Transfers.Pending h = Transfers.download(w, pass.hy.pointer(), dtype, states, pass.batch,
          config.outputSize());
      Transfers.Pending c = pass.cy == null ? null
          : Transfers.download(w, pass.cy.pointer(), dtype, states, pass.batch, config.hiddenSize());
      w.finishDownloads();
      return new ForwardResult(out.tensor(), h.tensor(), c == null ? null : c.tensor());
    } finally {
      temporaries.forEach(DeviceBuffer::close);
    }
  }

  /** Downloads the parameter-shaped tensors that {@code segments} locate. */
  private List<Tensor> readParameters(CudaWorker w, List<CudnnRnn.Segment> segments) {
    List<Transfers.Pending> pending = rnn.read(w, segments);
    w.finishDownloads();
    return pending.stream().map(Transfers.Pending::tensor).toList();
  }

  private static void closeAll(DeviceBuffer... buffers) {
    for (DeviceBuffer b : buffers) {
      if (b != null) {
        b.close();
      }
    }
  }

  private final class CudaTape implements Tape {
    private final ForwardResult result;
    private final ForwardArgs args;
    private RnnPass pass;

    CudaTape(RnnPass pass, ForwardResult result, ForwardArgs args) {
      this.pass = pass;
      this.result = result;
      this.args = args;
    }

    @Override
    public ForwardResult result() {
      return result;
    }

    @Override
    public BackwardResult backward(Tensor gradOutput, Tensor gradHN, Tensor gradCN) {
      synchronized (CudaRnnKernel.this) {
        if (pass == null) {
          throw new IllegalStateException("backward was already called on this tape");
        }
        CudaWorker w = device.acquire();
        List<DeviceBuffer> temporaries = new ArrayList<>();
        try (RnnPass p = pass) {
          pass = null;
          if (gradOutput == null) {
            w.memsetZero(p.dy.pointer(), p.dy.bytes());
          } else {
            toSequenceMajor(w, gradOutput, p.dy, p.steps, p.batch);
          }
          if (gradHN != null || gradCN != null) {
            int states = config.numLayers() * config.numDirections();
            p.dhy = w.allocate(dtype, (long) states * p.batch * config.outputSize());
            fill(w, gradHN, p.dhy);
            if (p.cy != null) {
              p.dcy = w.allocate(dtype, (long) states * p.batch * config.hiddenSize());
              fill(w, gradCN, p.dcy);
            }
          }
          w.memsetZero(grads.pointer(), grads.bytes());
          rnn.backward(w, weights.pointer(), grads.pointer(), unusedBiasGrads, p, args.dropout(),
              args.dropoutSeed());
          int states = config.numLayers() * config.numDirections();
          Transfers.Pending dx = fromSequenceMajor(w, p.dx, p.steps, p.batch, config.inputSize(), temporaries);
          Transfers.Pending dh = Transfers.download(w, p.dhx.pointer(), dtype, states, p.batch,
              config.outputSize());
          Transfers.Pending dc = p.dcx == null ? null
              : Transfers.download(w, p.dcx.pointer(), dtype, states, p.batch, config.hiddenSize());
          List<Tensor> paramGrads = readParameters(w, gradSegments);
          return new BackwardResult(dx.tensor(), dh.tensor(), dc == null ? null : dc.tensor(), paramGrads);
        } finally {
          w.synchronize();
          temporaries.forEach(DeviceBuffer::close);
          device.release(w);
        }
      }
    }
  }

  /**
   * The benchmark pass: inputs uploaded once; each run transposes the input as PyTorch does for batch-first
   * modules, runs cuDNN (forward, or forward and both backward calls with the all-ones output gradient), and
   * transposes the output (or the input gradient) back, all on the device.
   */
  private final class Resident implements ResidentPass {
    private final RnnPass pass;
    private final DeviceBuffer dOut;
    private final DeviceBuffer input;
    private final DeviceBuffer back;
    private final ForwardArgs args;

    Resident(RnnPass pass, DeviceBuffer dOut, ForwardArgs args) {
      this.pass = pass;
      this.dOut = dOut;
      this.args = args;
      CudaWorker w = device.acquire();
      try {
        // Keep the caller's layout on the device, so that every run pays the transposes PyTorch pays.
        this.input = config.batchFirst() ? w.allocate(dtype, pass.x.bytes() / dtype.byteSize()) : null;
        if (input != null) {
          device.kernels().transpose01(w.stream(), dtype, pass.x.pointer(), input.pointer(), pass.steps,
              pass.batch, config.inputSize());
        }
        long outBytes = dOut != null ? pass.dx.bytes() : pass.y.bytes();
        this.back = config.batchFirst() ? w.allocate(dtype, outBytes / dtype.byteSize()) : null;
        w.synchronize();
      } finally {
        device.release(w);
      }
    }

    @Override
    public void run() {
      synchronized (CudaRnnKernel.this) {
        CudaWorker w = device.acquire();
        try {
          int width = config.numDirections() * config.outputSize();
          if (input != null) {
            device.kernels().transpose01(w.stream(), dtype, input.pointer(), pass.x.pointer(), pass.batch,
                pass.steps, config.inputSize());
          }
          rnn.forward(w, weights.pointer(), pass, args.dropout(), args.dropoutSeed());
          if (dOut == null) {
            if (back != null) {
              device.kernels().transpose01(w.stream(), dtype, pass.y.pointer(), back.pointer(), pass.steps,
                  pass.batch, width);
            }
          } else {
            if (config.batchFirst()) {
              device.kernels().transpose01(w.stream(), dtype, dOut.pointer(), pass.dy.pointer(), pass.batch,
                  pass.steps, width);
            } else {
              NativeCalls.checkDriver("cuMemcpyDtoDAsync", JCudaDriver.cuMemcpyDtoDAsync(
                  pass.dy.pointer(), dOut.pointer(), dOut.bytes(), w.stream()));
            }
            w.memsetZero(grads.pointer(), grads.bytes());
            rnn.backward(w, weights.pointer(), grads.pointer(), unusedBiasGrads, pass, args.dropout(),
                args.dropoutSeed());
            if (back != null) {
              device.kernels().transpose01(w.stream(), dtype, pass.dx.pointer(), back.pointer(), pass.steps,
                  pass.batch, config.inputSize());
            }
          }
          w.synchronize();
        } finally {
          device.release(w);
        }
      }
    }

    @Override
    public void close() {
      synchronized (CudaRnnKernel.this) {
        CudaWorker w = device.acquire();
        try {
          w.synchronize();
          closeAll(input, back, dOut);
          pass.close();
        } finally {
          device.release(w);
        }
      }
    }
  }
}
