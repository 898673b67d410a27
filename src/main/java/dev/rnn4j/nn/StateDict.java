package dev.rnn4j.nn;

import dev.rnn4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An ordered, immutable map from PyTorch parameter names to tensors: what {@code
 * module.state_dict()} returns and {@code safetensors.torch.save_file} writes.
 */
public final class StateDict {
  private final Map<String, Tensor> tensors;

  private StateDict(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** A state dict holding the entries of {@code tensors} in its iteration order. */
  public static StateDict of(Map<String, Tensor> tensors) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> copy.put(Objects.requireNonNull(name), Objects.requireNonNull(t, name)));
    return new StateDict(copy);
  }

  /** The names, in order. */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The tensor named {@code name}; fails naming the missing key. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "no tensor named \"" + name + "\" in state_dict " + names());
    }
    return t;
  }

  public int size() {
    return tensors.size();
  }

  /** An unmodifiable view in order. */
  public Map<String, Tensor> asMap() {
    return tensors;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateDict
        && List.copyOf(tensors.entrySet()).equals(List.copyOf(((StateDict) o).tensors.entrySet()));
  }

  @Override
  public int hashCode() {
    return tensors.hashCode();
  }

  @Override
  public String toString() {
    return "StateDict" + names();
  }
}
