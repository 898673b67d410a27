package dev.rnn4j.backend.cuda;

import static dev.rnn4j.backend.cuda.NativeCalls.checkCublas;
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
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasOperation;

/**
 * The CUDA backend: recurrent layers on cuDNN, rnn4j's own kernels for data movement, losses and
 * optimizer arithmetic, cuBLAS for linear layers. Obtain it through {@link
 * dev.rnn4j.backend.Backends#select} ({@code cuda}, {@code cuda:N}, or {@code auto}), which first
 * checks that the driver, cuDNN 9 and cuBLAS load; or, with a math mode of your choice, through
 * {@link #open(int, MathMode)}.
 *
 * <p>Storages come from the device's caching allocator (freed blocks are kept for reuse, as in
 * PyTorch; {@link #emptyCache()} gives them back to the driver). Every operation is queued on the
 * device's one stream and returns at once; {@link #download} waits. Backends of one device (other
 * math modes) share its allocator, stream and counters.
 *
 * <p>Float32 recurrent math follows PyTorch's {@code torch.backends.cudnn.allow_tf32}: TF32 is
 * allowed unless the system property {@code rnn4j.cuda.allowTf32=false} or {@link
 * MathMode#STRICT_FP32} says otherwise. Linear layers never use TF32 (cuBLAS's default math,
 * PyTorch's default for matmul).
 */
public final class CudaBackend implements Backend {
  private final CudaDevice device;
  private final MathMode math;

  private CudaBackend(CudaDevice device, MathMode math) {
    this.device = device;
    this.math = math;
  }

  /**
   * The backend of CUDA device {@code ordinal} with the given float32 math.
   *
   * @throws dev.rnn4j.backend.BackendUnavailableException when CUDA cannot be used here (the reason
   *     says why)
   * @throws IllegalArgumentException when there is no such device
   */
  public static CudaBackend open(int ordinal, MathMode math) {
    CudaLibraries.require();
    int count = CudaDevice.count();
    if (ordinal >= count) {
      throw new IllegalArgumentException(
          String.format(
              "CUDA device index out of range: expected 0 <= index < %d, got %d", count, ordinal));
    }
    return new CudaBackend(CudaDevice.get(ordinal), math);
  }

  /** This backend with another float32 math mode, on the same device. */
  public CudaBackend withMathMode(MathMode mode) {
    return new CudaBackend(device, mode);
  }

  public MathMode mathMode() {
    return math;
  }

  @Override
  public Device device() {
    return device.asDevice();
  }

  @Override
  public String description() {
    return String.format(
        "cuda:%d (%s, compute capability %d.%d, %s, %s)",
        device.ordinal(),
        device.name(),
        device.computeCapability() / 10,
        device.computeCapability() % 10,
        CudaLibraries.versions(),
        math == MathMode.TF32_ALLOWED ? "TF32 allowed" : "strict FP32");
  }

  /** The device's counters since it was opened: its allocator's, its transfers', its RNN plans'. */
  @Override
  public BackendStats stats() {
    CachingAllocator a = device.allocator();
    return new BackendStats(
        a.liveBlocks(),
        a.liveBytes(),
        a.driverAllocations(),
        a.cacheHits(),
        a.cachedBytes(),
        device.uploads(),
        device.downloads(),
        device.planBuilds());
  }

  /**
   * The driver's free memory plus the blocks the caching allocator keeps for reuse, which it gives
   * back to the driver when an allocation would otherwise fail.
   */
  @Override
  public OptionalLong memoryAvailable() {
    return OptionalLong.of(device.freeMemory() + device.allocator().cachedBytes());
  }

  /** Waits until everything queued on the device's stream has run (every backend of the device). */
  @Override
  public void synchronize() {
    device.run(CudaWorker::synchronize);
  }

  /**
   * Gives every cached free block back to the driver ({@code torch.cuda.empty_cache()}), after the
   * work queued so far has run; storages in use stay.
   */
  public void emptyCache() {
    device.emptyCache();
  }

  /**
   * Device blocks handed out by rnn4j and not yet returned, over every open device (leak checks
   * read it).
   */
  public static int liveAllocations() {
    return CudaDevice.liveAllocationsOfAll();
  }

  /**
   * Releases every open device (cached memory, stream and handles, kernel modules, primary
   * contexts). Call it when the JVM is done with CUDA, after every storage and kernel has been
   * closed.
   *
   * @throws IllegalStateException when device memory is still handed out
   */
  public static void shutdown() {
    CudaDevice.closeAll();
  }

  // ---- memory and transfers ----

  @Override
  public Storage allocate(DType dtype, long numel) {
    Objects.requireNonNull(dtype, "dtype");
    checkArgument(numel >= 0, "numel must be >= 0, got %s", numel);
    return device.call(
        w -> {
          CudaStorage s = CudaStorage.allocate(device, dtype, numel);
          w.memsetZero(s.pointer(), s.bytes());
          return s;
        });
  }

  @Override
  public Storage upload(HostStorage source) {
    Objects.requireNonNull(source, "source");
    return device.call(
        w -> {
          CudaStorage s = CudaStorage.allocate(device, source.dtype(), source.numel());
          try {
            queueUpload(w, source, s);
            return s;
          } catch (RuntimeException e) {
            s.close();
            throw e;
          }
        });
  }

  @Override
  public void upload(HostStorage source, Storage into) {
    Objects.requireNonNull(source, "source");
    device.run(
        w -> {
          CudaStorage d = storage(into, "into");
          checkArgument(
              d.dtype() == source.dtype() && d.numel() == source.numel(),
              "upload of %s %s elements into %s: dtype and size must agree",
              source.numel(),
              source.dtype(),
              d);
          queueUpload(w, source, d);
        });
  }

  /** Queues the copy through the worker's pinned staging buffer; the host array is read at once. */
  private void queueUpload(CudaWorker w, HostStorage source, CudaStorage into) {
    int n = (int) source.numel();
    if (source.dtype() == DType.FLOAT32) {
      w.upload(source.floats(), 0, n, into.pointer());
    } else {
      w.upload(source.doubles(), 0, n, into.pointer());
    }
    device.countUpload();
  }

  @Override
  public void download(Storage source, HostStorage into) {
    Objects.requireNonNull(into, "into");
    device.run(
        w -> {
          CudaStorage s = storage(source, "source");
          checkArgument(
              s.dtype() == into.dtype() && s.numel() == into.numel(),
              "download of %s into %s %s elements: dtype and size must agree",
              s,
              into.numel(),
              into.dtype());
          int n = (int) s.numel();
          if (s.dtype() == DType.FLOAT32) {
            w.download(s.pointer(), into.floats(), 0, n);
          } else {
            w.download(s.pointer(), into.doubles(), 0, n);
          }
          w.finishDownloads();
          into.bumpVersion();
          device.countDownload();
        });
  }

  @Override
  public void copy(Storage source, Storage into) {
    device.run(
        w -> {
          CudaStorage s = storage(source, "source");
          CudaStorage d = like(into, "into", s);
          w.copy(s.pointer(), d.pointer(), s.bytes());
        });
  }

  @Override
  public void fillInPlace(Storage x, double value) {
    device.run(
        w -> {
          CudaStorage s = storage(x, "x");
          device.kernels().fill(w.stream(), s.dtype(), s.pointer(), s.numel(), value);
        });
  }

  @Override
  public void scaleInPlace(Storage x, double alpha) {
    device.run(
        w -> {
          CudaStorage s = storage(x, "x");
          // The scale kernel reads its factor from the device, rounded there to the dtype, as mul_
          // rounds it.
          try (DeviceBuffer factor = DeviceBuffer.allocate(device, 8)) {
            w.upload(new double[] {alpha}, 0, 1, factor.pointer());
            device.kernels().scale(w.stream(), s.dtype(), s.pointer(), s.numel(), factor.pointer());
          }
        });
  }

  @Override
  public void addInPlace(Storage into, Storage x) {
    device.run(
        w -> {
          CudaStorage d = storage(into, "into");
          CudaStorage s = like(x, "x", d);
          device.kernels().add(w.stream(), d.dtype(), d.pointer(), s.pointer(), d.numel());
        });
  }

  // ---- layout ----

  @Override
  public void transpose01(Storage in, Storage out, int a, int b, int c) {
    device.run(
        w -> {
          CudaStorage s = sized(in, "in", null, (long) a * b * c);
          CudaStorage d = sized(out, "out", s, (long) a * b * c);
          device.kernels().transpose01(w.stream(), s.dtype(), s.pointer(), d.pointer(), a, b, c);
        });
  }

  @Override
  public void gatherRows(Storage source, int width, int[] rows, Storage out) {
    Objects.requireNonNull(rows, "rows");
    checkArgument(width > 0, "width must be > 0, got %s", width);
    device.run(
        w -> {
          CudaStorage s = storage(source, "source");
          CudaStorage d = sized(out, "out", s, (long) rows.length * width);
          checkRows(rows, s.numel() / width, false);
          withRows(
              w,
              rows,
              r ->
                  device
                      .kernels()
                      .gatherRows(
                          w.stream(), s.dtype(), s.pointer(), r, d.pointer(), rows.length, width));
        });
  }

  @Override
  public void scatterRows(Storage source, int width, int[] rows, Storage into) {
    Objects.requireNonNull(rows, "rows");
    checkArgument(width > 0, "width must be > 0, got %s", width);
    device.run(
        w -> {
          CudaStorage d = storage(into, "into");
          CudaStorage s = sized(source, "source", d, (long) rows.length * width);
          checkRows(rows, d.numel() / width, true);
          withRows(
              w,
              rows,
              r ->
                  device
                      .kernels()
                      .scatterRows(
                          w.stream(), d.dtype(), s.pointer(), r, d.pointer(), rows.length, width));
        });
  }

  @Override
  public void splitDirection(Storage y, int rows, int hOut, int direction, Storage out) {
    checkArgument(direction == 0 || direction == 1, "direction must be 0 or 1, got %s", direction);
    device.run(
        w -> {
          CudaStorage s = sized(y, "y", null, 2L * rows * hOut);
          CudaStorage d = sized(out, "out", s, (long) rows * hOut);
          device
              .kernels()
              .splitDirections(
                  w.stream(),
                  s.dtype(),
                  s.pointer(),
                  direction == 0 ? d.pointer() : null,
                  direction == 1 ? d.pointer() : null,
                  rows,
                  hOut);
        });
  }

  // ---- layers ----

  @Override
  public RnnKernel createRnnKernel(RnnShape shape, DType dtype) {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(dtype, "dtype");
    return new CudaRnnKernel(device, math, shape, dtype);
  }

  @Override
  public Storage linear(Storage x, Storage weight, Storage bias, int rows, int in, int out) {
    return device.call(
        w -> {
          CudaStorage xs = sized(x, "x", null, (long) rows * in);
          CudaStorage ws = sized(weight, "weight", xs, (long) out * in);
          CudaStorage bs = bias == null ? null : sized(bias, "bias", xs, out);
          CudaStorage y = CudaStorage.allocate(device, xs.dtype(), (long) rows * out);
          try {
            // Row-major Y = X W^T is column-major Y^T = W^T' X^T: cuBLAS sees W as (in, out) and X
            // as (in, M).
            gemm(
                w,
                xs.dtype(),
                cublasOperation.CUBLAS_OP_T,
                cublasOperation.CUBLAS_OP_N,
                out,
                rows,
                in,
                ws.pointer(),
                in,
                xs.pointer(),
                in,
                0,
                y.pointer(),
                out);
            if (bs != null) {
              device
                  .kernels()
                  .addRowBias(w.stream(), xs.dtype(), y.pointer(), bs.pointer(), rows, out);
            }
            return y;
          } catch (RuntimeException e) {
            y.close();
            throw e;
          }
        });
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
    return device.call(
        w -> {
          CudaStorage xs = sized(x, "x", null, (long) rows * in);
          CudaStorage ws = sized(weight, "weight", xs, (long) out * in);
          CudaStorage dys = sized(dy, "dy", xs, (long) rows * out);
          CudaStorage dw = sized(weightGrad, "weightGrad", xs, (long) out * in);
          CudaStorage db = biasGrad == null ? null : sized(biasGrad, "biasGrad", xs, out);
          DType dtype = xs.dtype();
          CudaStorage dx = CudaStorage.allocate(device, dtype, (long) rows * in);
          try {
            // dX (M, in) = dY W: column-major dX^T (in, M) = W^T (in, out) times dY^T (out, M).
            gemm(
                w,
                dtype,
                cublasOperation.CUBLAS_OP_N,
                cublasOperation.CUBLAS_OP_N,
                in,
                rows,
                out,
                ws.pointer(),
                in,
                dys.pointer(),
                out,
                0,
                dx.pointer(),
                in);
            // dW (out, in) += dY^T X: column-major dW^T (in, out) += X^T (in, M) times dY (M, out).
            gemm(
                w,
                dtype,
                cublasOperation.CUBLAS_OP_N,
                cublasOperation.CUBLAS_OP_T,
                in,
                out,
                rows,
                xs.pointer(),
                in,
                dys.pointer(),
                out,
                1,
                dw.pointer(),
                in);
            if (db != null) {
              device.kernels().sumRows(w.stream(), dtype, dys.pointer(), db.pointer(), rows, out);
            }
            return dx;
          } catch (RuntimeException e) {
            dx.close();
            throw e;
          }
        });
  }

  // ---- losses ----

  @Override
  public Storage mseLoss(Storage prediction, Storage target, Storage gradInto) {
    return device.call(
        w -> {
          CudaStorage p = storage(prediction, "prediction");
          CudaStorage t = like(target, "target", p);
          CudaStorage g = like(gradInto, "gradInto", p);
          long n = p.numel();
          CudaStorage loss = CudaStorage.allocate(device, p.dtype(), 1);
          try (DeviceBuffer partials =
              DeviceBuffer.allocate(device, 8L * CudaKernels.partialCount(n))) {
            CudaKernels k = device.kernels();
            int count =
                k.mse(
                    w.stream(),
                    p.dtype(),
                    p.pointer(),
                    t.pointer(),
                    g.pointer(),
                    n,
                    partials.pointer());
            k.mseFinish(w.stream(), p.dtype(), partials.pointer(), count, n, loss.pointer());
            return loss;
          } catch (RuntimeException e) {
            loss.close();
            throw e;
          }
        });
  }

  @Override
  public Storage crossEntropyLoss(Storage logits, long[] target, int n, int c, Storage gradInto) {
    Objects.requireNonNull(target, "target");
    checkArgument(target.length == n, "target has %s indices, expected N = %s", target.length, n);
    int[] classes = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      classes[i] = (int) target[i];
      count += target[i] == IGNORE_INDEX ? 0 : 1;
    }
    int rowsCounted = count;
    return device.call(
        w -> {
          CudaStorage x = sized(logits, "logits", null, (long) n * c);
          CudaStorage g = sized(gradInto, "gradInto", x, (long) n * c);
          CudaStorage loss = CudaStorage.allocate(device, x.dtype(), 1);
          try (DeviceBuffer terms = DeviceBuffer.allocate(device, 8L * n);
              DeviceBuffer targets = DeviceBuffer.allocate(device, 4L * n)) {
            w.upload(classes, targets.pointer());
            CudaKernels k = device.kernels();
            k.crossEntropy(
                w.stream(),
                x.dtype(),
                x.pointer(),
                targets.pointer(),
                g.pointer(),
                n,
                c,
                rowsCounted,
                terms.pointer());
            k.crossEntropyFinish(
                w.stream(), x.dtype(), terms.pointer(), n, rowsCounted, loss.pointer());
            return loss;
          } catch (RuntimeException e) {
            loss.close();
            throw e;
          }
        });
  }

  /** PyTorch's default {@code ignore_index}, which the cross-entropy kernel knows as well. */
  private static final long IGNORE_INDEX = -100;

  // ---- optimization ----

  @Override
  public Storage clipGradNorm(List<Storage> grads, double maxNorm) {
    Objects.requireNonNull(grads, "grads");
    checkArgument(maxNorm >= 0 && !Double.isNaN(maxNorm), "max_norm must be >= 0, got %s", maxNorm);
    return device.call(
        w -> {
          CudaStorage[] gs = new CudaStorage[grads.size()];
          int partials = 0;
          for (int i = 0; i < gs.length; i++) {
            // Of one dtype; each of its own size (a weight, a bias, the head's).
            gs[i] =
                i == 0
                    ? storage(grads.get(0), "grads[0]")
                    : sized(
                        grads.get(i),
                        "grads[" + i + "]",
                        gs[0],
                        storage(grads.get(i), "grads[" + i + "]").numel());
            partials += CudaKernels.partialCount(gs[i].numel());
          }
          // Without gradients the norm is 0, as clip_grad_norm_ returns it, in the default dtype.
          DType dtype = gs.length == 0 ? DType.FLOAT32 : gs[0].dtype();
          CudaStorage norm = CudaStorage.allocate(device, dtype, 1);
          try (DeviceBuffer sums = DeviceBuffer.allocate(device, 8L * partials);
              DeviceBuffer coef = DeviceBuffer.allocate(device, 8)) {
            CudaKernels k = device.kernels();
            int at = 0;
            for (CudaStorage g : gs) {
              at += k.sumSquares(w.stream(), dtype, g.pointer(), g.numel(), sums.at(8L * at));
            }
            boolean clip = !Double.isInfinite(maxNorm);
            // With no clipping the coefficient is computed (the same pass gives the norm) and not
            // applied.
            k.clipCoefficient(
                w.stream(),
                dtype,
                sums.pointer(),
                at,
                clip ? maxNorm : Double.MAX_VALUE,
                norm.pointer(),
                coef.pointer());
            if (clip) {
              for (CudaStorage g : gs) {
                k.scale(w.stream(), dtype, g.pointer(), g.numel(), coef.pointer());
              }
            }
            return norm;
          } catch (RuntimeException e) {
            norm.close();
            throw e;
          }
        });
  }

  @Override
  public void sgdStep(Storage param, Storage grad, Storage momentumBuffer, SgdScalars scalars) {
    Objects.requireNonNull(scalars, "scalars");
    device.run(
        w -> {
          CudaStorage p = storage(param, "param");
          CudaStorage g = like(grad, "grad", p);
          CudaStorage b = momentumBuffer == null ? null : like(momentumBuffer, "momentumBuffer", p);
          device
              .kernels()
              .sgdStep(
                  w.stream(),
                  p.dtype(),
                  p.pointer(),
                  g.pointer(),
                  b == null ? null : b.pointer(),
                  p.numel(),
                  scalars);
        });
  }

  @Override
  public void adamStep(
      Storage param,
      Storage grad,
      Storage expAvg,
      Storage expAvgSq,
      Storage maxExpAvgSq,
      AdamScalars scalars) {
    Objects.requireNonNull(scalars, "scalars");
    device.run(
        w -> {
          CudaStorage p = storage(param, "param");
          CudaStorage g = like(grad, "grad", p);
          CudaStorage m = like(expAvg, "expAvg", p);
          CudaStorage v = like(expAvgSq, "expAvgSq", p);
          CudaStorage vmax = maxExpAvgSq == null ? null : like(maxExpAvgSq, "maxExpAvgSq", p);
          device
              .kernels()
              .adamStep(
                  w.stream(),
                  p.dtype(),
                  p.pointer(),
                  g.pointer(),
                  m.pointer(),
                  v.pointer(),
                  vmax == null ? null : vmax.pointer(),
                  p.numel(),
                  scalars);
        });
  }

  @Override
  public String toString() {
    return description();
  }

  // ---- helpers ----

  private CudaStorage storage(Storage s, String name) {
    CudaStorage c = CudaStorage.of(s, device, name);
    if (c.isClosed()) {
      throw new IllegalStateException(name + " (" + c + ") used after close");
    }
    return c;
  }

  /** {@code s} as a storage of {@code like}'s dtype and size. */
  private CudaStorage like(Storage s, String name, CudaStorage like) {
    return sized(s, name, like, like.numel());
  }

  /** {@code s} with {@code numel} elements and, when {@code like} is given, its dtype. */
  private CudaStorage sized(Storage s, String name, CudaStorage like, long numel) {
    CudaStorage c = storage(s, name);
    if (like != null && c.dtype() != like.dtype()) {
      throw new IllegalArgumentException(
          String.format("%s is %s, expected %s", name, c.dtype(), like.dtype()));
    }
    if (c.numel() != numel) {
      throw new IllegalArgumentException(
          String.format("%s has %d elements, expected %d", name, c.numel(), numel));
    }
    return c;
  }

  /** Every row in {@code [0, limit)} and, for a scatter, no row twice (two writes would race). */
  private static void checkRows(int[] rows, long limit, boolean distinct) {
    BitSet seen = distinct ? new BitSet() : null;
    for (int i = 0; i < rows.length; i++) {
      int r = rows[i];
      if (r < 0 || r >= limit) {
        throw new IndexOutOfBoundsException(
            String.format("rows[%d] = %d is out of bounds for %d rows", i, r, limit));
      }
      if (distinct) {
        if (seen.get(r)) {
          throw new IllegalArgumentException(
              String.format(
                  "rows[%d] = %d appears twice; a scatter writes " + "each row once", i, r));
        }
        seen.set(r);
      }
    }
  }

  /** Runs {@code launch} with the row indices uploaded to the device as int32. */
  private void withRows(CudaWorker w, int[] rows, java.util.function.Consumer<CUdeviceptr> launch) {
    // Returned to the cache once queued: its next owner's work runs after this launch, on one
    // stream.
    try (DeviceBuffer r = DeviceBuffer.allocate(device, 4L * rows.length)) {
      if (rows.length > 0) {
        w.upload(rows, r.pointer());
      }
      launch.accept(r.pointer());
    }
  }

  private static void gemm(
      CudaWorker w,
      DType dtype,
      int opA,
      int opB,
      int m,
      int n,
      int k,
      CUdeviceptr a,
      int lda,
      CUdeviceptr b,
      int ldb,
      double beta,
      CUdeviceptr c,
      int ldc) {
    if (m == 0 || n == 0) {
      return; // an empty result; cuBLAS would reject a leading dimension of 0
    }
    if (dtype == DType.FLOAT32) {
      checkCublas(
          "cublasSgemm",
          JCublas2.cublasSgemm(
              w.cublas(),
              opA,
              opB,
              m,
              n,
              k,
              Pointer.to(new float[] {1f}),
              a,
              lda,
              b,
              ldb,
              Pointer.to(new float[] {(float) beta}),
              c,
              ldc));
    } else {
      checkCublas(
          "cublasDgemm",
          JCublas2.cublasDgemm(
              w.cublas(),
              opA,
              opB,
              m,
              n,
              k,
              Pointer.to(new double[] {1}),
              a,
              lda,
              b,
              ldb,
              Pointer.to(new double[] {beta}),
              c,
              ldc));
    }
  }
}
