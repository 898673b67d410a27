package dev.rnn4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@link OptimizerConfig#toJson}'s format. The parser is a small strict RFC 8259 reader written here
 * because the dependency rules keep Jackson inside {@code dev.rnn4j.io}; a config is one flat object, so
 * it needs only strings, numbers, booleans and one array. Not API.
 */
final class OptimizerConfigJson {
  private static final List<String> SGD_KEYS =
      List.of("type", "lr", "momentum", "dampening", "weight_decay", "nesterov");
  private static final List<String> ADAM_KEYS =
      List.of("type", "lr", "betas", "eps", "weight_decay", "amsgrad");
  /** A config is a few hundred characters; this bounds the work on hostile input. */
  private static final int MAX_CHARS = 1 << 16;
  private static final int MAX_DEPTH = 16;

  private OptimizerConfigJson() {}

  static OptimizerConfig parse(String json) {
    if (json.length() > MAX_CHARS) {
      throw new IllegalArgumentException(String.format(
          "optimizer config is over the %d characters a config may have, got %d", MAX_CHARS,
          json.length()));
    }
    Value root = new Reader(json).document();
    if (!(root.value instanceof Map)) {
      throw new IllegalArgumentException("optimizer config must be a JSON object, got " + root.text);
    }
    @SuppressWarnings("unchecked")
    Map<String, Value> obj = (Map<String, Value>) root.value;
    Value typeValue = obj.get("type");
    if (typeValue == null) {
      throw new IllegalArgumentException("optimizer config is missing required key \"type\"");
    }
    if (!(typeValue.value instanceof String)) {
      throw new IllegalArgumentException("type must be a string, got " + typeValue.text);
    }
    String type = (String) typeValue.value;
    List<String> keys;
    OptimizerConfig config;
    switch (type) {
      case OptimizerConfig.SGD:
        keys = SGD_KEYS;
        config = null; // no defaults to take: lr is required, as in torch.optim.SGD
        break;
      case OptimizerConfig.ADAM:
        keys = ADAM_KEYS;
        config = OptimizerConfig.adam(1e-3);
        break;
      case OptimizerConfig.ADAMW:
        keys = ADAM_KEYS;
        config = OptimizerConfig.adamw(1e-3);
        break;
      default:
        throw new IllegalArgumentException(
            "type must be one of \"sgd\", \"adam\", \"adamw\", got " + typeValue.text);
    }
    for (String key : obj.keySet()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(String.format(
            "optimizer config of type \"%s\" has unknown key %s; the keys are %s", type,
            Reader.quote(key), String.join(", ", keys)));
      }
    }
    if (config == null && !obj.containsKey("lr")) {
      throw new IllegalArgumentException(
          "optimizer config is missing required key \"lr\" (torch.optim.SGD has no default)");
    }
    // Every value is read before the constructor validates them all, so a wrongly typed value is
    // reported as such rather than as an invalid setting.
    double lr = obj.containsKey("lr") ? number(obj.get("lr"), "lr") : config.lr();
    if (type.equals(OptimizerConfig.SGD)) {
      double weightDecay = obj.containsKey("weight_decay")
          ? number(obj.get("weight_decay"), "weight_decay") : 0.0;
      double momentum = obj.containsKey("momentum") ? number(obj.get("momentum"), "momentum") : 0.0;
      double dampening = obj.containsKey("dampening") ? number(obj.get("dampening"), "dampening") : 0.0;
      boolean nesterov = obj.containsKey("nesterov") && bool(obj.get("nesterov"), "nesterov");
      return new OptimizerConfig(type, lr, momentum, dampening, weightDecay, nesterov, 0.0, 0.0, 0.0,
          false);
    }
    double weightDecay = obj.containsKey("weight_decay")
        ? number(obj.get("weight_decay"), "weight_decay") : config.weightDecay();
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    if (obj.containsKey("betas")) {
      Value betas = obj.get("betas");
      if (!(betas.value instanceof List) || ((List<?>) betas.value).size() != 2) {
        throw new IllegalArgumentException("betas must be an array of two numbers, got " + betas.text);
      }
      List<?> pair = (List<?>) betas.value;
      beta1 = number((Value) pair.get(0), "betas[0]");
      beta2 = number((Value) pair.get(1), "betas[1]");
    }
    double eps = obj.containsKey("eps") ? number(obj.get("eps"), "eps") : config.eps();
    boolean amsgrad = obj.containsKey("amsgrad") && bool(obj.get("amsgrad"), "amsgrad");
    return new OptimizerConfig(type, lr, 0.0, 0.0, weightDecay, false, beta1, beta2, eps, amsgrad);
  }

  private static double number(Value v, String key) {
    if (!(v.value instanceof Double)) {
      throw new IllegalArgumentException(key + " must be a number, got " + v.text);
    }
    return (Double) v.value;
  }

  private static boolean bool(Value v, String key) {
    if (!(v.value instanceof Boolean)) {
      throw new IllegalArgumentException(key + " must be a boolean, got " + v.text);
    }
    return (Boolean) v.value;
  }

  /**
   * A parsed value: a {@code Map<String, Value>} (in order), {@code List<Value>}, {@code String},
   * {@code Double}, {@code Boolean} or {@code null}, with its source text for messages.
   */
  private static final class Value {
    final Object value;
    final String text;

    Value(Object value, String text) {
      this.value = value;
      this.text = text;
    }
  }

  /** Recursive descent over RFC 8259; every error names the line and column. */
  private static final class Reader {
    private static final int MAX_QUOTED = 60;
    private final String s;
    private int pos;
    private int depth;

    Reader(String s) {
      this.s = s;
    }

    Value document() {
      skipWhitespace();
      if (pos == s.length()) {
        throw error("no JSON value");
      }
      Value v = value();
      skipWhitespace();
      if (pos != s.length()) {
        throw error("content after the config object");
      }
      return v;
    }

    private Value value() {
      int start = pos;
      char c = s.charAt(pos);
      Object v;
      if (c == '{') {
        v = object();
      } else if (c == '[') {
        v = array();
      } else if (c == '"') {
        v = string();
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        v = number();
      } else if (s.startsWith("true", pos)) {
        pos += 4;
        v = Boolean.TRUE;
      } else if (s.startsWith("false", pos)) {
        pos += 5;
        v = Boolean.FALSE;
      } else if (s.startsWith("null", pos)) {
        pos += 4;
        v = null;
      } else {
        throw error("unexpected character " + describe(c));
      }
      String text = s.substring(start, pos);
      return new Value(v, text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED) + "..." : text);
    }

    private Map<String, Value> object() {
      enter();
      pos++; // {
      Map<String, Value> out = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        depth--;
        return out;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') {
          throw error("expected a string key");
        }
        int keyAt = pos;
        String key = string();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        requireValue();
        Value v = value();
        if (out.containsKey(key)) {
          pos = keyAt;
          throw error("duplicate key " + quote(key));
        }
        out.put(key, v);
        skipWhitespace();
        if (peek() == ',') {
          pos++;
        } else if (peek() == '}') {
          pos++;
          depth--;
          return out;
        } else {
          throw error("expected ',' or '}'");
        }
      }
    }

    private List<Value> array() {
      enter();
      pos++; // [
      List<Value> out = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        depth--;
        return out;
      }
      while (true) {
        skipWhitespace();
        requireValue();
        out.add(value());
        skipWhitespace();
        if (peek() == ',') {
          pos++;
        } else if (peek() == ']') {
          pos++;
          depth--;
          return out;
        } else {
          throw error("expected ',' or ']'");
        }
      }
    }

    private String string() {
      int start = pos++; // the opening quote, where an unterminated string is reported
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          pos = start;
          throw error("unterminated string");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          pos++;
          return sb.toString();
        }
        if (c < 0x20) {
          throw error("unescaped control character " + describe(c) + " in a string");
        }
        if (c != '\\') {
          sb.append(c);
          pos++;
          continue;
        }
        if (pos + 1 >= s.length()) {
          pos = start;
          throw error("unterminated string");
        }
        char e = s.charAt(pos + 1);
        pos += 2;
        switch (e) {
          case '"':
          case '\\':
          case '/':
            sb.append(e);
            break;
          case 'b':
            sb.append('\b');
            break;
          case 'f':
            sb.append('\f');
            break;
          case 'n':
            sb.append('\n');
            break;
          case 'r':
            sb.append('\r');
            break;
          case 't':
            sb.append('\t');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int d = Character.digit(s.charAt(pos + i), 16);
              if (d < 0) {
                throw error("invalid \\u escape");
              }
              code = code * 16 + d;
            }
            sb.append((char) code);
            pos += 4;
            break;
          default:
            pos -= 2;
            throw error("invalid escape \\" + e);
        }
      }
    }

    private Double number() {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        digits();
      } else {
        throw error("invalid number");
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw error("invalid number: a digit must follow '.'");
        }
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw error("invalid number: the exponent has no digits");
        }
        digits();
      }
      String token = s.substring(start, pos);
      double d = Double.parseDouble(token); // correctly rounded, as Python's float()
      if (Double.isInfinite(d)) {
        pos = start;
        throw error("number " + token + " is out of the range of a double");
      }
      return d;
    }

    private void digits() {
      while (isDigit(peek())) {
        pos++;
      }
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }

    private int peek() {
      return pos < s.length() ? s.charAt(pos) : -1;
    }

    private void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private void requireValue() {
      if (pos >= s.length()) {
        throw error("unexpected end of input");
      }
    }

    private void enter() {
      if (++depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
    }

    private void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    private IllegalArgumentException error(String what) {
      int line = 1;
      int column = 1;
      for (int i = 0; i < Math.min(pos, s.length()); i++) {
        if (s.charAt(i) == '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      if (pos >= s.length() && !what.startsWith("unexpected end")) {
        what = what + " (at the end of input)";
      }
      return new IllegalArgumentException(String.format(
          "optimizer config is not valid JSON: %s (line %d, column %d)", what, line, column));
    }

    private static String describe(char c) {
      return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    static String quote(String key) {
      StringBuilder sb = new StringBuilder("\"");
      String k = key.length() > MAX_QUOTED ? key.substring(0, MAX_QUOTED) + "..." : key;
      for (char c : k.toCharArray()) {
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      return sb.append('"').toString();
    }
  }
}
