package dev.rnn4j.backend.cpu;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.BackendStats;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.backend.SgdScalars;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pure-Java backend: the parity reference for every other backend. Matrix products are rnn4j's
 * own, over weights packed once per kernel into one array per row: through the Vector API when the
 * JVM has its module (the command line relaunches itself with {@code --add-modules
 * jdk.incubator.vector}), otherwise through loops the JIT vectorizes; {@link #description()} says
 * which. A call's batch is split into blocks of sequences that run on up to {@link #threads()}
 * threads. Outputs and input gradients depend on neither the thread count nor the split: each
 * sequence's arithmetic is the same wherever it runs. Weight gradients, sums over the batch, are
 * taken block by block in a fixed order: the same bits for a given thread count, not across counts.
 */
public final class CpuBackend implements Backend {
  private static final CpuBackend DEFAULT =
      new CpuBackend(Runtime.getRuntime().availableProcessors());
  // One backend, and so one set of worker threads, per thread count for the life of the JVM.
  private static final Map<Integer, CpuBackend> BY_THREADS = new ConcurrentHashMap<>();

  private final Parallel parallel;
  private final FloatMath floatMath = new FloatMath();
  private final DoubleMath doubleMath = new DoubleMath();
  private final AtomicLong liveBlocks = new AtomicLong();
  private final AtomicLong liveBytes = new AtomicLong();
  private final AtomicLong allocations = new AtomicLong();
  private final AtomicLong uploads = new AtomicLong();
  private final AtomicLong downloads = new AtomicLong();
  private final AtomicLong planBuilds = new AtomicLong();

  private CpuBackend(int threads) {
    this.parallel = new Parallel(threads);
  }

  /**
   * The backend with one thread per available processor, shared by everyone who asks for the CPU.
   */
  static CpuBackend shared() {
    return DEFAULT;
  }

  /** The backend that uses at most {@code threads} threads per call (one instance per count). */
  public static CpuBackend withThreads(int threads) {
    checkArgument(threads > 0, "threads must be greater than zero, got %d", threads);
    return threads == DEFAULT.threads()
        ? DEFAULT
        : BY_THREADS.computeIfAbsent(threads, CpuBackend::new);
  }

  /** The most threads one call uses. */
  public int threads() {
    return parallel.threads();
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public String description() {
    return "cpu ("
        + threads()
        + (threads() == 1 ? " thread" : " threads")
        + ", float32 kernels: "
        + floatMath.path()
        + ", Java "
        + Runtime.version().feature()
        + ")";
  }

  @Override
  public BackendStats stats() {
    return new BackendStats(
        liveBlocks.get(),
        liveBytes.get(),
        allocations.get(),
        floatMath.pool().hits() + doubleMath.pool().hits(),
        floatMath.pool().idleBytes() + doubleMath.pool().idleBytes(),
        uploads.get(),
        downloads.get(),
        planBuilds.get());
  }

  /**
   * Leaves the scratch arrays this backend keeps between RNN calls to the garbage collector, as
   * {@code torch.cuda.empty_cache()} gives cached blocks back; the next call allocates them again.
   */
  public void emptyCache() {
    floatMath.pool().clear();
    doubleMath.pool().clear();
  }

  @Override
  public void synchronize() {
    // Every CPU operation has finished when it returns.
  }

  /** A zero-filled host storage counted as this backend's until it is closed. */
  HostStorage allocateHost(DType dtype, long numel) {
    checkArgument(
        numel >= 0 && numel <= Integer.MAX_VALUE,
        "a CPU storage holds at most %d elements, got %d",
        Integer.MAX_VALUE,
        numel);
    long bytes = numel * dtype.byteSize();
    allocations.incrementAndGet();
    liveBlocks.incrementAndGet();
    liveBytes.addAndGet(bytes);
    return HostStorage.tracked(
        dtype,
        (int) numel,
        () -> {
          liveBlocks.decrementAndGet();
          liveBytes.addAndGet(-bytes);
        });
  }

  @Override
  public Storage allocate(DType dtype, long numel) {
    return allocateHost(dtype, numel);
  }

  @Override
  public Storage upload(HostStorage source) {
    checkArgument(!source.isClosed(), "upload of a closed storage");
    uploads.incrementAndGet();
    HostStorage copy = allocateHost(source.dtype(), source.numel());
    CpuOps.copy(source, copy);
    return copy;
  }

  @Override
  public void upload(HostStorage source, Storage into) {
    checkAgree("upload", source, into);
    uploads.incrementAndGet();
    CpuOps.copy(source, host(into));
  }

  @Override
  public void download(Storage source, HostStorage into) {
    checkAgree("download", source, into);
    downloads.incrementAndGet();
    CpuOps.copy(host(source), into);
  }

  @Override
  public void copy(Storage source, Storage into) {
    checkAgree("copy", source, into);
    CpuOps.copy(host(source), host(into));
  }

  @Override
  public void fillInPlace(Storage x, double value) {
    CpuOps.fill(host(x), value);
  }

  @Override
  public void scaleInPlace(Storage x, double alpha) {
    CpuOps.scale(host(x), alpha);
  }

  @Override
  public void addInPlace(Storage into, Storage x) {
    CpuOps.add(host(into), host(x));
  }

  @Override
  public void transpose01(Storage in, Storage out, int a, int b, int c) {
    CpuOps.transpose01(host(in), host(out), a, b, c);
  }

  @Override
  public void gatherRows(Storage source, int width, int[] rows, Storage out) {
    CpuOps.gatherRows(host(source), width, rows, host(out));
  }

  @Override
  public void scatterRows(Storage source, int width, int[] rows, Storage into) {
    CpuOps.scatterRows(host(source), width, rows, host(into));
  }

  @Override
  public void splitDirection(Storage y, int rows, int hOut, int direction, Storage out) {
    CpuOps.splitDirection(host(y), rows, hOut, direction, host(out));
  }

  @Override
  public RnnKernel createRnnKernel(RnnShape shape, DType dtype) {
    planBuilds.incrementAndGet();
    if (dtype == DType.FLOAT32) {
      return new CpuRnnKernel<>(shape, dtype, floatMath, parallel, this);
    }
    return new CpuRnnKernel<>(shape, dtype, doubleMath, parallel, this);
  }

  @Override
  public Storage linear(Storage x, Storage weight, Storage bias, int rows, int in, int out) {
    return CpuOps.linear(host(x), host(weight), bias == null ? null : host(bias), rows, in, out);
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
    return CpuOps.linearBackward(
        host(x),
        host(weight),
        host(dy),
        rows,
        in,
        out,
        host(weightGrad),
        biasGrad == null ? null : host(biasGrad));
  }

  @Override
  public Storage mseLoss(Storage prediction, Storage target, Storage gradInto) {
    return CpuOps.mseLoss(host(prediction), host(target), host(gradInto));
  }

  @Override
  public Storage crossEntropyLoss(Storage logits, long[] target, int n, int c, Storage gradInto) {
    return CpuOps.crossEntropyLoss(host(logits), target, n, c, host(gradInto));
  }

  @Override
  public Storage clipGradNorm(List<Storage> grads, double maxNorm) {
    List<HostStorage> hosts = new ArrayList<>();
    grads.forEach(g -> hosts.add(host(g)));
    return CpuOps.clipGradNorm(hosts, maxNorm);
  }

  @Override
  public void sgdStep(Storage param, Storage grad, Storage momentumBuffer, SgdScalars scalars) {
    CpuOps.sgdStep(
        host(param), host(grad), momentumBuffer == null ? null : host(momentumBuffer), scalars);
  }

  @Override
  public void adamStep(
      Storage param,
      Storage grad,
      Storage expAvg,
      Storage expAvgSq,
      Storage maxExpAvgSq,
      AdamScalars scalars) {
    CpuOps.adamStep(
        host(param),
        host(grad),
        host(expAvg),
        host(expAvgSq),
        maxExpAvgSq == null ? null : host(maxExpAvgSq),
        scalars);
  }

  private static void checkAgree(String op, Storage source, Storage into) {
    checkArgument(
        source.dtype() == into.dtype() && source.numel() == into.numel(),
        "%s needs storages of one dtype and size, got %d %s elements into %d %s elements",
        op,
        source.numel(),
        source.dtype(),
        into.numel(),
        into.dtype());
  }

  private static HostStorage host(Storage s) {
    if (!(s instanceof HostStorage h)) {
      throw new IllegalArgumentException(
          "the CPU backend computes on host storages, got one on " + s.device());
    }
    return h;
  }

  @Override
  public String toString() {
    return description();
  }
}
