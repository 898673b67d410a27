package dev.rnn4j.backend.cuda;

import dev.rnn4j.backend.RnnNativeException;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.cublasStatus;
import jcuda.jcudnn.JCudnn;

/**
 * Checks the status of every CUDA driver, cuDNN and cuBLAS call, and turns a failure into an {@link
 * RnnNativeException} that names the call and carries the library's own text for the status: {@code
 * cuGetErrorName}/{@code cuGetErrorString} for the driver, e.g. {@code
 * "cuModuleLoadData(training.ptx) failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222): the provided
 * PTX was compiled with an unsupported toolchain."}, and {@code cudnnGetErrorString} for cuDNN,
 * which answers for cuDNN 9's renumbered codes (JCudnn's own {@code cudnnStatus} table is cuDNN 8's
 * and mislabels them).
 */
final class NativeCalls {
  private NativeCalls() {}

  /**
   * Throws an {@link RnnNativeException} naming {@code call} unless {@code status} is {@code
   * CUDA_SUCCESS}.
   */
  static void checkDriver(String call, int status) {
    if (status != CUresult.CUDA_SUCCESS) {
      throw new RnnNativeException(call + " failed: " + describe(status));
    }
  }

  /** {@code "NAME (status): text"}, from the driver when it knows the status. */
  static String describe(int status) {
    String[] name = new String[1];
    String[] text = new String[1];
    boolean named =
        JCudaDriver.cuGetErrorName(status, name) == CUresult.CUDA_SUCCESS && name[0] != null;
    boolean described =
        JCudaDriver.cuGetErrorString(status, text) == CUresult.CUDA_SUCCESS && text[0] != null;
    return (named ? name[0] : CUresult.stringFor(status))
        + " ("
        + status
        + ")"
        + (described ? ": " + text[0] : "");
  }

  /** Throws unless a cuDNN call returned {@code CUDNN_STATUS_SUCCESS}. */
  static void checkCudnn(String call, int status) {
    if (status != 0) {
      throw new RnnNativeException(
          call + " failed: " + JCudnn.cudnnGetErrorString(status) + " (" + status + ")");
    }
  }

  /** Throws unless a cuBLAS call returned {@code CUBLAS_STATUS_SUCCESS}. */
  static void checkCublas(String call, int status) {
    if (status != 0) {
      throw new RnnNativeException(
          call + " failed: " + cublasStatus.stringFor(status) + " (" + status + ")");
    }
  }
}
