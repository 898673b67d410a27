package dev.rnn4j.backend.cuda;

import jcuda.driver.JCudaDriver;
import jcuda.jcublas.cublasStatus;
import jcuda.jcudnn.JCudnn;

/**
 * A failed CUDA, cuDNN or cuBLAS call. The message names the call and carries the library's own text for
 * the status: {@code cuGetErrorName}/{@code cuGetErrorString} for the driver and {@code cudnnGetErrorString}
 * for cuDNN, which answers for cuDNN 9's renumbered codes (JCudnn's own {@code cudnnStatus} table is
 * cuDNN 8's and mislabels them).
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CudaException(String message) {
    super(message);
  }

  /** Throws unless a driver API call returned {@code CUDA_SUCCESS}. */
  static void checkDriver(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + driverError(status));
    }
  }

  /** The driver's name and text for a status, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY (2): out of memory}. */
  static String driverError(int status) {
    String[] name = new String[1];
    String[] text = new String[1];
    JCudaDriver.cuGetErrorName(status, name);
    JCudaDriver.cuGetErrorString(status, text);
    return (name[0] == null ? "CUDA error" : name[0]) + " (" + status + ")"
        + (text[0] == null ? "" : ": " + text[0]);
  }

  /** Throws unless a cuDNN call returned {@code CUDNN_STATUS_SUCCESS}. */
  static void checkCudnn(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + JCudnn.cudnnGetErrorString(status) + " (" + status + ")");
    }
  }

  /** Throws unless a cuBLAS call returned {@code CUBLAS_STATUS_SUCCESS}. */
  static void checkCublas(String call, int status) {
    if (status != 0) {
      throw new CudaException(call + " failed: " + cublasStatus.stringFor(status) + " (" + status + ")");
    }
  }
}
