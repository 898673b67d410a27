package dev.rnn4j.nn;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code load_state_dict(strict=True)}'s checks: a module asks for each parameter by name and
 * shape, and every missing, unexpected or mis-shaped tensor is reported at once, in PyTorch's
 * words, before anything is loaded.
 */
final class StateDictLoader {
  private final StateDict source;
  private final DType dtype;
  private final Set<String> taken = new HashSet<>();
  private final List<String> missing = new ArrayList<>();
  private final List<String> mismatched = new ArrayList<>();

  /** Loads from {@code source}, converting every tensor to {@code dtype}. */
  StateDictLoader(StateDict source, DType dtype) {
    this.source = source;
    this.dtype = dtype;
  }

  /**
   * The tensor {@code name} of the given shape, or null after recording why it cannot be loaded.
   */
  Tensor take(String name, int[] shape) {
    taken.add(name);
    if (!source.contains(name)) {
      missing.add('"' + name + '"');
      return null;
    }
    Tensor t = source.get(name);
    if (!Arrays.equals(t.shape(), shape)) {
      mismatched.add(
          "size mismatch for "
              + name
              + ": copying a param with shape "
              + Shape.list(t.shape())
              + " from checkpoint, the shape in current model is "
              + Shape.list(shape)
              + ".");
    }
    return t.to(dtype);
  }

  /** Throws, naming every problem, unless each tensor of the source was taken and fits. */
  void finish(String module) {
    List<String> unexpected = new ArrayList<>();
    for (String name : source.names()) {
      if (!taken.contains(name)) {
        unexpected.add('"' + name + '"');
      }
    }
    if (missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty()) {
      return;
    }
    StringBuilder msg =
        new StringBuilder("Error(s) in loading state_dict for ").append(module).append(':');
    if (!missing.isEmpty()) {
      msg.append(" Missing key(s) in state_dict: ").append(String.join(", ", missing)).append('.');
    }
    if (!unexpected.isEmpty()) {
      msg.append(" Unexpected key(s) in state_dict: ")
          .append(String.join(", ", unexpected))
          .append('.');
    }
    mismatched.forEach(m -> msg.append(' ').append(m));
    throw new IllegalArgumentException(msg.toString());
  }

  /** The dtype of a state dict's tensors, which must all have one. */
  static DType commonDtype(StateDict stateDict, String module) {
    DType dtype =
        stateDict.size() == 0
            ? DType.FLOAT32
            : stateDict.asMap().values().iterator().next().dtype();
    stateDict
        .asMap()
        .forEach(
            (name, t) -> {
              if (t.dtype() != dtype) {
                throw new IllegalArgumentException(
                    String.format(
                        "Error(s) in loading state_dict for %s: every tensor must have one dtype,"
                            + " expected %s (the dtype of the first), got %s for \"%s\"",
                        module, dtype, t.dtype(), name));
              }
            });
    return dtype;
  }
}
