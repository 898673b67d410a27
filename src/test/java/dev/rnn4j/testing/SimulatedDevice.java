package dev.rnn4j.testing;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.Backends;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.SgdScalars;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for a GPU in builds without one: a {@link Backend} whose device is {@code cuda:7} and
 * whose storages are host arrays that only this backend can read, computing with the CPU backend's
 * operations. What it checks is everything around the device: that modules, tapes, losses and the
 * trainer keep data on the device, copy only where they say, close what they make (a storage used
 * after close fails, and live blocks are counted), and give the CPU's numbers. {@link #get()}
 * registers it with {@link Backends#register}.
 */
public final class SimulatedDevice implements Backend {
  public static final Device DEVICE = Device.cuda(7);
  private static final SimulatedDevice INSTANCE = new SimulatedDevice();

  private final Backend cpu = Backends.cpu();
  private final AtomicLong liveBlocks = new AtomicLong();
  private final AtomicLong liveBytes = new AtomicLong();
  private final AtomicLong allocations = new AtomicLong();
  private final AtomicLong uploads = new AtomicLong();
  private final AtomicLong downloads = new AtomicLong();
  private final AtomicLong planBuilds = new AtomicLong();

  private SimulatedDevice() {}

  /** The simulated device's backend, registered for {@link #DEVICE}. */
  public static SimulatedDevice get() {
    Backends.register(INSTANCE);
    return INSTANCE;
  }

  /** Memory on the simulated device: a host array no host code may touch directly. */
  private final class SimStorage implements Storage {
    private final HostStorage host;
    private final boolean owner;
    private volatile boolean closed;

    SimStorage(HostStorage host, boolean owner) {
      this.host = host;
      this.owner = owner;
      if (owner) {
        liveBlocks.incrementAndGet();
        liveBytes.addAndGet(host.numel() * host.dtype().byteSize());
      }
    }

    HostStorage host() {
      if (closed) {
        throw new IllegalStateException("simulated device storage used after close");
      }
      return host;
    }

    @Override
    public Device device() {
      return DEVICE;
    }

    @Override
    public DType dtype() {
      return host.dtype();
    }

    @Override
    public long numel() {
      return host.numel();
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public void close() {
      if (owner && !closed) {
        closed = true;
        liveBlocks.decrementAndGet();
        liveBytes.addAndGet(-host.numel() * host.dtype().byteSize());
      }
    }
  }

  private SimStorage owned(Storage cpuResult) {
    return new SimStorage((HostStorage) cpuResult, true);
  }

  private HostStorage h(Storage s) {
    if (s == null) {
      return null;
    }
    if (!(s instanceof SimStorage sim)) {
      throw new IllegalArgumentException(
          "the simulated device computes on its own storages, got one on " + s.device());
    }
    return sim.host();
  }

  @Override
  public Device device() {
    return DEVICE;
  }

  @Override
  public String description() {
    return "cuda:7 (simulated on the CPU, for tests)";
  }

  @Override
  public BackendStats stats() {
    return new BackendStats(
        liveBlocks.get(),
        liveBytes.get(),
        allocations.get(),
        0,
        0,
        uploads.get(),
        downloads.get(),
        planBuilds.get());
  }

  @Override
  public void synchronize() {}

  @Override
  public Storage allocate(DType dtype, long numel) {
    allocations.incrementAndGet();
    return new SimStorage(HostStorage.zeros(dtype, (int) numel), true);
  }

  @Override
  public Storage upload(HostStorage source) {
    uploads.incrementAndGet();
    HostStorage copy = HostStorage.zeros(source.dtype(), (int) source.numel());
    cpu.upload(source, copy);
    return new SimStorage(copy, true);
  }

  @Override
  public void upload(HostStorage source, Storage into) {
    uploads.incrementAndGet();
    cpu.upload(source, h(into));
  }

  @Override
  public void download(Storage source, HostStorage into) {
    downloads.incrementAndGet();
    cpu.download(h(source), into);
  }

  @Override
  public void copy(Storage source, Storage into) {
    cpu.copy(h(source), h(into));
  }

  @Override
  public void fillInPlace(Storage x, double value) {
    cpu.fillInPlace(h(x), value);
  }

  @Override
  public void scaleInPlace(Storage x, double alpha) {
    cpu.scaleInPlace(h(x), alpha);
  }

  @Override
  public void addInPlace(Storage into, Storage x) {
    cpu.addInPlace(h(into), h(x));
  }

  @Override
  public void transpose01(Storage in, Storage out, int a, int b, int c) {
    cpu.transpose01(h(in), h(out), a, b, c);
  }

  @Override
  public void gatherRows(Storage source, int width, int[] rows, Storage out) {
    cpu.gatherRows(h(source), width, rows, h(out));
  }

  @Override
  public void scatterRows(Storage source, int width, int[] rows, Storage into) {
    cpu.scatterRows(h(source), width, rows, h(into));
  }

  @Override
  public void splitDirection(Storage y, int rows, int hOut, int direction, Storage out) {
    cpu.splitDirection(h(y), rows, hOut, direction, h(out));
  }

  @Override
  public RnnKernel createRnnKernel(RnnShape shape, DType dtype) {
    planBuilds.incrementAndGet();
    RnnKernel inner = cpu.createRnnKernel(shape, dtype);
    List<Storage> parameters = new ArrayList<>();
    inner.parameters().forEach(p -> parameters.add(new SimStorage((HostStorage) p, false)));
    List<Storage> gradients = new ArrayList<>();
    inner.gradients().forEach(g -> gradients.add(new SimStorage((HostStorage) g, false)));
    return new RnnKernel() {
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
        return parameters;
      }

      @Override
      public List<Storage> gradients() {
        return gradients;
      }

      @Override
      public ForwardResult forward(ForwardArgs args) {
        ForwardResult r = inner.forward(onHost(args));
        return new ForwardResult(
            owned(r.output()), owned(r.hN()), r.cN() == null ? null : owned(r.cN()));
      }

      @Override
      public Tape forwardForBackward(ForwardArgs args) {
        Tape tape = inner.forwardForBackward(onHost(args));
        ForwardResult r = tape.result();
        ForwardResult result =
            new ForwardResult(
                owned(r.output()), owned(r.hN()), r.cN() == null ? null : owned(r.cN()));
        return new Tape() {
          @Override
          public ForwardResult result() {
            return result;
          }

          @Override
          public BackwardResult backward(Storage gradOutput, Storage gradHN, Storage gradCN) {
            // What cuDNN's backward reads again: the input and the initial states must still be
            // open.
            onHost(args);
            BackwardResult g = tape.backward(h(gradOutput), h(gradHN), h(gradCN));
            return new BackwardResult(
                owned(g.gradInput()),
                owned(g.gradH0()),
                g.gradC0() == null ? null : owned(g.gradC0()));
          }

          @Override
          public void close() {
            tape.close();
            result.output().close();
            result.hN().close();
            if (result.cN() != null) {
              result.cN().close();
            }
          }
        };
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  private RnnKernel.ForwardArgs onHost(RnnKernel.ForwardArgs a) {
    return new RnnKernel.ForwardArgs(
        h(a.input()),
        a.steps(),
        a.batch(),
        h(a.h0()),
        h(a.c0()),
        a.lengths(),
        a.dropout(),
        a.dropoutSeed(),
        a.dropoutOffset());
  }

  @Override
  public Storage linear(Storage x, Storage weight, Storage bias, int rows, int in, int out) {
    return owned(cpu.linear(h(x), h(weight), h(bias), rows, in, out));
  }

  @Override
  public Storage linearBackward(
      Storage x,
      Storage weight,
      Storage dy,
      int rows,
      int in,
      int out,
      Storage weightGrad,
      Storage biasGrad) {
    return owned(
        cpu.linearBackward(h(x), h(weight), h(dy), rows, in, out, h(weightGrad), h(biasGrad)));
  }

  @Override
  public Storage mseLoss(Storage prediction, Storage target, Storage gradInto) {
    return owned(cpu.mseLoss(h(prediction), h(target), h(gradInto)));
  }

  @Override
  public Storage crossEntropyLoss(Storage logits, long[] target, int n, int c, Storage gradInto) {
    return owned(cpu.crossEntropyLoss(h(logits), target, n, c, h(gradInto)));
  }

  @Override
  public Storage clipGradNorm(List<Storage> grads, double maxNorm) {
    List<Storage> hosts = new ArrayList<>();
    grads.forEach(g -> hosts.add(h(g)));
    return owned(cpu.clipGradNorm(hosts, maxNorm));
  }

  @Override
  public void sgdStep(Storage param, Storage grad, Storage momentumBuffer, SgdScalars scalars) {
    cpu.sgdStep(h(param), h(grad), h(momentumBuffer), scalars);
  }

  @Override
  public void adamStep(
      Storage param,
      Storage grad,
      Storage expAvg,
      Storage expAvgSq,
      Storage maxExpAvgSq,
      AdamScalars scalars) {
    cpu.adamStep(h(param), h(grad), h(expAvg), h(expAvgSq), h(maxExpAvgSq), scalars);
  }

  @Override
  public String toString() {
    return description();
  }
}
