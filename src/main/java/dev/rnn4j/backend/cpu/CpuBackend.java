package dev.rnn4j.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.RnnKernel;
import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/**
 * The pure-Java backend: the parity reference for every other backend. Matrix products go through
 * {@code dev.ludovic.netlib} BLAS (the implementation Spark uses: a native BLAS when one is installed, the
 * Vector API when its module is present, plain Java otherwise); everything else is plain Java.
 */
public final class CpuBackend implements Backend {
  static final CpuBackend INSTANCE = new CpuBackend(BLAS.getInstance());

  private final FloatMath floatMath;
  private final DoubleMath doubleMath;

  private CpuBackend(BLAS blas) {
    this.floatMath = new FloatMath(blas);
    this.doubleMath = new DoubleMath(blas);
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public String description() {
    return "cpu (BLAS: " + floatMath.blasName() + ")";
  }

  @Override
  public RnnKernel createRnnKernel(RnnConfig config, List<Tensor> parameters) {
    if (parameters.get(0).dtype() == DType.FLOAT32) {
      return new CpuRnnKernel<>(config, floatMath, parameters);
    }
    return new CpuRnnKernel<>(config, doubleMath, parameters);
  }

  @Override
  public String toString() {
    return description();
  }
}
