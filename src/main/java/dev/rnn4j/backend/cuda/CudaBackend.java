package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/**
 * The CUDA backend: recurrent layers on cuDNN, rnn4j's own kernels for data movement and training
 * arithmetic, cuBLAS for the linear head. Obtain it through {@link dev.rnn4j.backend.Backends#select}
 * ({@code cuda}, {@code cuda:N}, or {@code auto}), which first checks that the driver, cuDNN 9 and cuBLAS
 * load; or, with a math mode of your choice, through {@link #open(int, MathMode)}.
 *
 * <p>Float32 math follows PyTorch's {@code torch.backends.cudnn.allow_tf32}: TF32 is allowed unless the
 * system property {@code rnn4j.cuda.allowTf32=false} or {@link MathMode#STRICT_FP32} says otherwise.
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
   * @throws dev.rnn4j.backend.BackendUnavailableException when CUDA cannot be used here (the reason says why)
   * @throws IllegalArgumentException when there is no such device
   */
  public static CudaBackend open(int ordinal, MathMode math) {
    CudaLibraries.require();
    int count = CudaDevice.count();
    if (ordinal >= count) {
      throw new IllegalArgumentException(String.format(
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
    return Device.cuda(device.ordinal());
  }

  @Override
  public String description() {
    return String.format("cuda:%d (%s, compute capability %d.%d, %s, %s)", device.ordinal(), device.name(),
        device.computeCapability() / 10, device.computeCapability() % 10, CudaLibraries.versions(),
        math == MathMode.TF32_ALLOWED ? "TF32 allowed" : "strict FP32");
  }

  @Override
  public RnnKernel createRnnKernel(RnnConfig config, List<Tensor> parameters) {
    return new CudaRnnKernel(device, math, config, parameters);
  }

  /** Device buffers allocated by rnn4j and not yet freed, over every open device (leak checks read it). */
  public static int liveAllocations() {
    return CudaDevice.liveAllocationsOfAll();
  }

  /**
   * Releases every open device (workers, kernel modules, primary contexts). Call it when the JVM is done
   * with CUDA, after every kernel and trainer has been closed.
   *
   * @throws IllegalStateException when device memory is still allocated
   */
  public static void shutdown() {
    CudaDevice.closeAll();
  }

  CudaDevice cudaDevice() {
    return device;
  }

  @Override
  public String toString() {
    return description();
  }
}
