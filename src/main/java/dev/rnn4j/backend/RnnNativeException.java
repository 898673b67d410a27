package dev.rnn4j.backend;

/**
 * A native library call that failed: the CUDA driver, cuDNN or cuBLAS, or a kernel module that
 * could not be used. The message names the call, the library's own text for the status ({@code
 * cuGetErrorName} and {@code cuGetErrorString}, {@code cudnnGetErrorString}) and what was being
 * run, e.g. {@code cudnnRNNForward for LSTM(10, 20, num_layers=2) float32 on cuda:0 (L=5, N=3, algo
 * 0) failed: ...}.
 */
public class RnnNativeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure described by {@code message}.
   *
   * @param message the call, the library's text and what was being run
   */
  public RnnNativeException(String message) {
    super(message);
  }
}
