package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.RnnMode;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * The {@link RnnKernel} of the CUDA backend: device storages in and out, cuDNN in between. The
 * parameters and their gradients are views into a cuDNN weight space and a gradient space of the
 * same layout, each allocated once (PyTorch's flattened weights): an optimizer updates them in
 * place and nothing is copied per step. Batch-first tensors are transposed to and from cuDNN's
 * sequence-major layout on the device, as PyTorch does.
 *
 * <p>Every call runs under the device's lock on its one stream ({@link CudaDevice#call}), so calls
 * from several threads take turns. A tape reads the forward's input and initial states when its
 * backward runs: the caller leaves them unchanged (and open) until then, as autograd's saved
 * tensors.
 */
final class CudaRnnKernel implements RnnKernel {
  private final CudaDevice device;
  private final RnnShape shape;
  private final DType dtype;
  private final CudnnRnn rnn;
  private final CudaStorage weights;
  private final CudaStorage grads;
  private final List<Storage> parameters;
  private final List<Storage> gradients;
  private final List<CudnnRnn.Region> unusedBiasSlots;
  private boolean closed;

  CudaRnnKernel(CudaDevice device, MathMode math, RnnShape shape, DType dtype) {
    this.device = device;
    this.shape = shape;
    this.dtype = dtype;
    CudnnRnn[] made = new CudnnRnn[1];
    CudaStorage[] spaces = new CudaStorage[2];
    try {
      device.run(
          w -> {
            made[0] = new CudnnRnn(w, shape, dtype, math);
            long elements = made[0].weightSpaceElements();
            spaces[0] = zeros(w, elements);
            spaces[1] = zeros(w, elements);
          });
      this.rnn = made[0];
      this.weights = spaces[0];
      this.grads = spaces[1];
      List<CudnnRnn.Region> regions = device.call(w -> rnn.locate(w, weightsBase()));
      this.unusedBiasSlots = device.call(w -> rnn.unusedBiasSlots(w, weightsBase()));
      List<Storage> p = new ArrayList<>();
      List<Storage> g = new ArrayList<>();
      for (CudnnRnn.Region r : regions) {
        p.add(weights.view(r.offset(), r.count()));
        g.add(grads.view(r.offset(), r.count()));
      }
      this.parameters = List.copyOf(p);
      this.gradients = List.copyOf(g);
    } catch (RuntimeException e) {
      device.run(
          w -> {
            for (CudaStorage s : spaces) {
              if (s != null) {
                s.close();
              }
            }
            if (made[0] != null) {
              made[0].close();
            }
          });
      throw e;
    }
  }

  @Override
  public RnnShape shape() {
    return shape;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  @Override
  public List<Storage> parameters() {
    checkOpen();
    return parameters;
  }

  @Override
  public List<Storage> gradients() {
    checkOpen();
    return gradients;
  }

  @Override
  public ForwardResult forward(ForwardArgs args) {
    if (dropsOut(args)) {
      // cuDNN drops only in its training mode (the masks live in the reserve space): a training
      // pass whose tape keeps nothing but its results.
      return ((CudaTape) forwardForBackward(args)).releaseResult();
    }
    return device.call(
        w -> {
          checkOpen();
          Inputs in = inputs(w, args);
          List<CudaStorage> made = new ArrayList<>();
          try {
            Outputs out = outputs(w, args, made);
            CudnnRnn.Pass pass = run(w, args, false, in, out);
            CudaStorage output = finishOutput(w, args, pass.plan(), out.y, made);
            if (output != out.y) {
              out.y.close(); // transposed into output; the block is reused only after the transpose
            }
            return new ForwardResult(output, out.hy, out.cy);
          } catch (RuntimeException e) {
            made.forEach(CudaStorage::close);
            throw e;
          } finally {
            in.closeOwned();
          }
        });
  }

  @Override
  public Tape forwardForBackward(ForwardArgs args) {
    return device.call(
        w -> {
          checkOpen();
          Inputs in = inputs(w, args);
          List<CudaStorage> made = new ArrayList<>();
          CudnnRnn.Pass pass = null;
          try {
            Outputs out = outputs(w, args, made);
            pass = run(w, args, true, in, out);
            CudaStorage output = finishOutput(w, args, pass.plan(), out.y, made);
            return new CudaTape(args, in, out.y, pass, new ForwardResult(output, out.hy, out.cy));
          } catch (RuntimeException e) {
            made.forEach(CudaStorage::close);
            in.closeOwned();
            if (pass != null && pass.reserve() != null) {
              pass.reserve().close();
            }
            throw e;
          }
        });
  }

  private boolean dropsOut(ForwardArgs args) {
    return args.dropout() && shape.dropout() > 0 && shape.numLayers() > 1;
  }

  /** cuDNN's forward pass of its plan for {@code args}, in training or inference mode. */
  private CudnnRnn.Pass run(
      CudaWorker w, ForwardArgs args, boolean training, Inputs in, Outputs out) {
    boolean dropout = training && dropsOut(args);
    CudnnRnn.Plan plan =
        rnn.plan(
            w,
            args.steps(),
            args.batch(),
            args.lengths(),
            training,
            dropout,
            args.dropoutSeed(),
            args.dropoutOffset(),
            args.passSeed());
    return rnn.forward(
        w,
        plan,
        args.lengths(),
        in.x.pointer(),
        ptr(in.h0),
        ptr(in.c0),
        out.y.pointer(),
        out.hy.pointer(),
        ptr(out.cy),
        weights.pointer());
  }

  @Override
  public void close() {
    device.run(
        w -> {
          if (!closed) {
            closed = true;
            grads.close();
            weights.close();
            rnn.close();
          }
        });
  }

  /**
   * The forward's operands on the device: x sequence-major (a transposed copy when batch first).
   */
  private final class Inputs {
    final CudaStorage x;
    final boolean ownsX;
    final CudaStorage h0;
    final CudaStorage c0;

    Inputs(CudaStorage x, boolean ownsX, CudaStorage h0, CudaStorage c0) {
      this.x = x;
      this.ownsX = ownsX;
      this.h0 = h0;
      this.c0 = c0;
    }

    void closeOwned() {
      if (ownsX) {
        x.close();
      }
    }
  }

  /** cuDNN's outputs: y sequence-major, h_n, c_n (LSTM only). */
  private record Outputs(CudaStorage y, CudaStorage hy, CudaStorage cy) {}

  private Inputs inputs(CudaWorker w, ForwardArgs args) {
    int steps = args.steps();
    int batch = args.batch();
    CudaStorage input = checked(args.input(), "input", (long) steps * batch * shape.inputSize());
    CudaStorage h0 =
        args.h0() == null ? null : checked(args.h0(), "h0", states(batch, shape.outputSize()));
    CudaStorage c0 = null;
    if (args.c0() != null) {
      if (shape.mode() != RnnMode.LSTM) {
        throw new IllegalArgumentException(shape.mode() + " has no cell state, got c0");
      }
      c0 = checked(args.c0(), "c0", states(batch, shape.hiddenSize()));
    }
    if (!shape.batchFirst()) {
      return new Inputs(input, false, h0, c0);
    }
    CudaStorage x = CudaStorage.allocate(device, dtype, input.numel());
    device
        .kernels()
        .transpose01(
            w.stream(), dtype, input.pointer(), x.pointer(), batch, steps, shape.inputSize());
    return new Inputs(x, true, h0, c0);
  }

  private Outputs outputs(CudaWorker w, ForwardArgs args, List<CudaStorage> made) {
    int batch = args.batch();
    CudaStorage y =
        track(made, CudaStorage.allocate(device, dtype, (long) args.steps() * batch * width()));
    CudaStorage hy =
        track(made, CudaStorage.allocate(device, dtype, states(batch, shape.outputSize())));
    CudaStorage cy =
        shape.mode() == RnnMode.LSTM
            ? track(made, CudaStorage.allocate(device, dtype, states(batch, shape.hiddenSize())))
            : null;
    return new Outputs(y, hy, cy);
  }

  /**
   * Zeroes the padded steps of {@code y} (PyTorch's {@code pad_packed_sequence} leaves zeros there)
   * and returns the output in the caller's layout: {@code y} itself, or a batch-first copy.
   */
  private CudaStorage finishOutput(
      CudaWorker w, ForwardArgs args, CudnnRnn.Plan plan, CudaStorage y, List<CudaStorage> made) {
    if (args.lengths() != null) {
      // The plan's device lengths are this call's: the next call queues its own after this kernel.
      device
          .kernels()
          .maskPadding(
              w.stream(),
              dtype,
              y.pointer(),
              plan.devLengths(),
              args.steps(),
              args.batch(),
              width());
    }
    if (!shape.batchFirst()) {
      return y;
    }
    CudaStorage out = track(made, CudaStorage.allocate(device, dtype, y.numel()));
    device
        .kernels()
        .transpose01(
            w.stream(), dtype, y.pointer(), out.pointer(), args.steps(), args.batch(), width());
    return out;
  }

  private final class CudaTape implements Tape {
    private final ForwardArgs args;
    private final Inputs in;
    private final CudaStorage ySeq;
    private final ForwardResult result;
    private CudnnRnn.Pass pass;
    private boolean backwardDone;
    private boolean tapeClosed;

    CudaTape(
        ForwardArgs args, Inputs in, CudaStorage ySeq, CudnnRnn.Pass pass, ForwardResult result) {
      this.args = args;
      this.in = in;
      this.ySeq = ySeq;
      this.pass = pass;
      this.result = result;
    }

    @Override
    public ForwardResult result() {
      if (tapeClosed) {
        throw new IllegalStateException("tape used after close");
      }
      return result;
    }

    @Override
    public BackwardResult backward(Storage gradOutput, Storage gradHN, Storage gradCN) {
      return device.call(
          w -> {
            checkOpen();
            if (tapeClosed) {
              throw new IllegalStateException("backward called on a closed tape");
            }
            if (backwardDone) {
              throw new IllegalStateException("backward was already called on this tape");
            }
            backwardDone = true;
            int steps = args.steps();
            int batch = args.batch();
            long yNumel = (long) steps * batch * width();
            CudaStorage dOut =
                gradOutput == null ? null : checked(gradOutput, "gradOutput", yNumel);
            CudaStorage dhy =
                gradHN == null
                    ? null
                    : checked(gradHN, "gradHN", states(batch, shape.outputSize()));
            CudaStorage dcy =
                gradCN == null || shape.mode() != RnnMode.LSTM
                    ? null
                    : checked(gradCN, "gradCN", states(batch, shape.hiddenSize()));
            List<CudaStorage> temporaries = new ArrayList<>();
            List<CudaStorage> made = new ArrayList<>();
            try {
              pass.plan().setLengths(w, args.lengths());
              CudaStorage dy = dySequenceMajor(w, dOut, yNumel, temporaries);
              CudaStorage dx =
                  track(
                      shape.batchFirst() ? temporaries : made,
                      CudaStorage.allocate(device, dtype, in.x.numel()));
              CudaStorage dhx =
                  track(
                      made, CudaStorage.allocate(device, dtype, states(batch, shape.outputSize())));
              CudaStorage dcx =
                  shape.mode() == RnnMode.LSTM
                      ? track(
                          made,
                          CudaStorage.allocate(device, dtype, states(batch, shape.hiddenSize())))
                      : null;
              rnn.backward(
                  w,
                  pass,
                  in.x.pointer(),
                  ptr(in.h0),
                  ptr(in.c0),
                  ySeq.pointer(),
                  dy.pointer(),
                  ptr(dhy),
                  ptr(dcy),
                  dx.pointer(),
                  dhx.pointer(),
                  ptr(dcx),
                  weights.pointer(),
                  grads.pointer());
              for (CudnnRnn.Region slot : unusedBiasSlots) {
                w.memsetZero(
                    grads.pointer().withByteOffset(slot.offset() * dtype.byteSize()),
                    slot.count() * dtype.byteSize());
              }
              if (args.lengths() != null) {
                // cuDNN leaves the padded steps of dx undefined; PyTorch's packed path and the CPU
                // give zeros there, and the block may hold an earlier tensor's values.
                device
                    .kernels()
                    .maskPadding(
                        w.stream(),
                        dtype,
                        dx.pointer(),
                        pass.plan().devLengths(),
                        steps,
                        batch,
                        shape.inputSize());
              }
              CudaStorage gradInput = dx;
              if (shape.batchFirst()) {
                gradInput = track(made, CudaStorage.allocate(device, dtype, dx.numel()));
                device
                    .kernels()
                    .transpose01(
                        w.stream(),
                        dtype,
                        dx.pointer(),
                        gradInput.pointer(),
                        steps,
                        batch,
                        shape.inputSize());
              }
              // A tape backpropagates once: what only backward read goes back to the cache now, not
              // at close (the blocks are reused only by work queued after this pass).
              freeForBackward();
              return new BackwardResult(gradInput, dhx, dcx);
            } catch (RuntimeException e) {
              made.forEach(CudaStorage::close);
              throw e;
            } finally {
              temporaries.forEach(CudaStorage::close);
            }
          });
    }

    /**
     * {@code dy} as cuDNN reads it: sequence-major, zero at padded steps. The caller's storage
     * itself when it already is; otherwise a temporary copy, since the caller's must not change.
     */
    private CudaStorage dySequenceMajor(
        CudaWorker w, CudaStorage dOut, long numel, List<CudaStorage> temporaries) {
      if (dOut != null && !shape.batchFirst() && args.lengths() == null) {
        return dOut;
      }
      CudaStorage dy = track(temporaries, CudaStorage.allocate(device, dtype, numel));
      if (dOut == null) {
        w.memsetZero(dy.pointer(), dy.bytes());
        return dy;
      }
      if (shape.batchFirst()) {
        device
            .kernels()
            .transpose01(
                w.stream(),
                dtype,
                dOut.pointer(),
                dy.pointer(),
                args.batch(),
                args.steps(),
                width());
      } else {
        w.copy(dOut.pointer(), dy.pointer(), dy.bytes());
      }
      if (args.lengths() != null) {
        device
            .kernels()
            .maskPadding(
                w.stream(),
                dtype,
                dy.pointer(),
                pass.plan().devLengths(),
                args.steps(),
                args.batch(),
                width());
      }
      return dy;
    }

    /**
     * Frees what only backward reads: the reserve space, the input's copy, the sequence-major
     * output.
     */
    private void freeForBackward() {
      in.closeOwned();
      if (result.output() != ySeq) {
        ySeq.close();
      }
      if (pass.reserve() != null) {
        pass.reserve().close();
      }
    }

    /** Frees what the tape kept for backward and hands its results to the caller. */
    ForwardResult releaseResult() {
      device.run(w -> release(false));
      return result;
    }

    @Override
    public void close() {
      device.run(w -> release(true));
    }

    private void release(boolean results) {
      if (tapeClosed) {
        return;
      }
      tapeClosed = true;
      freeForBackward();
      pass = null;
      if (!results) {
        return;
      }
      result.output().close();
      result.hN().close();
      if (result.cN() != null) {
        result.cN().close();
      }
    }
  }

  private CachingAllocator.Address weightsBase() {
    return weights.base();
  }

  private CudaStorage zeros(CudaWorker w, long numel) {
    CudaStorage s = CudaStorage.allocate(device, dtype, numel);
    w.memsetZero(s.pointer(), s.bytes());
    return s;
  }

  private CudaStorage checked(Storage s, String name, long numel) {
    CudaStorage c = CudaStorage.of(s, device, name);
    if (c.dtype() != dtype) {
      throw new IllegalArgumentException(
          String.format("%s is %s, expected %s for %s", name, c.dtype(), dtype, shape));
    }
    if (c.numel() != numel) {
      throw new IllegalArgumentException(
          String.format("%s has %d elements, expected %d for %s", name, c.numel(), numel, shape));
    }
    return c;
  }

  private long states(int batch, int size) {
    return (long) shape.numLayers() * shape.numDirections() * batch * size;
  }

  private int width() {
    return shape.numDirections() * shape.outputSize();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("RNN kernel for " + shape + " used after close");
    }
  }

  private static CudaStorage track(List<CudaStorage> list, CudaStorage s) {
    list.add(s);
    return s;
  }

  private static CUdeviceptr ptr(CudaStorage s) {
    return s == null ? null : s.pointer();
  }
}
