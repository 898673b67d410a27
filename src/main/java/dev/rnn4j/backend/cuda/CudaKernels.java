package dev.rnn4j.backend.cuda;

import static dev.rnn4j.internal.Checks.checkArgument;

import dev.rnn4j.backend.AdamScalars;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.RnnNativeException;
import dev.rnn4j.backend.SgdScalars;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * rnn4j's own CUDA kernels on one device: the PTX modules of {@code kernels/*.cu}, loaded from the
 * classpath ({@code dev/rnn4j/backend/cuda/kernels/}) into the context that is current when {@link
 * #load()} runs, and one typed launcher per kernel. Each launcher takes the stream to run on, the
 * dtype (which picks the {@code _f32} or {@code _f64} entry point; every buffer of a call holds
 * that dtype unless its description says float64 or int32) and device pointers; it only enqueues
 * the kernel, so errors inside the kernel surface at the next synchronization of the stream.
 *
 * <p>Layouts are row-major with PyTorch's symbols: cuDNN's {@code x [T, N, H_in]}, {@code y [T, N,
 * D*H_out]}. Sizes are element counts. The arithmetic of every kernel is documented in its {@code
 * .cu} file and replayed by the CPU twins in the tests ({@code KernelTwins}).
 *
 * <p>A module belongs to its context: use the launchers with that context current, and {@link
 * #close()} (idempotent) before the context goes away. Use after close throws {@link
 * IllegalStateException}.
 */
final class CudaKernels implements AutoCloseable {
  /** The classpath folder of the PTX resources. */
  static final String RESOURCE_DIR = "dev/rnn4j/backend/cuda/kernels/";

  static final String LAYOUT_PTX = "layout.ptx";
  static final String TRAINING_PTX = "training.ptx";

  /** Every kernel, with the PTX file that holds its entry points. */
  enum Kernel {
    TRANSPOSE01(LAYOUT_PTX, "transpose01"),
    SPLIT_DIRECTIONS(LAYOUT_PTX, "split_directions"),
    MASK_PADDING(LAYOUT_PTX, "mask_padding"),
    GATHER_ROWS(LAYOUT_PTX, "gather_rows"),
    SCATTER_ROWS(LAYOUT_PTX, "scatter_rows"),
    FILL(LAYOUT_PTX, "fill"),
    ADD(LAYOUT_PTX, "add"),
    ADD_ROW_BIAS(TRAINING_PTX, "add_row_bias"),
    SUM_ROWS(TRAINING_PTX, "sum_rows"),
    MSE(TRAINING_PTX, "mse"),
    MSE_FINISH(TRAINING_PTX, "mse_finish"),
    CROSS_ENTROPY(TRAINING_PTX, "cross_entropy"),
    CROSS_ENTROPY_FINISH(TRAINING_PTX, "cross_entropy_finish"),
    SUM_SQUARES(TRAINING_PTX, "sum_squares"),
    CLIP_COEFFICIENT(TRAINING_PTX, "clip_coefficient"),
    SCALE(TRAINING_PTX, "scale"),
    SGD_STEP(TRAINING_PTX, "sgd_step"),
    ADAM_STEP(TRAINING_PTX, "adam_step");

    final String resource;
    final String op;

    Kernel(String resource, String op) {
      this.resource = resource;
      this.op = op;
    }

    /** {@code rnn4j_<op>_f32} or {@code rnn4j_<op>_f64}. */
    String entryPoint(DType dtype) {
      return "rnn4j_" + op + (dtype == DType.FLOAT32 ? "_f32" : "_f64");
    }
  }

  /** The PTX resources, in load order. */
  static List<String> resources() {
    return List.of(LAYOUT_PTX, TRAINING_PTX);
  }

  /** The entry points {@code resource} must define: both dtypes of each of its kernels, sorted. */
  static List<String> entryPoints(String resource) {
    List<String> names = new ArrayList<>();
    for (Kernel k : Kernel.values()) {
      if (k.resource.equals(resource)) {
        names.add(k.entryPoint(DType.FLOAT32));
        names.add(k.entryPoint(DType.FLOAT64));
      }
    }
    names.sort(null);
    return List.copyOf(names);
  }

  private static final Pattern VERSION = Pattern.compile("^\\.version (\\S+)$", Pattern.MULTILINE);
  private static final Pattern TARGET = Pattern.compile("^\\.target (\\S+)$", Pattern.MULTILINE);

  private final AtomicReference<List<CUmodule>> modules;
  private final Map<Kernel, CUfunction[]> functions; // indexed by DType.ordinal()

  private CudaKernels(List<CUmodule> modules, Map<Kernel, CUfunction[]> functions) {
    this.modules = new AtomicReference<>(modules);
    this.functions = functions;
  }

  /**
   * Loads every PTX resource into the current context and resolves all entry points.
   *
   * @throws RnnNativeException if a module does not load (the message names the resource, its PTX
   *     {@code .version} and {@code .target}, and the driver's version) or entry points are missing
   *     (all of them are listed)
   */
  static CudaKernels load() {
    List<CUmodule> loaded = new ArrayList<>();
    try {
      Map<Kernel, CUfunction[]> functions = new EnumMap<>(Kernel.class);
      List<String> missing = new ArrayList<>();
      for (String resource : resources()) {
        CUmodule module = loadModule(resource);
        loaded.add(module);
        for (Kernel k : Kernel.values()) {
          if (!k.resource.equals(resource)) {
            continue;
          }
          CUfunction[] byDtype = new CUfunction[DType.values().length];
          for (DType dtype : DType.values()) {
            String name = k.entryPoint(dtype);
            CUfunction f = new CUfunction();
            int status = JCudaDriver.cuModuleGetFunction(f, module, name);
            if (status == CUresult.CUDA_ERROR_NOT_FOUND) {
              missing.add(resource + ":" + name);
            } else {
              NativeCalls.checkDriver("cuModuleGetFunction(" + name + ")", status);
            }
            byDtype[dtype.ordinal()] = f;
          }
          functions.put(k, byDtype);
        }
      }
      if (!missing.isEmpty()) {
        throw new RnnNativeException(
            "rnn4j's PTX lacks the entry points "
                + missing
                + ": the resources do not match this build of CudaKernels");
      }
      return new CudaKernels(List.copyOf(loaded), functions);
    } catch (RuntimeException e) {
      for (CUmodule m : loaded) {
        JCudaDriver.cuModuleUnload(m); // best effort: the load error is the one to report
      }
      throw e;
    }
  }

  private static CUmodule loadModule(String resource) {
    byte[] ptx = readResource(resource);
    // cuModuleLoadData(CUmodule, byte[]) passes the bytes as they are: the driver needs the final
    // NUL.
    byte[] image = Arrays.copyOf(ptx, ptx.length + 1);
    CUmodule module = new CUmodule();
    int status = JCudaDriver.cuModuleLoadData(module, image);
    if (status != CUresult.CUDA_SUCCESS) {
      String text = new String(ptx, StandardCharsets.US_ASCII);
      int[] driver = new int[1];
      String driverVersion =
          JCudaDriver.cuDriverGetVersion(driver) == CUresult.CUDA_SUCCESS
              ? driver[0] / 1000 + "." + driver[0] % 1000 / 10 + " (" + driver[0] + ")"
              : "unknown";
      throw new RnnNativeException(
          "cuModuleLoadData("
              + RESOURCE_DIR
              + resource
              + ") failed: "
              + NativeCalls.describe(status)
              + "; the PTX has .version "
              + header(VERSION, text)
              + " and .target "
              + header(TARGET, text)
              + ", the driver supports CUDA "
              + driverVersion);
    }
    return module;
  }

  private static String header(Pattern directive, String ptx) {
    Matcher m = directive.matcher(ptx);
    return m.find() ? m.group(1) : "(none)";
  }

  private static byte[] readResource(String resource) {
    String path = RESOURCE_DIR + resource;
    try (InputStream in = CudaKernels.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new RnnNativeException("PTX resource " + path + " is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read PTX resource " + path, e);
    }
  }

  /**
   * What is loaded, for {@code doctor}: each resource with its PTX header and entry-point count,
   * e.g. {@code layout.ptx (.version 7.0, .target sm_75, 14 entry points)}.
   */
  String describe() {
    List<String> parts = new ArrayList<>();
    for (String resource : resources()) {
      String text = new String(readResource(resource), StandardCharsets.US_ASCII);
      parts.add(
          resource
              + " (.version "
              + header(VERSION, text)
              + ", .target "
              + header(TARGET, text)
              + ", "
              + entryPoints(resource).size()
              + " entry points)");
    }
    return String.join(", ", parts);
  }

  /** Unloads the modules; later calls do nothing. */
  @Override
  public void close() {
    List<CUmodule> ms = modules.getAndSet(null);
    if (ms == null) {
      return;
    }
    int failed = CUresult.CUDA_SUCCESS;
    for (CUmodule m : ms) {
      int status = JCudaDriver.cuModuleUnload(m); // every module, even after a failure
      if (failed == CUresult.CUDA_SUCCESS) {
        failed = status;
      }
    }
    NativeCalls.checkDriver("cuModuleUnload", failed);
  }

  // ---- layout.cu ----

  /**
   * {@code in [A, B, C] -> out [B, A, C]}, e.g. batch-first {@code [N, T, H_in]} to {@code [T, N,
   * H_in]}.
   */
  void transpose01(
      CUstream stream, DType dtype, CUdeviceptr in, CUdeviceptr out, long a, long b, long c) {
    checkSizes(a, b, c);
    launch(
        Kernel.TRANSPOSE01,
        dtype,
        stream,
        gridOf(a, b, c),
        ptr(in),
        ptr(out),
        size(a),
        size(b),
        size(c));
  }

  /**
   * {@code y [R, 2*H_out] -> out0, out1 [R, H_out]}: the two directions of a bidirectional output
   * ({@code y.view(R, 2, H_out)[:, d]}), R = T·N. Either output may be null: it is not written.
   */
  void splitDirections(
      CUstream stream,
      DType dtype,
      CUdeviceptr y,
      CUdeviceptr out0,
      CUdeviceptr out1,
      long rows,
      long hOut) {
    checkSizes(rows, hOut);
    launch(
        Kernel.SPLIT_DIRECTIONS,
        dtype,
        stream,
        gridOf(rows, hOut),
        ptr(y),
        ptrOrNull(out0),
        ptrOrNull(out1),
        size(rows),
        size(hOut));
  }

  /**
   * Zeroes {@code y[t, b, :]} of {@code y [T, N, C]} for {@code t >= lengths[b]} ({@code lengths
   * [N]} int32).
   */
  void maskPadding(
      CUstream stream, DType dtype, CUdeviceptr y, CUdeviceptr lengths, long t, long n, long c) {
    checkSizes(t, n, c);
    launch(
        Kernel.MASK_PADDING,
        dtype,
        stream,
        gridOf(t, n, c),
        ptr(y),
        ptr(lengths),
        size(t),
        size(n),
        size(c));
  }

  /**
   * {@code out [R, W] = source[rows]}: row r of {@code out} is row {@code rows[r]} of {@code
   * source} ({@code rows [R]} int32, each a valid row of {@code source}; the caller checks).
   */
  void gatherRows(
      CUstream stream,
      DType dtype,
      CUdeviceptr source,
      CUdeviceptr rows,
      CUdeviceptr out,
      long count,
      long width) {
    checkSizes(count, width);
    launch(
        Kernel.GATHER_ROWS,
        dtype,
        stream,
        gridOf(count, width),
        ptr(source),
        ptr(rows),
        ptr(out),
        size(count),
        size(width));
  }

  /**
   * {@code into[rows[r]] = source[r]} for rows of {@code width} elements, {@code source [R, W]};
   * the other rows of {@code into} keep their values. The caller checks that the rows are valid and
   * distinct.
   */
  void scatterRows(
      CUstream stream,
      DType dtype,
      CUdeviceptr source,
      CUdeviceptr rows,
      CUdeviceptr into,
      long count,
      long width) {
    checkSizes(count, width);
    launch(
        Kernel.SCATTER_ROWS,
        dtype,
        stream,
        gridOf(count, width),
        ptr(source),
        ptr(rows),
        ptr(into),
        size(count),
        size(width));
  }

  /** {@code x [n] = value}, the value rounded once to the dtype. */
  void fill(CUstream stream, DType dtype, CUdeviceptr x, long n, double value) {
    checkSizes(n);
    launch(Kernel.FILL, dtype, stream, gridOf(n), ptr(x), size(n), scalar(dtype, value));
  }

  /** {@code into [n] += x [n]}. */
  void add(CUstream stream, DType dtype, CUdeviceptr into, CUdeviceptr x, long n) {
    checkSizes(n);
    launch(Kernel.ADD, dtype, stream, gridOf(n), ptr(into), ptr(x), size(n));
  }

  // ---- training.cu ----

  /**
   * {@code y [M, K] += bias [K]} on every row (the head's {@code x W^T + b} after cuBLAS's GEMM).
   */
  void addRowBias(CUstream stream, DType dtype, CUdeviceptr y, CUdeviceptr bias, long m, long k) {
    checkSizes(m, k);
    launch(Kernel.ADD_ROW_BIAS, dtype, stream, gridOf(m, k), ptr(y), ptr(bias), size(m), size(k));
  }

  /**
   * Column sums of {@code x [M, K]} added to {@code out [K]} (a linear layer's bias gradient, which
   * accumulates), each sum in float64 with a fixed order: one block per column, reproducible from
   * run to run.
   */
  void sumRows(CUstream stream, DType dtype, CUdeviceptr x, CUdeviceptr out, long m, long k) {
    checkSizes(m, k);
    launch(
        Kernel.SUM_ROWS,
        dtype,
        stream,
        (int) Math.min(k, LaunchGeometry.GRID_CAP),
        ptr(x),
        ptr(out),
        size(m),
        size(k));
  }

  /**
   * The first pass of {@code MSELoss(reduction='mean')} over {@code prediction, target [n]}: writes
   * {@code grad [n] = 2 (prediction - target) / n} and per-block partial sums of {@code (prediction
   * - target)^2} into {@code partials} (float64, at least {@link #partialCount}{@code (n)}
   * elements).
   *
   * @return the number of partials written, the {@code count} for {@link #mseFinish}
   */
  int mse(
      CUstream stream,
      DType dtype,
      CUdeviceptr prediction,
      CUdeviceptr target,
      CUdeviceptr grad,
      long n,
      CUdeviceptr partials) {
    checkSizes(n);
    int grid = LaunchGeometry.gridSize(n);
    launch(
        Kernel.MSE,
        dtype,
        stream,
        grid,
        ptr(prediction),
        ptr(target),
        ptr(grad),
        size(n),
        ptr(partials));
    return grid;
  }

  /**
   * The second pass: {@code loss [1] = sum(partials[0 .. count)) / n}, summed in float64 and stored
   * in the dtype (float32 as {@code MseLoss} returns it); NaN for n = 0.
   */
  void mseFinish(
      CUstream stream, DType dtype, CUdeviceptr partials, int count, long n, CUdeviceptr loss) {
    checkSizes(count, n);
    launch(
        Kernel.MSE_FINISH,
        dtype,
        stream,
        1,
        ptr(partials),
        Pointer.to(new int[] {count}),
        size(n),
        ptr(loss));
  }

  /**
   * {@code CrossEntropyLoss(reduction='mean', ignore_index=-100)}'s first pass over {@code logits
   * [N, C]} and {@code target [N]} (int32, in {@code [0, C)} or -100; the caller checks): writes
   * {@code grad [N, C] = (softmax - onehot) / count} (zero on ignored rows) and {@code terms [N]}
   * (float64) = each row's {@code log_softmax} at its target (0 on ignored rows), where {@code
   * count} is the number of rows not ignored.
   */
  void crossEntropy(
      CUstream stream,
      DType dtype,
      CUdeviceptr logits,
      CUdeviceptr target,
      CUdeviceptr grad,
      long n,
      long c,
      int count,
      CUdeviceptr terms) {
    checkSizes(n, c, count);
    launch(
        Kernel.CROSS_ENTROPY,
        dtype,
        stream,
        gridOf(n),
        ptr(logits),
        ptr(target),
        ptr(grad),
        size(n),
        size(c),
        Pointer.to(new int[] {count}),
        ptr(terms));
  }

  /**
   * The second pass: {@code loss [1] = -sum(terms[0 .. n)) / count}, summed in float64 by one block
   * and stored in the dtype; NaN when {@code count} is 0.
   */
  void crossEntropyFinish(
      CUstream stream, DType dtype, CUdeviceptr terms, int n, int count, CUdeviceptr loss) {
    checkSizes(n, count);
    launch(
        Kernel.CROSS_ENTROPY_FINISH,
        dtype,
        stream,
        1,
        ptr(terms),
        Pointer.to(new int[] {n}),
        Pointer.to(new int[] {count}),
        ptr(loss));
  }

  /**
   * Per-block partial sums of {@code x [n]} squared, into {@code partials} (float64, at least
   * {@link #partialCount}{@code (n)} elements). For a norm over several buffers, give each a later
   * slice of one partials array ({@code partials.withByteOffset(8 * offset)}) and pass the total
   * count to {@link #clipCoefficient}.
   *
   * @return the number of partials written
   */
  int sumSquares(CUstream stream, DType dtype, CUdeviceptr x, long n, CUdeviceptr partials) {
    checkSizes(n);
    int grid = LaunchGeometry.gridSize(n);
    launch(Kernel.SUM_SQUARES, dtype, stream, grid, ptr(x), size(n), ptr(partials));
    return grid;
  }

  /**
   * {@code clip_grad_norm_}'s coefficient from the partials of all gradients: {@code totalNorm [1]}
   * (the dtype) {@code = sqrt(sum(partials[0 .. count)))} and {@code coef [1]} (float64) {@code =
   * min(1, maxNorm / (totalNorm + 1e-6))}, NaN when the norm is NaN, as {@code GradClipping}.
   */
  void clipCoefficient(
      CUstream stream,
      DType dtype,
      CUdeviceptr partials,
      int count,
      double maxNorm,
      CUdeviceptr totalNorm,
      CUdeviceptr coef) {
    checkSizes(count);
    checkArgument(
        maxNorm >= 0 && !Double.isInfinite(maxNorm),
        "max_norm must be a finite number >= 0, got %s",
        maxNorm);
    launch(
        Kernel.CLIP_COEFFICIENT,
        dtype,
        stream,
        1,
        ptr(partials),
        Pointer.to(new int[] {count}),
        Pointer.to(new double[] {maxNorm}),
        ptr(totalNorm),
        ptr(coef));
  }

  /** {@code x [n] *= coef[0]} ({@code coef} float64 on the device, rounded to the dtype first). */
  void scale(CUstream stream, DType dtype, CUdeviceptr x, long n, CUdeviceptr coef) {
    checkSizes(n);
    launch(Kernel.SCALE, dtype, stream, LaunchGeometry.gridSize(n), ptr(x), size(n), ptr(coef));
  }

  /**
   * One {@code torch.optim.SGD} update of {@code param [n]} in place from {@code grad [n]}, with
   * {@code momentumBuffer [n]} when {@code scalars.momentum() != 0} (null otherwise).
   */
  void sgdStep(
      CUstream stream,
      DType dtype,
      CUdeviceptr param,
      CUdeviceptr grad,
      CUdeviceptr momentumBuffer,
      long n,
      SgdScalars scalars) {
    checkSizes(n);
    checkArgument(
        (scalars.momentum() != 0) == (momentumBuffer != null),
        "SGD with momentum %s needs %s momentum buffer",
        scalars.momentum(),
        scalars.momentum() != 0 ? "a" : "no");
    launch(
        Kernel.SGD_STEP,
        dtype,
        stream,
        LaunchGeometry.gridSize(n),
        ptr(param),
        ptr(grad),
        ptrOrNull(momentumBuffer),
        size(n),
        scalar(dtype, scalars.weightDecay()),
        scalar(dtype, scalars.momentum()),
        scalar(dtype, scalars.keep()),
        scalar(dtype, scalars.negLr()),
        flag(scalars.decay()),
        flag(scalars.first()),
        flag(scalars.nesterov()));
  }

  /**
   * One Adam or AdamW update of {@code param [n]} in place from {@code grad [n]}, with the moments
   * {@code expAvg}, {@code expAvgSq} and, for AMSGrad only (else null), {@code maxExpAvgSq}, all
   * {@code [n]}.
   */
  void adamStep(
      CUstream stream,
      DType dtype,
      CUdeviceptr param,
      CUdeviceptr grad,
      CUdeviceptr expAvg,
      CUdeviceptr expAvgSq,
      CUdeviceptr maxExpAvgSq,
      long n,
      AdamScalars scalars) {
    checkSizes(n);
    launch(
        Kernel.ADAM_STEP,
        dtype,
        stream,
        LaunchGeometry.gridSize(n),
        ptr(param),
        ptr(grad),
        ptr(expAvg),
        ptr(expAvgSq),
        ptrOrNull(maxExpAvgSq),
        size(n),
        scalar(dtype, scalars.negStepSize()),
        scalar(dtype, scalars.biasCorrection2Sqrt()),
        scalar(dtype, scalars.eps()),
        scalar(dtype, scalars.beta1()),
        scalar(dtype, scalars.oneMinusBeta1()),
        scalar(dtype, scalars.beta2()),
        scalar(dtype, scalars.oneMinusBeta2()),
        scalar(dtype, scalars.weightDecay()),
        scalar(dtype, scalars.decay()),
        Pointer.to(new int[] {scalars.mode()}));
  }

  /**
   * The float64 partials that {@link #mse} or {@link #sumSquares} writes for {@code n} elements.
   */
  static int partialCount(long n) {
    return LaunchGeometry.gridSize(n);
  }

  // ---- launching ----

  private void launch(Kernel kernel, DType dtype, CUstream stream, int grid, Pointer... params) {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(stream, "stream");
    if (modules.get() == null) {
      throw new IllegalStateException("CudaKernels used after close");
    }
    if (grid == 0) {
      return; // nothing to do, and a zero grid is an invalid launch
    }
    CUfunction f = functions.get(kernel)[dtype.ordinal()];
    NativeCalls.checkDriver(
        "cuLaunchKernel(" + kernel.entryPoint(dtype) + ")",
        JCudaDriver.cuLaunchKernel(
            f, grid, 1, 1, LaunchGeometry.BLOCK, 1, 1, 0, stream, Pointer.to(params), null));
  }

  /** The grid over the product of {@code sizes} elements. */
  private static int gridOf(long... sizes) {
    long n = 1;
    for (long s : sizes) {
      n = Math.multiplyExact(n, s);
    }
    return LaunchGeometry.gridSize(n);
  }

  private static void checkSizes(long... sizes) {
    for (long s : sizes) {
      checkArgument(s >= 0, "sizes must be >= 0, got %s", Arrays.toString(sizes));
    }
  }

  private static Pointer ptr(CUdeviceptr p) {
    return Pointer.to(Objects.requireNonNull(p, "device pointer"));
  }

  /** A null device pointer where the kernel reads null as "absent". */
  private static Pointer ptrOrNull(CUdeviceptr p) {
    return Pointer.to(p != null ? p : new CUdeviceptr());
  }

  private static Pointer size(long n) {
    return Pointer.to(new long[] {n});
  }

  private static Pointer flag(boolean b) {
    return Pointer.to(new int[] {b ? 1 : 0});
  }

  /** A kernel scalar in the dtype: float32 launches take the float64 value rounded once. */
  private static Pointer scalar(DType dtype, double v) {
    return dtype == DType.FLOAT32
        ? Pointer.to(new float[] {(float) v})
        : Pointer.to(new double[] {v});
  }
}
