package dev.rnn4j.train;

import dev.rnn4j.backend.Backend;
import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import dev.rnn4j.backend.HostStorage;
import dev.rnn4j.backend.Storage;
import dev.rnn4j.nn.Parameter;
import dev.rnn4j.nn.StateDict;
import dev.rnn4j.tensor.Shape;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the three optimizers share: the parameters they are bound to, per-parameter state (an update
 * count and buffers on the parameter's device), and {@link #state()} / {@link #loadState}.
 * Subclasses supply the update, one backend operation per parameter.
 */
abstract class AbstractOptimizer implements Optimizer {
  /** The largest step count a float64 holds exactly. */
  private static final double MAX_STEP = 0x1p53;

  private final OptimizerConfig config;
  private final List<String> kinds;
  private final List<Parameter> parameters;
  private final Map<String, ParamState> states = new LinkedHashMap<>();
  private double lr;
  private boolean closed;

  /**
   * The state of one parameter: its update count and one buffer per kind, on the parameter's
   * backend and in its dtype (none for SGD without momentum).
   */
  static final class ParamState {
    final Backend backend;
    final DType dtype;
    long step;
    final List<Storage> buffers = new ArrayList<>();

    ParamState(Backend backend, DType dtype) {
      this.backend = backend;
      this.dtype = dtype;
    }

    Storage buffer(int k) {
      return buffers.get(k);
    }
  }

  /**
   * @param kinds the buffers each parameter's state holds, in {@link #state()} order (zeros when
   *     created; an update may overwrite them on the first step, as SGD's momentum does)
   */
  AbstractOptimizer(
      OptimizerConfig config, String expectedType, List<String> kinds, List<Parameter> parameters) {
    this.config = Objects.requireNonNull(config, "config");
    if (!config.type().equals(expectedType)) {
      throw new IllegalArgumentException(
          String.format(
              "%s needs a config of type \"%s\", got \"%s\"",
              getClass().getSimpleName(), expectedType, config.type()));
    }
    this.lr = config.lr();
    this.kinds = List.copyOf(kinds);
    this.parameters = List.copyOf(Objects.requireNonNull(parameters, "parameters"));
    if (this.parameters.isEmpty()) {
      throw new IllegalArgumentException("optimizer got an empty parameter list");
    }
    Set<String> names = new HashSet<>();
    for (Parameter p : this.parameters) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException(
            "some parameters appear in more than one parameter group: \""
                + p.name()
                + "\" is given twice");
      }
    }
  }

  /** One update of {@code p} from its gradient; {@code s.step} already counts this update. */
  abstract void update(Parameter p, ParamState s);

  @Override
  public final OptimizerConfig config() {
    return config;
  }

  @Override
  public final double lr() {
    return lr;
  }

  @Override
  public final void setLr(double lr) {
    if (!Double.isFinite(lr)) {
      throw new IllegalArgumentException("Invalid learning rate: " + OptimizerConfig.repr(lr));
    }
    this.lr = lr;
  }

  @Override
  public final List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public final void step() {
    if (closed) {
      throw new IllegalStateException(config + " used after close");
    }
    // Everything is checked before anything changes, so a failed step leaves the state as it was.
    for (Parameter p : parameters) {
      ParamState s = states.get(p.name());
      if (p.hasGrad()
          && s != null
          && (!s.backend.device().equals(p.device()) || s.dtype != p.dtype())) {
        throw new IllegalStateException(
            String.format(
                "optimizer state of \"%s\" is on %s in %s, but the parameter is now on %s in %s:"
                    + " create the optimizer after moving the model",
                p.name(), s.backend.device(), s.dtype, p.device(), p.dtype()));
      }
    }
    for (Parameter p : parameters) {
      if (!p.hasGrad()) {
        continue;
      }
      ParamState s =
          states.computeIfAbsent(p.name(), n -> newState(p)); // torch.optim's lazy state init
      s.step++;
      update(p, s);
    }
  }

  private ParamState newState(Parameter p) {
    ParamState s = new ParamState(p.backend(), p.dtype());
    for (int k = 0; k < kinds.size(); k++) {
      s.buffers.add(p.backend().allocate(p.dtype(), p.numel()));
    }
    return s;
  }

  @Override
  public final void close() {
    closed = true;
    states.values().forEach(s -> s.buffers.forEach(Storage::close));
    states.clear();
  }

  @Override
  public final void zeroGrad() {
    parameters.forEach(Parameter::zeroGrad);
  }

  @Override
  public final StateDict state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      ParamState s = states.get(p.name());
      if (s == null) {
        continue;
      }
      out.put("step." + p.name(), Tensor.wrap(new double[] {s.step}));
      for (int k = 0; k < kinds.size(); k++) {
        HostStorage host = HostStorage.zeros(s.dtype, p.numel());
        s.backend.download(s.buffer(k), host);
        out.put(
            kinds.get(k) + "." + p.name(),
            s.dtype == DType.FLOAT32
                ? Tensor.wrap(host.floats(), p.shape())
                : Tensor.wrap(host.doubles(), p.shape()));
      }
    }
    return StateDict.of(out);
  }

  @Override
  public final void loadState(StateDict state) {
    Objects.requireNonNull(state, "state");
    Map<String, Parameter> byName = new LinkedHashMap<>();
    parameters.forEach(p -> byName.put(p.name(), p));
    Map<String, Map<String, Tensor>> byParam = new LinkedHashMap<>();
    for (String key : state.names()) {
      int dot = key.indexOf('.');
      if (dot <= 0 || dot == key.length() - 1) {
        throw new IllegalArgumentException(
            String.format("optimizer state entry \"%s\" is not named <kind>.<parameter>", key));
      }
      String kind = key.substring(0, dot);
      if (!kind.equals("step") && !kinds.contains(kind)) {
        throw new IllegalArgumentException(
            String.format(
                "optimizer state entry \"%s\" has kind \"%s\", which %s does not keep; it keeps %s",
                key, kind, config, keptKinds()));
      }
      String name = key.substring(dot + 1);
      if (!byName.containsKey(name)) {
        throw new IllegalArgumentException(
            String.format(
                "optimizer state has parameter \"%s\", which is not among the parameters %s",
                name, byName.keySet()));
      }
      byParam.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(kind, state.get(key));
    }
    if (closed) {
      throw new IllegalStateException(config + " used after close");
    }
    Map<String, long[]> steps = new LinkedHashMap<>();
    byParam.forEach(
        (name, entries) -> steps.put(name, new long[] {check(byName.get(name), entries)}));
    // Checked: build the new state (in parameter order, as state() reports it), then replace the
    // old.
    Map<String, ParamState> loaded = new LinkedHashMap<>();
    try {
      for (Parameter p : parameters) {
        Map<String, Tensor> entries = byParam.get(p.name());
        if (entries == null) {
          continue;
        }
        ParamState s = newState(p);
        loaded.put(p.name(), s);
        s.step = steps.get(p.name())[0];
        for (int k = 0; k < kinds.size(); k++) {
          Tensor t = entries.get(kinds.get(k)).to(Device.CPU);
          p.backend().upload((HostStorage) t.storage(), s.buffer(k));
        }
      }
    } catch (RuntimeException e) {
      loaded.values().forEach(s -> s.buffers.forEach(Storage::close));
      throw e;
    }
    states.values().forEach(s -> s.buffers.forEach(Storage::close));
    states.clear();
    states.putAll(loaded);
  }

  /** Checks one parameter's entries; returns its step count. */
  private long check(Parameter p, Map<String, Tensor> entries) {
    String name = p.name();
    Tensor step = entries.get("step");
    if (step == null) {
      throw missing(name, "step");
    }
    if (step.dtype() != DType.FLOAT64 || step.dim() != 0) {
      throw new IllegalArgumentException(
          String.format(
              "optimizer state entry \"step.%s\" must be a float64 scalar (shape []), got %s of"
                  + " shape %s",
              name, step.dtype(), Shape.list(step.shape())));
    }
    double count = step.to(Device.CPU).getFlat(0);
    if (!(count >= 1 && count <= MAX_STEP && count == Math.rint(count))) {
      throw new IllegalArgumentException(
          String.format(
              "optimizer state entry \"step.%s\" must be a whole number >= 1, got %s",
              name, count));
    }
    for (String kind : kinds) {
      Tensor t = entries.get(kind);
      if (t == null) {
        throw missing(name, kind);
      }
      if (!Arrays.equals(t.shape(), p.shape()) || t.dtype() != p.dtype()) {
        throw new IllegalArgumentException(
            String.format(
                "optimizer state entry \"%s.%s\" has shape %s and dtype %s, but the parameter has"
                    + " shape %s and dtype %s",
                kind, name, Shape.list(t.shape()), t.dtype(), Shape.list(p.shape()), p.dtype()));
      }
    }
    return (long) count;
  }

  private IllegalArgumentException missing(String name, String kind) {
    return new IllegalArgumentException(
        String.format(
            "optimizer state for parameter \"%s\" has no \"%s.%s\"; %s keeps %s",
            name, kind, name, config, keptKinds()));
  }

  private String keptKinds() {
    StringBuilder sb = new StringBuilder("step");
    kinds.forEach(k -> sb.append(", ").append(k));
    return sb.toString();
  }
}
