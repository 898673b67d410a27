package dev.rnn4j.backend.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA driver call that failed, or a kernel module that could not be used. The message names the
 * call, the driver's own error name and text ({@code cuGetErrorName}, {@code cuGetErrorString}) and the
 * numeric status, e.g. {@code "cuModuleLoadData(training.ptx) failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION
 * (222): the provided PTX was compiled with an unsupported toolchain."}.
 */
public final class CudaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CudaException(String message) {
    super(message);
  }

  /** Throws a {@code CudaException} naming {@code call} unless {@code status} is {@code CUDA_SUCCESS}. */
  static void checkDriver(String call, int status) {
    if (status != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call + " failed: " + describe(status));
    }
  }

  /** {@code "NAME (status): text"}, from the driver when it knows the status. */
  static String describe(int status) {
    String[] name = new String[1];
    String[] text = new String[1];
    boolean named = JCudaDriver.cuGetErrorName(status, name) == CUresult.CUDA_SUCCESS && name[0] != null;
    boolean described =
        JCudaDriver.cuGetErrorString(status, text) == CUresult.CUDA_SUCCESS && text[0] != null;
    return (named ? name[0] : CUresult.stringFor(status)) + " (" + status + ")"
        + (described ? ": " + text[0] : "");
  }
}
