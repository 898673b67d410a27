package dev.rnn4j.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A typed parameter name: {@code ParamKey(WEIGHT_HH, 1, true)} renders as {@code
 * weight_hh_l1_reverse}.
 *
 * <p>Keys are built from a configuration and rendered to names, never parsed back from names: a
 * loader looks up the names it expects and reports the rest as unexpected.
 *
 * <p>Shapes for layer k (G gate matrices: RNN 1, GRU 3, LSTM 4; H = hidden_size; H_out as in {@link
 * RnnShape#outputSize()}; I_k = input_size for k = 0, D * H_out above):
 *
 * <pre>
 * weight_ih_l{k}   (G*H, I_k)
 * weight_hh_l{k}   (G*H, H_out)
 * bias_ih_l{k}     (G*H)           second bias kept for cuDNN's layout: b_ih and b_hh are both added
 * bias_hh_l{k}     (G*H)
 * weight_hr_l{k}   (H_out, H)      LSTM with proj_size only
 * </pre>
 */
public final class ParamKey {
  /** The five kinds of recurrent parameters, in PyTorch's per-layer order. */
  public enum Kind {
    /** The input-to-hidden weights, (G*H, I_k). */
    WEIGHT_IH("weight_ih"),
    /** The hidden-to-hidden weights, (G*H, H_out). */
    WEIGHT_HH("weight_hh"),
    /** The input-to-hidden bias, (G*H). */
    BIAS_IH("bias_ih"),
    /** The hidden-to-hidden bias, (G*H). */
    BIAS_HH("bias_hh"),
    /** The LSTM projection, (H_out, H); only with proj_size. */
    WEIGHT_HR("weight_hr");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /**
     * The name's start before the layer suffix.
     *
     * @return e.g. {@code weight_ih}
     */
    public String prefix() {
      return prefix;
    }
  }

  private final Kind kind;
  private final int layer;
  private final boolean reverse;

  private ParamKey(Kind kind, int layer, boolean reverse) {
    this.kind = kind;
    this.layer = layer;
    this.reverse = reverse;
  }

  /**
   * The key of one parameter.
   *
   * @param kind which of the five kinds
   * @param layer the layer, from 0
   * @param reverse whether it belongs to the reverse direction
   * @return the key
   * @throws IllegalArgumentException if {@code layer} is negative
   */
  public static ParamKey of(Kind kind, int layer, boolean reverse) {
    if (layer < 0) {
      throw new IllegalArgumentException("layer must be non-negative, got " + layer);
    }
    return new ParamKey(Objects.requireNonNull(kind, "kind"), layer, reverse);
  }

  /**
   * Every parameter of a configuration, in the order of PyTorch's {@code state_dict()}.
   *
   * @param config the recurrent stack
   * @return the keys, unmodifiable
   */
  public static List<ParamKey> all(RnnShape config) {
    List<ParamKey> keys = new ArrayList<>();
    for (int layer = 0; layer < config.numLayers(); layer++) {
      for (int d = 0; d < config.numDirections(); d++) {
        boolean reverse = d == 1;
        keys.add(new ParamKey(Kind.WEIGHT_IH, layer, reverse));
        keys.add(new ParamKey(Kind.WEIGHT_HH, layer, reverse));
        if (config.bias()) {
          keys.add(new ParamKey(Kind.BIAS_IH, layer, reverse));
          keys.add(new ParamKey(Kind.BIAS_HH, layer, reverse));
        }
        if (config.projSize() > 0) {
          keys.add(new ParamKey(Kind.WEIGHT_HR, layer, reverse));
        }
      }
    }
    return Collections.unmodifiableList(keys);
  }

  /**
   * The kind of parameter.
   *
   * @return one of the five kinds
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The layer, from 0.
   *
   * @return k in {@code weight_ih_l{k}}
   */
  public int layer() {
    return layer;
  }

  /**
   * Whether this parameter belongs to direction 1, the one that reads the sequence backwards.
   *
   * @return true for the {@code _reverse} parameters
   */
  public boolean reverse() {
    return reverse;
  }

  /**
   * The direction index d: 0 forward, 1 reverse.
   *
   * @return 0 or 1
   */
  public int direction() {
    return reverse ? 1 : 0;
  }

  /**
   * This parameter's shape in a module of the given configuration (table in the class comment).
   *
   * @param config the recurrent stack the parameter belongs to
   * @return a new array of the sizes
   */
  public int[] shape(RnnShape config) {
    int gh = config.mode().gateCount() * config.hiddenSize();
    switch (kind) {
      case WEIGHT_IH:
        return new int[] {gh, config.layerInputSize(layer)};
      case WEIGHT_HH:
        return new int[] {gh, config.outputSize()};
      case BIAS_IH:
      case BIAS_HH:
        return new int[] {gh};
      case WEIGHT_HR:
        return new int[] {config.projSize(), config.hiddenSize()};
      default:
        throw new AssertionError(kind);
    }
  }

  /**
   * PyTorch's name, e.g. {@code weight_hh_l1_reverse}.
   *
   * @return the name, as in {@code state_dict()}
   */
  public String name() {
    return kind.prefix + "_l" + layer + (reverse ? "_reverse" : "");
  }

  @Override
  public String toString() {
    return name();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ParamKey)) {
      return false;
    }
    ParamKey k = (ParamKey) o;
    return kind == k.kind && layer == k.layer && reverse == k.reverse;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, layer, reverse);
  }
}
