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
import dev.rnn4j.nn.Parameter;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The arguments of one {@code torch.optim} optimizer with one parameter group: {@code
 * torch.optim.SGD}, {@code Adam} or {@code AdamW} ({@code maximize=False}, {@code foreach=False}),
 * as an immutable, validated value.
 *
 * <p>Build one with a factory, which takes PyTorch's defaults, and the withers:
 *
 * <pre>{@code
 * OptimizerConfig sgd = OptimizerConfig.sgd(0.1).withMomentum(0.9).withNesterov(true);
 * OptimizerConfig adam = OptimizerConfig.adam(1e-3).withBetas(0.9, 0.98).withAmsgrad(true);
 * Optimizer optimizer = adam.create(model.parameters());
 * }</pre>
 *
 * <table>
 *   <caption>Arguments and defaults</caption>
 *   <tr><th>type</th><th>arguments (PyTorch's defaults)</th></tr>
 *   <tr><td>{@code "sgd"}</td><td>{@code lr} (required), {@code momentum=0}, {@code dampening=0},
 *       {@code weight_decay=0}, {@code nesterov=False}</td></tr>
 *   <tr><td>{@code "adam"}</td><td>{@code lr=1e-3}, {@code betas=(0.9, 0.999)}, {@code eps=1e-8},
 *       {@code weight_decay=0}, {@code amsgrad=False}</td></tr>
 *   <tr><td>{@code "adamw"}</td><td>as Adam, but {@code weight_decay=1e-2} (decoupled)</td></tr>
 * </table>
 *
 * <p>Fields that the type does not take ({@code momentum}, {@code dampening} and {@code nesterov}
 * for Adam and AdamW; {@code beta1}, {@code beta2}, {@code eps} and {@code amsgrad} for SGD) must
 * be zero and false, so that equal optimizers have equal configs and {@link #toJson} loses nothing.
 *
 * <p>Validation raises {@link IllegalArgumentException} with torch.optim's messages, in its order:
 * {@code "Invalid learning rate: -1.0"}, {@code "Invalid momentum value: -0.5"}, {@code "Invalid
 * weight_decay value: -0.1"}, {@code "Nesterov momentum requires a momentum and zero dampening"},
 * {@code "Invalid epsilon value: -1e-08"}, {@code "Invalid beta parameter at index 0: 1.5"}. Unlike
 * PyTorch, NaN and infinities are rejected everywhere ({@code "Invalid learning rate: nan"});
 * PyTorch lets some through (SGD's {@code lr < 0.0} is false for NaN).
 *
 * @param type {@code "sgd"}, {@code "adam"} or {@code "adamw"}
 * @param lr the learning rate
 * @param momentum SGD's momentum factor
 * @param dampening SGD's dampening for momentum
 * @param weightDecay L2 penalty (SGD, Adam) or decoupled weight decay (AdamW)
 * @param nesterov SGD's Nesterov momentum
 * @param beta1 Adam's {@code betas[0]}
 * @param beta2 Adam's {@code betas[1]}
 * @param eps Adam's term added to the denominator
 * @param amsgrad Adam's AMSGrad variant
 */
public record OptimizerConfig(
    String type,
    double lr,
    double momentum,
    double dampening,
    double weightDecay,
    boolean nesterov,
    double beta1,
    double beta2,
    double eps,
    boolean amsgrad) {

  /** The {@code type} of {@code torch.optim.SGD}. */
  public static final String SGD = "sgd";

  /** The {@code type} of {@code torch.optim.Adam}. */
  public static final String ADAM = "adam";

  /** The {@code type} of {@code torch.optim.AdamW}. */
  public static final String ADAMW = "adamw";

  private static final List<String> SGD_KEYS =
      List.of("type", "lr", "momentum", "dampening", "weight_decay", "nesterov");
  private static final List<String> ADAM_KEYS =
      List.of("type", "lr", "betas", "eps", "weight_decay", "amsgrad");
  // Strict: duplicate keys and content after the object are errors.
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Validates in torch.optim's order; see the class documentation. */
  public OptimizerConfig {
    if (!SGD.equals(type) && !ADAM.equals(type) && !ADAMW.equals(type)) {
      throw new IllegalArgumentException(
          "type must be one of \"sgd\", \"adam\", \"adamw\", got "
              + (type == null ? "null" : "\"" + type + "\""));
    }
    if (type.equals(SGD)) {
      check(lr >= 0.0, "Invalid learning rate: %s", lr);
      check(momentum >= 0.0, "Invalid momentum value: %s", momentum);
      check(weightDecay >= 0.0, "Invalid weight_decay value: %s", weightDecay);
      check(
          Double.isFinite(dampening),
          "Invalid dampening value: %s",
          dampening); // any sign, as PyTorch
      if (nesterov && (momentum <= 0 || dampening != 0)) {
        throw new IllegalArgumentException(
            "Nesterov momentum requires a momentum and zero dampening");
      }
      unused(type, beta1, "beta1");
      unused(type, beta2, "beta2");
      unused(type, eps, "eps");
      if (amsgrad) {
        throw new IllegalArgumentException(
            "amsgrad is not an argument of torch.optim.SGD: it must be false for type \"sgd\"");
      }
    } else {
      check(lr >= 0.0, "Invalid learning rate: %s", lr);
      check(eps >= 0.0, "Invalid epsilon value: %s", eps);
      check(0.0 <= beta1 && beta1 < 1.0, "Invalid beta parameter at index 0: %s", beta1);
      check(0.0 <= beta2 && beta2 < 1.0, "Invalid beta parameter at index 1: %s", beta2);
      check(weightDecay >= 0.0, "Invalid weight_decay value: %s", weightDecay);
      unused(type, momentum, "momentum");
      unused(type, dampening, "dampening");
      if (nesterov) {
        throw new IllegalArgumentException(
            "nesterov is not an argument of torch.optim."
                + torchName(type)
                + ": it must be false for type \""
                + type
                + "\"");
      }
    }
  }

  /** {@code torch.optim.SGD(params, lr)}: no momentum, dampening or weight decay, no Nesterov. */
  public static OptimizerConfig sgd(double lr) {
    return new OptimizerConfig(SGD, lr, 0.0, 0.0, 0.0, false, 0.0, 0.0, 0.0, false);
  }

  /**
   * {@code torch.optim.Adam(params, lr)}: betas (0.9, 0.999), eps 1e-8, no weight decay, no
   * AMSGrad.
   */
  public static OptimizerConfig adam(double lr) {
    return new OptimizerConfig(ADAM, lr, 0.0, 0.0, 0.0, false, 0.9, 0.999, 1e-8, false);
  }

  /** {@code torch.optim.AdamW(params, lr)}: as {@link #adam} but with weight decay 1e-2. */
  public static OptimizerConfig adamw(double lr) {
    return new OptimizerConfig(ADAMW, lr, 0.0, 0.0, 1e-2, false, 0.9, 0.999, 1e-8, false);
  }

  /** The same config with learning rate {@code lr}. */
  public OptimizerConfig withLr(double lr) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** SGD only. */
  public OptimizerConfig withMomentum(double momentum) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** SGD only. */
  public OptimizerConfig withDampening(double dampening) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** The same config with {@code weight_decay} {@code weightDecay}. */
  public OptimizerConfig withWeightDecay(double weightDecay) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** SGD only; needs a positive momentum and zero dampening, so set those first. */
  public OptimizerConfig withNesterov(boolean nesterov) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** Adam and AdamW only: {@code betas=(beta1, beta2)}. */
  public OptimizerConfig withBetas(double beta1, double beta2) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** Adam and AdamW only. */
  public OptimizerConfig withEps(double eps) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /** Adam and AdamW only. */
  public OptimizerConfig withAmsgrad(boolean amsgrad) {
    return new OptimizerConfig(
        type, lr, momentum, dampening, weightDecay, nesterov, beta1, beta2, eps, amsgrad);
  }

  /**
   * A new optimizer over {@code parameters} with empty state: {@link Sgd}, {@link Adam} or {@link
   * AdamW}, as {@code torch.optim.Adam(model.parameters(), ...)}. It updates the parameters in
   * place, on their device; its state lives there too.
   *
   * @throws IllegalArgumentException when {@code parameters} is empty or names a parameter twice
   *     (parameters of several dtypes or devices are allowed, as in PyTorch: each is updated where
   *     it is)
   */
  public Optimizer create(List<Parameter> parameters) {
    switch (type) {
      case SGD:
        return new Sgd(this, parameters);
      case ADAM:
        return new Adam(this, parameters);
      default:
        return new AdamW(this, parameters);
    }
  }

  /**
   * This config as JSON with torch.optim's argument names, in the form Python's {@code
   * json.dump(cfg, f, indent=2)} writes, followed by a newline; only the type's own arguments:
   *
   * <pre>{@code
   * {
   *   "type": "adam",
   *   "lr": 0.001,
   *   "betas": [
   *     0.9,
   *     0.999
   *   ],
   *   "eps": 1e-08,
   *   "weight_decay": 0.0,
   *   "amsgrad": false
   * }
   * }</pre>
   *
   * <p>SGD writes {@code type, lr, momentum, dampening, weight_decay, nesterov}. So Python rebuilds
   * the optimizer with {@code getattr(torch.optim, name)(params, **args)} (betas as a tuple).
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"type\": \"").append(type).append("\",\n");
    sb.append("  \"lr\": ").append(PythonText.floatRepr(lr)).append(",\n");
    if (type.equals(SGD)) {
      sb.append("  \"momentum\": ").append(PythonText.floatRepr(momentum)).append(",\n");
      sb.append("  \"dampening\": ").append(PythonText.floatRepr(dampening)).append(",\n");
      sb.append("  \"weight_decay\": ").append(PythonText.floatRepr(weightDecay)).append(",\n");
      sb.append("  \"nesterov\": ").append(nesterov).append('\n');
    } else {
      sb.append("  \"betas\": [\n    ")
          .append(PythonText.floatRepr(beta1))
          .append(",\n    ")
          .append(PythonText.floatRepr(beta2))
          .append("\n  ],\n");
      sb.append("  \"eps\": ").append(PythonText.floatRepr(eps)).append(",\n");
      sb.append("  \"weight_decay\": ").append(PythonText.floatRepr(weightDecay)).append(",\n");
      sb.append("  \"amsgrad\": ").append(amsgrad).append('\n');
    }
    return sb.append("}\n").toString();
  }

  /**
   * Parses what {@link #toJson} writes (any JSON layout). Strict: {@code type} is required, and so
   * is {@code lr} for SGD; a missing optional key takes PyTorch's default; an unknown key
   * (including another type's argument), a duplicate key, a value of the wrong JSON type ({@code
   * "0.1"} for a number, {@code 1} for a boolean) or {@code betas} that are not two numbers is an
   * {@link IllegalArgumentException}, and the values are then validated with torch.optim's
   * messages. Malformed JSON is reported with Jackson's message and, where it has one, the line and
   * column.
   */
  public static OptimizerConfig fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(Objects.requireNonNull(json, "json"));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          "optimizer config is not valid JSON: "
              + e.getOriginalMessage()
              + (at == null
                  ? ""
                  : String.format(" (line %d, column %d)", at.getLineNr(), at.getColumnNr())),
          e);
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException("optimizer config is not valid JSON: no JSON value");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("optimizer config must be a JSON object, got " + root);
    }
    JsonNode typeNode = root.get("type");
    if (typeNode == null) {
      throw new IllegalArgumentException("optimizer config is missing required key \"type\"");
    }
    if (!typeNode.isTextual()) {
      throw new IllegalArgumentException("type must be a string, got " + typeNode);
    }
    String type = typeNode.textValue();
    if (!List.of(SGD, ADAM, ADAMW).contains(type)) {
      throw new IllegalArgumentException(
          "type must be one of \"sgd\", \"adam\", \"adamw\", got " + typeNode);
    }
    List<String> keys = type.equals(SGD) ? SGD_KEYS : ADAM_KEYS;
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(
            String.format(
                "optimizer config of type \"%s\" has unknown key %s; the keys are %s",
                type, TextNode.valueOf(key), String.join(", ", keys)));
      }
    }
    // Every value is read before the constructor validates them all, so a wrongly typed value is
    // reported as such rather than as an invalid setting.
    if (type.equals(SGD)) {
      if (!root.has("lr")) {
        throw new IllegalArgumentException(
            "optimizer config is missing required key \"lr\" (torch.optim.SGD has no default)");
      }
      return new OptimizerConfig(
          type,
          number(root, "lr", 0.0),
          number(root, "momentum", 0.0),
          number(root, "dampening", 0.0),
          number(root, "weight_decay", 0.0),
          bool(root, "nesterov"),
          0.0,
          0.0,
          0.0,
          false);
    }
    OptimizerConfig d = type.equals(ADAM) ? adam(1e-3) : adamw(1e-3);
    double lr = number(root, "lr", d.lr());
    double beta1 = d.beta1();
    double beta2 = d.beta2();
    JsonNode betas = root.get("betas");
    if (betas != null) {
      if (!betas.isArray() || betas.size() != 2) {
        throw new IllegalArgumentException("betas must be an array of two numbers, got " + betas);
      }
      beta1 = number(betas.get(0), "betas[0]");
      beta2 = number(betas.get(1), "betas[1]");
    }
    return new OptimizerConfig(
        type,
        lr,
        0.0,
        0.0,
        number(root, "weight_decay", d.weightDecay()),
        false,
        beta1,
        beta2,
        number(root, "eps", d.eps()),
        bool(root, "amsgrad"));
  }

  private static double number(JsonNode root, String key, double missing) {
    return root.has(key) ? number(root.get(key), key) : missing;
  }

  private static double number(JsonNode value, String name) {
    if (!value.isNumber()) {
      throw new IllegalArgumentException(name + " must be a number, got " + value);
    }
    return value.doubleValue();
  }

  private static boolean bool(JsonNode root, String key) {
    JsonNode value = root.get(key);
    if (value != null && !value.isBoolean()) {
      throw new IllegalArgumentException(key + " must be a boolean, got " + value);
    }
    return value != null && value.booleanValue();
  }

  /**
   * As PyTorch prints the optimizer's defaults: {@code Adam(lr=0.001, betas=(0.9, 0.999), ...)}.
   */
  @Override
  public String toString() {
    String head = torchName(type) + "(lr=" + PythonText.floatRepr(lr);
    if (type.equals(SGD)) {
      return head
          + ", momentum="
          + PythonText.floatRepr(momentum)
          + ", dampening="
          + PythonText.floatRepr(dampening)
          + ", weight_decay="
          + PythonText.floatRepr(weightDecay)
          + ", nesterov="
          + (nesterov ? "True" : "False")
          + ")";
    }
    return head
        + ", betas=("
        + PythonText.floatRepr(beta1)
        + ", "
        + PythonText.floatRepr(beta2)
        + "), eps="
        + PythonText.floatRepr(eps)
        + ", weight_decay="
        + PythonText.floatRepr(weightDecay)
        + ", amsgrad="
        + (amsgrad ? "True" : "False")
        + ")";
  }

  /** The class name in {@code torch.optim}: {@code SGD}, {@code Adam}, {@code AdamW}. */
  static String torchName(String type) {
    switch (type) {
      case SGD:
        return "SGD";
      case ADAM:
        return "Adam";
      default:
        return "AdamW";
    }
  }

  /** Python's {@code repr(float)}, including {@code nan}, {@code inf} and {@code -inf}. */
  static String repr(double x) {
    if (Double.isNaN(x)) {
      return "nan";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    return PythonText.floatRepr(x);
  }

  // `ok` is the condition torch.optim accepts. Non-finite values fail too: NaN slips through some
  // of PyTorch's checks and infinities through all, but neither is a usable setting nor valid JSON.
  private static void check(boolean ok, String format, double value) {
    if (!ok || !Double.isFinite(value)) {
      throw new IllegalArgumentException(String.format(format, repr(value)));
    }
  }

  private static void unused(String type, double value, String name) {
    // Compared bitwise so that -0.0 and NaN count as set: a config equal to another must mean the
    // same.
    if (Double.doubleToRawLongBits(value) != 0L) {
      throw new IllegalArgumentException(
          String.format(
              "%s is not an argument of torch.optim.%s: it must be 0.0 for type \"%s\", got %s",
              name, torchName(type), type, repr(value)));
    }
  }
}
