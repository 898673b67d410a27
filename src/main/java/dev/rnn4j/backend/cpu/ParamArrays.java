package dev.rnn4j.backend.cpu;

import dev.rnn4j.nn.ParamKey;
import dev.rnn4j.nn.RnnConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One array per parameter of a configuration, reachable by kind and by {@code k = layer * D + direction}:
 * the kernel's weights, and the gradients its backward pass produces.
 */
final class ParamArrays<A> {
  private final List<A> inOrder = new ArrayList<>();
  private final List<A> weightIh = new ArrayList<>();
  private final List<A> weightHh = new ArrayList<>();
  private final List<A> biasIh = new ArrayList<>();
  private final List<A> biasHh = new ArrayList<>();
  private final List<A> weightHr = new ArrayList<>();

  /** Fills each parameter with {@code make.apply(key)}, in {@link ParamKey#all} order. */
  ParamArrays(RnnConfig config, Function<ParamKey, A> make) {
    for (ParamKey key : ParamKey.all(config)) {
      A data = make.apply(key);
      inOrder.add(data);
      switch (key.kind()) {
        case WEIGHT_IH:
          weightIh.add(data);
          break;
        case WEIGHT_HH:
          weightHh.add(data);
          break;
        case BIAS_IH:
          biasIh.add(data);
          break;
        case BIAS_HH:
          biasHh.add(data);
          break;
        case WEIGHT_HR:
          weightHr.add(data);
          break;
        default:
          throw new AssertionError(key);
      }
    }
  }

  /** The arrays in {@link ParamKey#all} order. */
  List<A> inOrder() {
    return inOrder;
  }

  A weightIh(int k) {
    return weightIh.get(k);
  }

  A weightHh(int k) {
    return weightHh.get(k);
  }

  /** Null without bias. */
  A biasIh(int k) {
    return biasIh.isEmpty() ? null : biasIh.get(k);
  }

  /** Null without bias. */
  A biasHh(int k) {
    return biasHh.isEmpty() ? null : biasHh.get(k);
  }

  A weightHr(int k) {
    return weightHr.get(k);
  }
}
