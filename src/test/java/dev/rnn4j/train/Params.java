package dev.rnn4j.train;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helpers between the optimizers' bound parameters and the fixtures' state dicts: standalone
 * parameters from a state dict, gradients installed from one (as a backward pass would leave them),
 * and host copies of the values and gradients to compare.
 */
final class Params {
  private Params() {}

  /**
   * One standalone parameter ({@link Parameter#of}) per entry, in order, each a copy of its tensor.
   */
  static List<Parameter> of(StateDict values) {
    return of(values, Device.CPU);
  }

  /** As {@link #of(StateDict)}, the parameters on {@code device}. */
  static List<Parameter> of(StateDict values, Device device) {
    List<Parameter> out = new ArrayList<>();
    values.asMap().forEach((name, t) -> out.add(Parameter.of(name, t.to(device))));
    return out;
  }

  /**
   * Leaves exactly {@code grads} as the parameters' gradients: every parameter's gradient is
   * forgotten, then those named in {@code grads} get theirs ({@code p.grad = None} for the others,
   * which a step skips). Fails if {@code grads} names something that is not a parameter.
   */
  static void setGrads(List<Parameter> params, StateDict grads) {
    List<String> names = new ArrayList<>();
    params.forEach(p -> names.add(p.name()));
    for (String name : grads.names()) {
      if (!names.contains(name)) {
        throw new AssertionError(
            "grad \"" + name + "\" is not a parameter; the parameters are " + names);
      }
    }
    for (Parameter p : params) {
      p.zeroGrad();
      if (grads.contains(p.name())) {
        p.accumulateGrad(grads.get(p.name()));
      }
    }
  }

  /**
   * Host copies of the parameters' current values, by name, in order (they do not follow later
   * steps).
   */
  static StateDict values(List<Parameter> params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    params.forEach(p -> out.put(p.name(), copy(p.data())));
    return StateDict.of(out);
  }

  /** Host copies of the gradients of the parameters that have one, by name, in order. */
  static StateDict grads(List<Parameter> params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Parameter p : params) {
      Tensor g = p.grad();
      if (g != null) {
        out.put(p.name(), copy(g));
      }
    }
    return StateDict.of(out);
  }

  /** A host tensor holding a copy of {@code t}'s values, in its dtype and shape. */
  static Tensor copy(Tensor t) {
    Tensor host = t.to(Device.CPU);
    return host.dtype() == DType.FLOAT32
        ? Tensor.wrap(host.toFloatArray(), host.shape())
        : Tensor.wrap(host.toDoubleArray(), host.shape());
  }
}
