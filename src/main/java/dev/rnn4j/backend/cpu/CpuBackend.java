package dev.rnn4j.backend.cpu;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pure-Java backend: the parity reference for every other backend. Matrix products are rnn4j's own,
 * over weights packed once per kernel into one array per row: through the Vector API when the JVM has its
 * module (the command line relaunches itself with {@code --add-modules jdk.incubator.vector}), otherwise
 * through loops the JIT vectorizes; {@link #description()} says which. A call's batch is split into blocks
 * of sequences that run on up to {@link #threads()} threads. Results depend on neither the
 * thread count nor the split: each sequence's arithmetic is the same wherever it runs, and sums over the
 * batch (weight gradients) are taken block by block in a fixed order for a given thread count.
 */
public final class CpuBackend implements Backend {
  private static final CpuBackend DEFAULT = new CpuBackend(Runtime.getRuntime().availableProcessors());
  // One backend, and so one set of worker threads, per thread count for the life of the JVM.
  private static final Map<Integer, CpuBackend> BY_THREADS = new ConcurrentHashMap<>();

  private final Parallel parallel;
  private final FloatMath floatMath = new FloatMath();
  private final DoubleMath doubleMath = new DoubleMath();

  private CpuBackend(int threads) {
    this.parallel = new Parallel(threads);
  }

  /** The backend with one thread per available processor, shared by everyone who asks for the CPU. */
  static CpuBackend shared() {
    return DEFAULT;
  }

  /** The backend that uses at most {@code threads} threads per call (one instance per count). */
  public static CpuBackend withThreads(int threads) {
    checkArgument(threads > 0, "threads must be greater than zero, got %d", threads);
    return threads == DEFAULT.threads() ? DEFAULT : BY_THREADS.computeIfAbsent(threads, CpuBackend::new);
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
    return "cpu (" + threads() + (threads() == 1 ? " thread" : " threads")
        + ", float32 kernels: " + floatMath.path() + ", Java " + Runtime.version().feature() + ")";
  }

  @Override
  public RnnKernel createRnnKernel(RnnConfig config, List<Tensor> parameters) {
    if (parameters.get(0).dtype() == DType.FLOAT32) {
      return new CpuRnnKernel<>(config, floatMath, parameters, parallel);
    }
    return new CpuRnnKernel<>(config, doubleMath, parameters, parallel);
  }

  @Override
  public String toString() {
    return description();
  }
}
