package dev.rnn4j.nn;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code torch.nn.Linear(in_features, out_features, bias)}: {@code y = x W^T + b} over rows, with W
 * (out_features, in_features) and b (out_features), its parameters and their gradients on a
 * backend. The arithmetic is the backend's ({@link Backend#linear}): on the CPU each output is
 * summed in double and rounded once; on CUDA, cuBLAS.
 */
final class Linear implements AutoCloseable {
  private final int inFeatures;
  private final int outFeatures;
  private final Parameter.Slot weight;
  private final Parameter.Slot bias;

  private Linear(int inFeatures, int outFeatures, Backend backend, HostStorage w, HostStorage b) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = slot(backend, w, new int[] {outFeatures, inFeatures});
    this.bias = b == null ? null : slot(backend, b, new int[] {outFeatures});
  }

  private static Parameter.Slot slot(Backend backend, HostStorage values, int[] shape) {
    Storage data = backend.upload(values);
    Storage grad = backend.allocate(values.dtype(), values.numel());
    return new Parameter.Slot(shape, backend, data, grad);
  }

  /**
   * PyTorch's initialization of {@code nn.Linear(in, out)}: weight and bias both uniform in
   * (-1/sqrt(in_features), 1/sqrt(in_features)) (kaiming_uniform with a = sqrt(5) gives the same
   * bound), float32, on {@code backend}.
   */
  static Linear create(
      int inFeatures, int outFeatures, boolean bias, SplittableRandom random, Backend backend) {
    double bound = 1 / Math.sqrt(inFeatures);
    float[] w = new float[outFeatures * inFeatures];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (bound * (2 * random.nextDouble() - 1));
    }
    float[] b = new float[outFeatures];
    for (int i = 0; i < b.length && bias; i++) {
      b[i] = (float) (bound * (2 * random.nextDouble() - 1));
    }
    return new Linear(
        inFeatures, outFeatures, backend, HostStorage.of(w), bias ? HostStorage.of(b) : null);
  }

  /** A layer holding {@code weight} and {@code bias} (null for none), already checked for shape. */
  static Linear of(Tensor weight, Tensor bias, Backend backend) {
    return new Linear(
        weight.size(1),
        weight.size(0),
        backend,
        Rnn.hostStorage(weight),
        bias == null ? null : Rnn.hostStorage(bias));
  }

  /** The parameters, {@code weight} then {@code bias}, under {@code prefix}. */
  List<Parameter> parameters(String prefix) {
    List<Parameter> out = new ArrayList<>();
    out.add(new Parameter(prefix + "weight", weight));
    if (bias != null) {
      out.add(new Parameter(prefix + "bias", bias));
    }
    return out;
  }

  /** {@code x (M, in) -> x W^T + b (M, out)}; the caller owns the result. */
  Storage forward(Storage x, int rows) {
    return weight.backend.linear(
        x, weight.data, bias == null ? null : bias.data, rows, inFeatures, outFeatures);
  }

  /**
   * Accumulates the parameters' gradients of {@code sum(y * dy)} and returns dx (M, in), owned by
   * the caller.
   */
  Storage backward(Storage x, Storage dy, int rows) {
    Storage dx =
        weight.backend.linearBackward(
            x,
            weight.data,
            dy,
            rows,
            inFeatures,
            outFeatures,
            weight.grad,
            bias == null ? null : bias.grad);
    weight.hasGrad = true;
    if (bias != null) {
      bias.hasGrad = true;
    }
    return dx;
  }

  /** Moves the parameters and gradients to {@code backend} in {@code dtype}. */
  void to(Backend backend, DType dtype) {
    for (Parameter.Slot s : bias == null ? List.of(weight) : List.of(weight, bias)) {
      Storage data = move(s, s.data, backend, dtype);
      Storage grad =
          s.hasGrad ? move(s, s.grad, backend, dtype) : backend.allocate(dtype, s.data.numel());
      s.data.close();
      s.grad.close();
      s.backend = backend;
      s.data = data;
      s.grad = grad;
    }
  }

  private static Storage move(Parameter.Slot slot, Storage s, Backend target, DType dtype) {
    return target.upload(Parameter.Slot.hostCopy(slot.backend, s, dtype));
  }

  /** PyTorch's repr: {@code Linear(in_features=16, out_features=5, bias=True)}. */
  @Override
  public String toString() {
    return "Linear(in_features="
        + inFeatures
        + ", out_features="
        + outFeatures
        + ", bias="
        + (bias == null ? "False" : "True")
        + ")";
  }

  @Override
  public void close() {
    weight.closed = true;
    if (bias != null) {
      bias.closed = true;
    }
    weight.data.close();
    weight.grad.close();
    if (bias != null) {
      bias.data.close();
      bias.grad.close();
    }
  }
}
