package dev.rnn4j.backend;

import dev.rnn4j.nn.RnnConfig;
import dev.rnn4j.tensor.Tensor;
import java.util.List;

/** A place where recurrent layers run: the CPU, or a CUDA device. */
public interface Backend {
  /** The device this backend computes on. */
  Device device();

  /** One line for logs and {@code doctor}: the device and the libraries in use. */
  String description();

  /**
   * Prepares a kernel for one configuration and one set of weights; the caller closes it.
   *
   * @param parameters the module's parameters in {@link dev.rnn4j.nn.ParamKey#all} order, all of one dtype,
   *     already checked against the configuration's shapes
   */
  RnnKernel createRnnKernel(RnnConfig config, List<Tensor> parameters);
}
