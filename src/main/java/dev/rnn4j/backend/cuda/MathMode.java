package dev.rnn4j.backend.cuda;

/**
 * How float32 recurrent layers may compute on the GPU, as PyTorch's {@code
 * torch.backends.cudnn.allow_tf32} decides it. Float64 is always computed in float64.
 */
public enum MathMode {
  /**
   * PyTorch's default: cuDNN's {@code CUDNN_DEFAULT_MATH}, which may use TF32 tensor cores on
   * Ampere and later (a 10-bit mantissa in the products, so results move at the 1e-3 level).
   */
  TF32_ALLOWED,
  /**
   * {@code allow_tf32 = False}: cuDNN's {@code CUDNN_FMA_MATH}, plain float32 arithmetic. The
   * parity tests against the CPU backend use this mode.
   */
  STRICT_FP32;

  /** The cuDNN math type for a float32 RNN descriptor. */
  int cudnnMathType() {
    return this == TF32_ALLOWED
        ? jcuda.jcudnn.cudnnMathType.CUDNN_DEFAULT_MATH
        : jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
  }

  /** The system property {@code rnn4j.cuda.allowTf32} (default true, as in PyTorch). */
  static MathMode fromSystemProperty() {
    return Boolean.parseBoolean(System.getProperty("rnn4j.cuda.allowTf32", "true"))
        ? TF32_ALLOWED
        : STRICT_FP32;
  }
}
