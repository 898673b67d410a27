package dev.rnn4j.nn;

import dev.rnn4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An ordered, immutable map from PyTorch parameter names to tensors: what {@code
 * module.state_dict()} returns and {@code safetensors.torch.save_file} writes.
 *
 * <p>A state dict neither copies nor owns its tensors: it holds the tensors it was given, which are
 * host tensors wherever rnn4j makes one ({@link Rnn#stateDict()}, {@code StateDictFiles.read}),
 * values that the garbage collector frees. The key-mapping methods ({@link #withPrefix}, {@link
 * #stripPrefix}, {@link #rename(String, String)}, {@link #mapKeys}, {@link #select}, {@link
 * #filter}) return a new state dict over the same tensor objects, in the same order; nothing is
 * copied, and closing is never a state dict's business.
 *
 * <p>They load a PyTorch model whose submodules have other names than rnn4j's. A prefix is a plain
 * string that includes its separator, as PyTorch's {@code
 * consume_prefix_in_state_dict_if_present(state_dict, "module.")} takes it: {@code
 * withPrefix("rnn.")} turns {@code weight_ih_l0} into {@code rnn.weight_ih_l0}, and no dot is ever
 * added or removed on the caller's behalf.
 *
 * <pre>{@code
 * // class Net(nn.Module): self.lstm = nn.LSTM(...); self.fc = nn.Linear(...)
 * StateDict net = StateDictFiles.read(Path.of("net.safetensors"));
 * SequenceModel model =
 *     SequenceModel.fromStateDict(config, net.rename("lstm.", "rnn.").rename("fc.", "head."));
 * Rnn encoder = Rnn.fromStateDict(rnnConfig, checkpoint.select("model.encoder.rnn."));
 * }</pre>
 */
public final class StateDict {
  private final Map<String, Tensor> tensors;

  private StateDict(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /**
   * A state dict holding the entries of {@code tensors} in its iteration order.
   *
   * @param tensors names and tensors, none null; the map is copied, the tensors are not
   * @return the state dict
   */
  public static StateDict of(Map<String, Tensor> tensors) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> copy.put(Objects.requireNonNull(name), Objects.requireNonNull(t, name)));
    return new StateDict(copy);
  }

  /**
   * The names, in order.
   *
   * @return a new unmodifiable list
   */
  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  /**
   * Whether a tensor is named {@code name}.
   *
   * @param name a parameter name such as {@code weight_ih_l0}
   * @return true if this state dict holds it
   */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /**
   * The tensor named {@code name}; fails naming the missing key.
   *
   * @param name a parameter name such as {@code weight_ih_l0}
   * @return the tensor, not a copy
   * @throws IllegalArgumentException if no tensor has that name
   */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "no tensor named \"" + name + "\" in state_dict " + names());
    }
    return t;
  }

  /**
   * The number of tensors.
   *
   * @return {@code len(state_dict)}
   */
  public int size() {
    return tensors.size();
  }

  /**
   * An unmodifiable view in order.
   *
   * @return the names mapped to their tensors
   */
  public Map<String, Tensor> asMap() {
    return tensors;
  }

  /**
   * Every name with {@code prefix} put in front, as a module's parameters are named inside a parent
   * module: {@code withPrefix("rnn.")} maps {@code weight_ih_l0} to {@code rnn.weight_ih_l0}.
   *
   * @param prefix the prefix, separator included (no dot is added)
   * @return a new state dict over the same tensors
   */
  public StateDict withPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return mapKeys("withPrefix(" + quote(prefix) + ")", name -> prefix + name);
  }

  /**
   * Removes {@code prefix} from the names that start with it and keeps the others as they are:
   * {@code torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state_dict, prefix)},
   * e.g. {@code stripPrefix("module.")} for a checkpoint of a {@code DataParallel} model.
   *
   * @param prefix the prefix, separator included (no dot is removed unless it is part of it)
   * @return a new state dict over the same tensors
   * @throws IllegalArgumentException if two names become one, naming both
   */
  public StateDict stripPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return mapKeys(
        "stripPrefix(" + quote(prefix) + ")",
        name -> name.startsWith(prefix) ? name.substring(prefix.length()) : name);
  }

  /**
   * Renames the submodule prefix {@code from} to {@code to} and keeps the other names: {@code
   * rename("lstm.", "rnn.")} maps {@code lstm.weight_ih_l0} to {@code rnn.weight_ih_l0}.
   *
   * @param from the prefix to replace, separator included
   * @param to its replacement, separator included; may be empty
   * @return a new state dict over the same tensors
   * @throws IllegalArgumentException if no name starts with {@code from} (a misspelled prefix would
   *     otherwise pass unnoticed), or if two names become one, naming both
   */
  public StateDict rename(String from, String to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    String call = "rename(" + quote(from) + ", " + quote(to) + ")";
    requirePrefix(call, from);
    return mapKeys(call, name -> name.startsWith(from) ? to + name.substring(from.length()) : name);
  }

  /**
   * Every name replaced by {@code mapping}'s value for it: {@code {mapping(k): v for k, v in
   * state_dict.items()}}.
   *
   * @param mapping the new name of each name; must not return null
   * @return a new state dict over the same tensors
   * @throws IllegalArgumentException if {@code mapping} returns null, or maps two names to one,
   *     naming both
   */
  public StateDict mapKeys(Function<String, String> mapping) {
    Objects.requireNonNull(mapping, "mapping");
    return mapKeys("mapKeys", mapping);
  }

  /**
   * The state dict of the submodule at {@code prefix}: the names that start with it, the prefix
   * removed, as {@code module.get_submodule(path).state_dict()} names them: {@code
   * select("model.encoder.rnn.")} maps {@code model.encoder.rnn.weight_ih_l0} to {@code
   * weight_ih_l0} and drops {@code model.decoder.weight}.
   *
   * @param prefix the submodule's path, separator included
   * @return a new state dict over the same tensors
   * @throws IllegalArgumentException if no name starts with {@code prefix}
   */
  public StateDict select(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    String call = "select(" + quote(prefix) + ")";
    requirePrefix(call, prefix);
    return filter(name -> name.startsWith(prefix))
        .mapKeys(call, name -> name.substring(prefix.length()));
  }

  /**
   * The entries whose name {@code keep} accepts, names and order unchanged.
   *
   * @param keep which names to keep
   * @return a new state dict over the same tensors; empty if {@code keep} accepts none
   */
  public StateDict filter(Predicate<String> keep) {
    Objects.requireNonNull(keep, "keep");
    Map<String, Tensor> out = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          if (keep.test(name)) {
            out.put(name, t);
          }
        });
    return new StateDict(out);
  }

  private StateDict mapKeys(String call, Function<String, String> mapping) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, String> sourceOf = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          String mapped = mapping.apply(name);
          if (mapped == null) {
            throw new IllegalArgumentException(call + " maps " + quote(name) + " to null");
          }
          String earlier = sourceOf.putIfAbsent(mapped, name);
          if (earlier != null) {
            throw new IllegalArgumentException(
                call
                    + " maps both "
                    + quote(earlier)
                    + " and "
                    + quote(name)
                    + " to "
                    + quote(mapped));
          }
          out.put(mapped, t);
        });
    return new StateDict(out);
  }

  private void requirePrefix(String call, String prefix) {
    if (tensors.keySet().stream().noneMatch(name -> name.startsWith(prefix))) {
      throw new IllegalArgumentException(
          call + ": no name starts with " + quote(prefix) + " in state_dict " + names());
    }
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
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
