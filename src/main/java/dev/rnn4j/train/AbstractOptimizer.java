package dev.rnn4j.train;

import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.DType;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the three optimizers share: checking parameters against grads and state, keeping per-parameter
 * state by name, and {@link #state()} / {@link #loadState}. Subclasses supply the element-wise update.
 */
abstract class AbstractOptimizer implements Optimizer {
  /** The largest step count a float64 holds exactly. */
  private static final double MAX_STEP = 0x1p53;

  private final OptimizerConfig config;
  private final List<String> kinds;
  private Map<String, ParamState> states = new LinkedHashMap<>();

  /**
   * The state of one parameter: its update count and one buffer per kind, in the parameter's dtype
   * ({@code floats} for float32, {@code doubles} for float64, the other null). A loaded state without
   * buffers (SGD without momentum) knows no shape or dtype: both are null until its next step.
   */
  static final class ParamState {
    final DType dtype;
    final int[] shape;
    long step;
    final float[][] floats;
    final double[][] doubles;

    ParamState(DType dtype, int[] shape, int kinds) {
      this.dtype = dtype;
      this.shape = shape == null ? null : shape.clone();
      int n = shape == null ? 0 : Shape.numel(shape);
      this.floats = dtype == DType.FLOAT32 ? new float[kinds][n] : null;
      this.doubles = dtype == DType.FLOAT64 ? new double[kinds][n] : null;
    }
  }

  /**
   * @param kinds the buffers each parameter's state holds, in {@link #state()} order (zeros when created;
   *     an update may overwrite them on the first step, as SGD's momentum does)
   */
  AbstractOptimizer(OptimizerConfig config, String expectedType, List<String> kinds) {
    this.config = Objects.requireNonNull(config, "config");
    if (!config.type().equals(expectedType)) {
      throw new IllegalArgumentException(String.format("%s needs a config of type \"%s\", got \"%s\"",
          getClass().getSimpleName(), expectedType, config.type()));
    }
    this.kinds = List.copyOf(kinds);
  }

  /** Updates {@code p} in place from {@code g}; {@code s.step} already counts this update. */
  abstract void update(float[] p, float[] g, ParamState s);

  /** The float64 twin of {@link #update(float[], float[], ParamState)}. */
  abstract void update(double[] p, double[] g, ParamState s);

  @Override
  public final OptimizerConfig config() {
    return config;
  }

  @Override
  public final StateDict step(StateDict params, StateDict grads) {
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(grads, "grads");
    // Everything is checked before anything changes, so a failed step leaves the state as it was.
    for (String name : grads.names()) {
      if (!params.contains(name)) {
        throw new IllegalArgumentException(String.format(
            "grads has \"%s\", which is not a parameter; the parameters are %s", name, params.names()));
      }
    }
    for (String name : params.names()) {
      Tensor p = params.get(name);
      if (grads.contains(name)) {
        Tensor g = grads.get(name);
        if (!Arrays.equals(g.shape(), p.shape())) {
          throw new IllegalArgumentException(String.format(
              "grad of \"%s\" has shape %s, expected %s (the parameter's shape)", name,
              Shape.list(g.shape()), Shape.list(p.shape())));
        }
        if (g.dtype() != p.dtype()) {
          throw new IllegalArgumentException(String.format(
              "grad of \"%s\" has dtype %s, expected %s (the parameter's dtype)", name, g.dtype(),
              p.dtype()));
        }
      }
      ParamState s = states.get(name);
      if (s != null && s.shape != null
          && (!Arrays.equals(s.shape, p.shape()) || s.dtype != p.dtype())) {
        throw new IllegalArgumentException(String.format(
            "optimizer state of \"%s\" is for shape %s and dtype %s, but the parameter has shape %s and "
                + "dtype %s", name, Shape.list(s.shape), s.dtype, Shape.list(p.shape()), p.dtype()));
      }
    }
    for (String name : states.keySet()) {
      if (!params.contains(name)) {
        throw new IllegalArgumentException(String.format(
            "optimizer state has parameter \"%s\", which is not among the parameters %s", name,
            params.names()));
      }
    }

    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, ParamState> next = new LinkedHashMap<>();
    for (String name : params.names()) {
      Tensor p = params.get(name);
      ParamState s = states.get(name);
      if (!grads.contains(name)) {
        out.put(name, p);
        if (s != null) {
          next.put(name, s);
        }
        continue;
      }
      if (s == null || s.shape == null) {
        long count = s == null ? 0 : s.step;
        s = new ParamState(p.dtype(), p.shape(), kinds.size()); // torch.optim's lazy state init
        s.step = count;
      }
      s.step++;
      if (p.dtype() == DType.FLOAT32) {
        float[] values = p.toFloatArray();
        update(values, grads.get(name).toFloatArray(), s);
        out.put(name, Tensor.wrap(values, p.shape()));
      } else {
        double[] values = p.toDoubleArray();
        update(values, grads.get(name).toDoubleArray(), s);
        out.put(name, Tensor.wrap(values, p.shape()));
      }
      next.put(name, s);
    }
    states = next; // parameter order, which state() reports
    return StateDict.of(out);
  }

  @Override
  public final StateDict state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    states.forEach((name, s) -> {
      out.put("step." + name, Tensor.wrap(new double[] {s.step}));
      for (int k = 0; k < kinds.size(); k++) {
        out.put(kinds.get(k) + "." + name, s.floats != null
            ? Tensor.of(s.floats[k], s.shape)
            : Tensor.of(s.doubles[k], s.shape));
      }
    });
    return StateDict.of(out);
  }

  @Override
  public final void loadState(StateDict state) {
    Objects.requireNonNull(state, "state");
    Map<String, Map<String, Tensor>> byParam = new LinkedHashMap<>();
    for (String key : state.names()) {
      int dot = key.indexOf('.');
      if (dot <= 0 || dot == key.length() - 1) {
        throw new IllegalArgumentException(String.format(
            "optimizer state entry \"%s\" is not named <kind>.<parameter>", key));
      }
      String kind = key.substring(0, dot);
      if (!kind.equals("step") && !kinds.contains(kind)) {
        throw new IllegalArgumentException(String.format(
            "optimizer state entry \"%s\" has kind \"%s\", which %s does not keep; it keeps %s", key,
            kind, config, keptKinds()));
      }
      byParam.computeIfAbsent(key.substring(dot + 1), n -> new LinkedHashMap<>())
          .put(kind, state.get(key));
    }
    Map<String, ParamState> loaded = new LinkedHashMap<>();
    byParam.forEach((name, entries) -> loaded.put(name, load(name, entries)));
    states = loaded;
  }

  private ParamState load(String name, Map<String, Tensor> entries) {
    Tensor step = entries.get("step");
    if (step == null) {
      throw missing(name, "step");
    }
    if (step.dtype() != DType.FLOAT64 || step.dim() != 0) {
      throw new IllegalArgumentException(String.format(
          "optimizer state entry \"step.%s\" must be a float64 scalar (shape []), got %s of shape %s",
          name, step.dtype(), Shape.list(step.shape())));
    }
    double count = step.getFlat(0);
    if (!(count >= 1 && count <= MAX_STEP && count == Math.rint(count))) {
      throw new IllegalArgumentException(String.format(
          "optimizer state entry \"step.%s\" must be a whole number >= 1, got %s", name, count));
    }
    Tensor first = null;
    String firstKind = null;
    for (String kind : kinds) {
      Tensor t = entries.get(kind);
      if (t == null) {
        throw missing(name, kind);
      }
      if (first == null) {
        first = t;
        firstKind = kind;
      } else if (!Arrays.equals(t.shape(), first.shape()) || t.dtype() != first.dtype()) {
        throw new IllegalArgumentException(String.format(
            "optimizer state entry \"%s.%s\" has shape %s and dtype %s, but \"%s.%s\" has shape %s and "
                + "dtype %s", kind, name, Shape.list(t.shape()), t.dtype(), firstKind, name,
            Shape.list(first.shape()), first.dtype()));
      }
    }
    // With no buffers (SGD without momentum) nothing fixes the shape: the next step takes the parameter's.
    ParamState s = first == null
        ? new ParamState(null, null, 0)
        : new ParamState(first.dtype(), first.shape(), kinds.size());
    s.step = (long) count;
    for (int k = 0; k < kinds.size(); k++) {
      Tensor t = entries.get(kinds.get(k));
      if (s.floats != null) {
        s.floats[k] = t.toFloatArray();
      } else {
        s.doubles[k] = t.toDoubleArray();
      }
    }
    return s;
  }

  private IllegalArgumentException missing(String name, String kind) {
    return new IllegalArgumentException(String.format(
        "optimizer state for parameter \"%s\" has no \"%s.%s\"; %s keeps %s", name, kind, name, config,
        keptKinds()));
  }

  private String keptKinds() {
    StringBuilder sb = new StringBuilder("step");
    kinds.forEach(k -> sb.append(", ").append(k));
    return sb.toString();
  }
}
