package dev.rnn4j.train;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rnn4j.internal.PythonText;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The arguments of one {@code torch.optim.lr_scheduler} scheduler, as an immutable, validated
 * value: {@link Step} ({@code StepLR}), {@link CosineAnnealing} ({@code CosineAnnealingLR}), {@link
 * Linear} ({@code LinearLR}) or {@link ReduceOnPlateau} ({@code ReduceLROnPlateau}). The factories
 * take PyTorch's defaults:
 *
 * <pre>{@code
 * SchedulerConfig step = SchedulerConfig.stepLr(30);                   // gamma=0.1
 * SchedulerConfig cosine = SchedulerConfig.cosineAnnealingLr(100);     // eta_min=0
 * SchedulerConfig warmup = SchedulerConfig.linearLr();                 // 1/3 -> 1 over 5 epochs
 * SchedulerConfig plateau =
 *     new SchedulerConfig.ReduceOnPlateau("min", 0.5, 3, 1e-4, "rel", 0, 0.0, 1e-8);
 * LrScheduler scheduler = step.create(optimizer);
 * }</pre>
 *
 * <p>Validation raises {@link IllegalArgumentException} with one line: the rule, what was expected,
 * what was got ({@code "step_size must be a positive integer. Expected >= 1, got 0"}), with
 * PyTorch's own sentences where it has them ({@code "Factor should be < 1.0, got 1.5"}). rnn4j is
 * stricter than PyTorch on settings PyTorch takes but cannot use (a {@code step_size} or {@code
 * T_max} of 0 divide by zero there; NaN and infinities are refused everywhere).
 */
public sealed interface SchedulerConfig {
  /** {@code StepLR}. */
  String STEP_LR = "StepLR";

  /** {@code CosineAnnealingLR}. */
  String COSINE_ANNEALING_LR = "CosineAnnealingLR";

  /** {@code LinearLR}. */
  String LINEAR_LR = "LinearLR";

  /** {@code ReduceLROnPlateau}. */
  String REDUCE_LR_ON_PLATEAU = "ReduceLROnPlateau";

  /** The class name in {@code torch.optim.lr_scheduler}, as {@link #toJson()} writes it. */
  String type();

  /**
   * A new scheduler bound to {@code optimizer}, as {@code StepLR(optimizer, ...)}: the optimizer's
   * learning rate now becomes the schedule's base ({@code initial_lr}), and a {@link LinearLr} sets
   * it to {@code lr * start_factor} at once, as PyTorch's does.
   */
  LrScheduler create(Optimizer optimizer);

  /** The arguments by PyTorch's names, in its signature's order. */
  Map<String, Object> arguments();

  /**
   * This config as JSON, in the form Python's {@code json.dump(cfg, f, indent=2)} writes, followed
   * by a newline: {@code type} (the class name) and the arguments by PyTorch's names, so that
   * Python builds the scheduler with {@code getattr(torch.optim.lr_scheduler,
   * cfg.pop("type"))(optimizer, **cfg)}:
   *
   * <pre>{@code
   * {
   *   "type": "StepLR",
   *   "step_size": 30,
   *   "gamma": 0.1
   * }
   * }</pre>
   */
  default String toJson() {
    StringBuilder sb = new StringBuilder("{\n  \"type\": \"").append(type()).append('"');
    arguments()
        .forEach(
            (name, value) -> {
              sb.append(",\n  \"").append(name).append("\": ");
              if (value instanceof Double d) {
                sb.append(PythonText.floatRepr(d));
              } else if (value instanceof String s) {
                sb.append('"').append(s).append('"');
              } else {
                sb.append(value);
              }
            });
    return sb.append("\n}\n").toString();
  }

  /** {@code StepLR(step_size=30, gamma=0.1)}. */
  static SchedulerConfig stepLr(int stepSize) {
    return new Step(stepSize, 0.1);
  }

  /** {@code CosineAnnealingLR(T_max=100, eta_min=0.0)}. */
  static SchedulerConfig cosineAnnealingLr(int tMax) {
    return new CosineAnnealing(tMax, 0.0);
  }

  /** {@code LinearLR(start_factor=1/3, end_factor=1.0, total_iters=5)}. */
  static SchedulerConfig linearLr() {
    return new Linear(1.0 / 3, 1.0, 5);
  }

  /** {@code ReduceLROnPlateau} with PyTorch's defaults. */
  static SchedulerConfig reduceLrOnPlateau() {
    return new ReduceOnPlateau("min", 0.1, 10, 1e-4, "rel", 0, 0.0, 1e-8);
  }

  /**
   * {@code StepLR(optimizer, step_size, gamma=0.1)}: see {@link StepLr}.
   *
   * @param stepSize the period of the decay, in epochs ({@code >= 1})
   * @param gamma the factor of each decay ({@code > 0})
   */
  record Step(int stepSize, double gamma) implements SchedulerConfig {
    /** Validates. */
    public Step {
      positive("step_size", stepSize);
      check(gamma > 0, "gamma must be positive. Expected > 0, got %s", gamma);
    }

    @Override
    public String type() {
      return STEP_LR;
    }

    @Override
    public StepLr create(Optimizer optimizer) {
      return new StepLr(this, optimizer);
    }

    @Override
    public Map<String, Object> arguments() {
      return ordered("step_size", stepSize, "gamma", gamma);
    }

    @Override
    public String toString() {
      return repr(this);
    }
  }

  /**
   * {@code CosineAnnealingLR(optimizer, T_max, eta_min=0)}: see {@link CosineAnnealingLr}.
   *
   * @param tMax {@code T_max}: the epochs of a half period ({@code >= 1})
   * @param etaMin the smallest learning rate ({@code >= 0})
   */
  record CosineAnnealing(int tMax, double etaMin) implements SchedulerConfig {
    /** Validates. */
    public CosineAnnealing {
      positive("T_max", tMax);
      nonNegative("eta_min", etaMin);
    }

    @Override
    public String type() {
      return COSINE_ANNEALING_LR;
    }

    @Override
    public CosineAnnealingLr create(Optimizer optimizer) {
      return new CosineAnnealingLr(this, optimizer);
    }

    @Override
    public Map<String, Object> arguments() {
      return ordered("T_max", tMax, "eta_min", etaMin);
    }

    @Override
    public String toString() {
      return repr(this);
    }
  }

  /**
   * {@code LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)}: see {@link
   * LinearLr}.
   *
   * @param startFactor the factor at creation, in (0, 1]
   * @param endFactor the factor after {@code total_iters} steps, in [0, 1]
   * @param totalIters the steps from one to the other ({@code >= 1})
   */
  record Linear(double startFactor, double endFactor, int totalIters) implements SchedulerConfig {
    /** Validates, with PyTorch's sentences. */
    public Linear {
      check(
          startFactor > 0 && startFactor <= 1.0,
          "Starting multiplicative factor expected to be greater than 0 and less or equal to 1,"
              + " got %s",
          startFactor);
      check(
          endFactor >= 0 && endFactor <= 1.0,
          "Ending multiplicative factor expected to be between 0 and 1, got %s",
          endFactor);
      positive("total_iters", totalIters);
    }

    @Override
    public String type() {
      return LINEAR_LR;
    }

    @Override
    public LinearLr create(Optimizer optimizer) {
      return new LinearLr(this, optimizer);
    }

    @Override
    public Map<String, Object> arguments() {
      return ordered(
          "start_factor", startFactor, "end_factor", endFactor, "total_iters", totalIters);
    }

    @Override
    public String toString() {
      return repr(this);
    }
  }

  /**
   * {@code ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
   * threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)}: see {@link ReduceLrOnPlateau}. One
   * {@code min_lr} (one parameter group).
   *
   * @param mode {@code "min"} (a loss) or {@code "max"} (an accuracy)
   * @param factor the learning rate's factor at a reduction, in [0, 1)
   * @param patience bad epochs tolerated before a reduction ({@code >= 0})
   * @param threshold how much better a metric must be to count as better ({@code >= 0})
   * @param thresholdMode {@code "rel"} (a fraction of {@code best}) or {@code "abs"}
   * @param cooldown epochs after a reduction during which bad epochs are not counted ({@code >= 0})
   * @param minLr the learning rate's lower bound ({@code >= 0})
   * @param eps the smallest change of the learning rate that is applied ({@code >= 0})
   */
  record ReduceOnPlateau(
      String mode,
      double factor,
      int patience,
      double threshold,
      String thresholdMode,
      int cooldown,
      double minLr,
      double eps)
      implements SchedulerConfig {
    /** Validates, in PyTorch's order and with its sentences where it has them. */
    public ReduceOnPlateau {
      check(factor < 1.0, "Factor should be < 1.0, got %s", factor);
      nonNegative("factor", factor);
      if (!"min".equals(mode) && !"max".equals(mode)) {
        throw new IllegalArgumentException("mode " + mode + " is unknown! Expected 'min' or 'max'");
      }
      if (!"rel".equals(thresholdMode) && !"abs".equals(thresholdMode)) {
        throw new IllegalArgumentException(
            "threshold mode " + thresholdMode + " is unknown! Expected 'rel' or 'abs'");
      }
      nonNegative("patience", patience);
      nonNegative("threshold", threshold);
      nonNegative("cooldown", cooldown);
      nonNegative("min_lr", minLr);
      nonNegative("eps", eps);
    }

    @Override
    public String type() {
      return REDUCE_LR_ON_PLATEAU;
    }

    @Override
    public ReduceLrOnPlateau create(Optimizer optimizer) {
      return new ReduceLrOnPlateau(this, optimizer);
    }

    @Override
    public Map<String, Object> arguments() {
      Map<String, Object> args =
          ordered("mode", mode, "factor", factor, "patience", patience, "threshold", threshold);
      args.putAll(
          ordered(
              "threshold_mode", thresholdMode, "cooldown", cooldown, "min_lr", minLr, "eps", eps));
      return args;
    }

    @Override
    public String toString() {
      return repr(this);
    }
  }

  /**
   * Parses what {@link #toJson} writes (any JSON layout). Strict, as {@link
   * OptimizerConfig#fromJson}: {@code type} is required, and so are {@code step_size} for StepLR
   * and {@code T_max} for CosineAnnealingLR; a missing optional key takes PyTorch's default; an
   * unknown key, a duplicate key or a value of the wrong JSON type ({@code 2.5} for an integer,
   * {@code "0.1"} for a number) is an {@link IllegalArgumentException}, and the values are then
   * validated as the records validate them.
   */
  static SchedulerConfig fromJson(String json) {
    JsonNode root;
    try {
      root = mapper().readTree(Objects.requireNonNull(json, "json"));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          "scheduler config is not valid JSON: "
              + e.getOriginalMessage()
              + (at == null
                  ? ""
                  : String.format(" (line %d, column %d)", at.getLineNr(), at.getColumnNr())),
          e);
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new IllegalArgumentException("scheduler config must be a JSON object, got " + root);
    }
    JsonNode typeNode = root.get("type");
    if (typeNode == null) {
      throw new IllegalArgumentException("scheduler config is missing required key \"type\"");
    }
    List<String> types = List.of(STEP_LR, COSINE_ANNEALING_LR, LINEAR_LR, REDUCE_LR_ON_PLATEAU);
    if (!typeNode.isTextual() || !types.contains(typeNode.textValue())) {
      throw new IllegalArgumentException(
          "type must be one of \"StepLR\", \"CosineAnnealingLR\", \"LinearLR\","
              + " \"ReduceLROnPlateau\", got "
              + typeNode);
    }
    String type = typeNode.textValue();
    SchedulerConfig defaults =
        switch (type) {
          case STEP_LR -> stepLr(1);
          case COSINE_ANNEALING_LR -> cosineAnnealingLr(1);
          case LINEAR_LR -> linearLr();
          default -> reduceLrOnPlateau();
        };
    Map<String, Object> args = new LinkedHashMap<>(defaults.arguments());
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("type") && !args.containsKey(key)) {
        throw new IllegalArgumentException(
            String.format(
                "scheduler config of type \"%s\" has unknown key %s; the keys are type, %s",
                type, TextNode.valueOf(key), String.join(", ", args.keySet())));
      }
    }
    for (String required : List.of("step_size", "T_max")) {
      if (args.containsKey(required) && !root.has(required)) {
        throw new IllegalArgumentException(
            String.format(
                "scheduler config is missing required key \"%s\" (%s has no default)",
                required, type));
      }
    }
    for (Map.Entry<String, Object> arg : args.entrySet()) {
      JsonNode node = root.get(arg.getKey());
      if (node != null) {
        arg.setValue(value(arg.getKey(), node, arg.getValue()));
      }
    }
    return switch (type) {
      case STEP_LR -> new Step((Integer) args.get("step_size"), (Double) args.get("gamma"));
      case COSINE_ANNEALING_LR ->
          new CosineAnnealing((Integer) args.get("T_max"), (Double) args.get("eta_min"));
      case LINEAR_LR ->
          new Linear(
              (Double) args.get("start_factor"),
              (Double) args.get("end_factor"),
              (Integer) args.get("total_iters"));
      default ->
          new ReduceOnPlateau(
              (String) args.get("mode"),
              (Double) args.get("factor"),
              (Integer) args.get("patience"),
              (Double) args.get("threshold"),
              (String) args.get("threshold_mode"),
              (Integer) args.get("cooldown"),
              (Double) args.get("min_lr"),
              (Double) args.get("eps"));
    };
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(
          String.format("%s must be a positive integer. Expected >= 1, got %d", name, value));
    }
  }

  private static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          String.format("%s must be a non-negative integer. Expected >= 0, got %d", name, value));
    }
  }

  private static void nonNegative(String name, double value) {
    check(value >= 0, name + " must be non-negative. Expected >= 0, got %s", value);
  }

  // Non-finite values fail too: no schedule can use them, and JSON cannot hold them.
  private static void check(boolean ok, String format, double value) {
    if (!ok || !Double.isFinite(value)) {
      throw new IllegalArgumentException(String.format(format, OptimizerConfig.repr(value)));
    }
  }

  private static Map<String, Object> ordered(Object... namesAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int k = 0; k < namesAndValues.length; k += 2) {
      map.put((String) namesAndValues[k], namesAndValues[k + 1]);
    }
    return map;
  }

  /** {@code StepLR(step_size=30, gamma=0.1)}: the class and its arguments, Python's spelling. */
  private static String repr(SchedulerConfig config) {
    StringBuilder sb = new StringBuilder(config.type()).append('(');
    String sep = "";
    for (Map.Entry<String, Object> arg : config.arguments().entrySet()) {
      Object v = arg.getValue();
      sb.append(sep).append(arg.getKey()).append('=');
      sb.append(
          v instanceof Double d
              ? PythonText.floatRepr(d)
              : v instanceof String s ? "'" + s + "'" : v.toString());
      sep = ", ";
    }
    return sb.append(')').toString();
  }

  // Strict: duplicate keys and content after the object are errors.
  private static ObjectMapper mapper() {
    return JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }

  /** {@code node} as the type of {@code example}: Integer, Double or String. */
  private static Object value(String name, JsonNode node, Object example) {
    if (example instanceof Integer) {
      if (!node.isIntegralNumber() || !node.canConvertToInt()) {
        throw new IllegalArgumentException(name + " must be an integer, got " + node);
      }
      return node.intValue();
    }
    if (example instanceof Double) {
      if (!node.isNumber()) {
        throw new IllegalArgumentException(name + " must be a number, got " + node);
      }
      return node.doubleValue();
    }
    if (!node.isTextual()) {
      throw new IllegalArgumentException(name + " must be a string, got " + node);
    }
    return node.textValue();
  }
}
