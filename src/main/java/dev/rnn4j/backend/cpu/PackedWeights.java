package dev.rnn4j.backend.cpu;

import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.spec.ParamKey;
import dev.rnn4j.spec.RnnShape;
import java.util.ArrayList;
import java.util.List;

/**
 * One configuration's weights in the forms the kernel's products read, by {@code k = layer * D +
 * direction}: each matrix packed transposed (for the forward products {@code x W^T}) and as it is
 * (for backward's {@code dY W}), biases as flat arrays (null without bias).
 */
final class PackedWeights<A> {
  final List<A[]> ihT = new ArrayList<>();
  final List<A[]> hhT = new ArrayList<>();
  final List<A[]> hrT = new ArrayList<>();
  final List<A[]> ih = new ArrayList<>();
  final List<A[]> hh = new ArrayList<>();
  final List<A[]> hr = new ArrayList<>();
  final List<A> biasIh = new ArrayList<>();
  final List<A> biasHh = new ArrayList<>();

  PackedWeights(RnnShape config, CpuMath<A> math, List<HostStorage> parameters) {
    List<ParamKey> keys = ParamKey.all(config);
    for (int i = 0; i < keys.size(); i++) {
      ParamKey key = keys.get(i);
      A flat = math.copyOf(parameters.get(i));
      int[] shape = key.shape(config);
      switch (key.kind()) {
        case WEIGHT_IH:
          ihT.add(math.pack(flat, shape[0], shape[1], true));
          ih.add(math.pack(flat, shape[0], shape[1], false));
          break;
        case WEIGHT_HH:
          hhT.add(math.pack(flat, shape[0], shape[1], true));
          hh.add(math.pack(flat, shape[0], shape[1], false));
          break;
        case WEIGHT_HR:
          hrT.add(math.pack(flat, shape[0], shape[1], true));
          hr.add(math.pack(flat, shape[0], shape[1], false));
          break;
        case BIAS_IH:
          biasIh.add(flat);
          break;
        case BIAS_HH:
          biasHh.add(flat);
          break;
        default:
          throw new AssertionError(key);
      }
    }
  }

  A biasIh(int k) {
    return biasIh.isEmpty() ? null : biasIh.get(k);
  }

  A biasHh(int k) {
    return biasHh.isEmpty() ? null : biasHh.get(k);
  }
}
