package dev.rnn4j.tensor;

import dev.rnn4j.backend.DType;
import dev.rnn4j.backend.Device;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a tensor as PyTorch's {@code str(t)} does ({@code torch/_tensor_str.py}) under the default
 * print options: precision 4, threshold 1000, edgeitems 3, linewidth 80, sci_mode chosen per
 * tensor.
 *
 * <p>Numbers are formatted as Python's {@code '{:.4f}'} and {@code '{:.4e}'} do: from the exact
 * binary value with ties to even, which is why {@link String#format} (half-up on a shortest
 * decimal) won't do.
 */
final class TensorFormatter {
  private static final int PRECISION = 4;
  private static final int THRESHOLD = 1000;
  private static final int EDGE_ITEMS = 3;
  private static final int LINE_WIDTH = 80;
  private static final String PREFIX = "tensor(";
  private static final MathContext SCI_DIGITS =
      new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN);

  private final Tensor t;
  private final int[] shape;
  private final int[] strides;
  private final boolean summarize;
  private boolean intMode = true;
  private boolean sciMode;
  private int maxWidth = 1;

  private TensorFormatter(Tensor t) {
    this.t = t;
    this.shape = t.shape();
    this.strides = Shape.strides(shape);
    this.summarize = t.numel() > THRESHOLD;
    List<Double> values = new ArrayList<>();
    collect(0, 0, values);
    choose(values);
  }

  /**
   * {@code t} is a host tensor; {@code device} is where the printed tensor lives, null for the CPU.
   */
  static String format(Tensor t, Device device) {
    int[] shape = t.shape();
    List<String> suffixes = new ArrayList<>();
    String body;
    if (t.numel() == 0) {
      // NumPy-style: the shape is shown unless it is the plain (0,).
      if (shape.length != 1) {
        suffixes.add("size=" + Shape.tuple(shape));
      }
      body = "[]";
    } else {
      body = new TensorFormatter(t).tensorStr(0, 0, PREFIX.length());
    }
    if (device != null) {
      suffixes.add("device='" + device + "'");
    }
    if (t.dtype() != DType.FLOAT32) {
      suffixes.add("dtype=torch." + t.dtype().torchName());
    }
    return addSuffixes(PREFIX + body, suffixes, PREFIX.length());
  }

  /**
   * The values the formatter is fitted to: all of them, or only the printed edges when summarizing.
   */
  private void collect(int d, int offset, List<Double> out) {
    if (d == shape.length) {
      out.add(t.getFlat(offset));
      return;
    }
    for (int i : indices(d)) {
      if (i >= 0) {
        collect(d + 1, offset + i * strides[d], out);
      }
    }
  }

  /** Indices printed along dimension {@code d}; -1 marks the ellipsis. */
  private int[] indices(int d) {
    int n = shape[d];
    if (summarize && n > 2 * EDGE_ITEMS) {
      int[] idx = new int[2 * EDGE_ITEMS + 1];
      for (int i = 0; i < EDGE_ITEMS; i++) {
        idx[i] = i;
        idx[EDGE_ITEMS + 1 + i] = n - EDGE_ITEMS + i;
      }
      idx[EDGE_ITEMS] = -1;
      return idx;
    }
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    return idx;
  }

  /**
   * PyTorch's {@code _Formatter.__init__}: picks int/float/sci mode and the common element width.
   */
  private void choose(List<Double> values) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    List<Double> nonzero = new ArrayList<>();
    for (double v : values) {
      if (Double.isFinite(v) && v != 0) {
        nonzero.add(v);
        min = Math.min(min, Math.abs(v));
        max = Math.max(max, Math.abs(v));
        intMode &= v == Math.ceil(v);
      }
    }
    if (nonzero.isEmpty()) {
      return;
    }
    sciMode = max / min > 1000.0 || max > 1.0e8 || (!intMode && min < 1.0e-4);
    for (double v : nonzero) {
      String s = sciMode ? sci(v) : intMode ? fixed(v, 0) + "." : fixed(v, PRECISION);
      maxWidth = Math.max(maxWidth, s.length());
    }
  }

  private String element(double v) {
    String s;
    if (sciMode) {
      s = sci(v);
    } else if (intMode) {
      // The trailing dot marks a float tensor; nan and inf need no mark.
      s = fixed(v, 0) + (Double.isFinite(v) ? "." : "");
    } else {
      s = fixed(v, PRECISION);
    }
    return " ".repeat(Math.max(0, maxWidth - s.length())) + s;
  }

  private String tensorStr(int d, int offset, int indent) {
    int rank = shape.length;
    if (d == rank) {
      return element(t.getFlat(offset));
    }
    int[] idx = indices(d);
    List<String> parts = new ArrayList<>();
    if (d == rank - 1) {
      for (int i : idx) {
        parts.add(i < 0 ? " ..." : element(t.getFlat(offset + i * strides[d])));
      }
      int perLine = Math.max(1, (LINE_WIDTH - indent) / (maxWidth + 2));
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < parts.size(); i += perLine) {
        lines.add(String.join(", ", parts.subList(i, Math.min(parts.size(), i + perLine))));
      }
      return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
    }
    for (int i : idx) {
      parts.add(i < 0 ? "..." : tensorStr(d + 1, offset + i * strides[d], indent + 1));
    }
    String sep = "," + "\n".repeat(rank - d - 1) + " ".repeat(indent + 1);
    return "[" + String.join(sep, parts) + "]";
  }

  private static String addSuffixes(String s, List<String> suffixes, int indent) {
    StringBuilder out = new StringBuilder(s);
    // Mirrors PyTorch's arithmetic, including its +1 (and +2 when there is no newline at all).
    int lastLineLen = s.length() - s.lastIndexOf('\n') + 1;
    for (String suffix : suffixes) {
      if (lastLineLen + suffix.length() + 2 > LINE_WIDTH) {
        out.append(",\n").append(" ".repeat(indent)).append(suffix);
        lastLineLen = indent + suffix.length();
      } else {
        out.append(", ").append(suffix);
        lastLineLen += suffix.length() + 2;
      }
    }
    return out.append(')').toString();
  }

  /** Python's {@code '{:.<digits>f}'.format(v)}. */
  static String fixed(double v, int digits) {
    if (!Double.isFinite(v)) {
      return nonFinite(v);
    }
    return sign(v)
        + new BigDecimal(Math.abs(v)).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
  }

  /**
   * Python's {@code '{:.4e}'.format(v)}: five significant digits and an exponent of at least two.
   */
  static String sci(double v) {
    if (!Double.isFinite(v)) {
      return nonFinite(v);
    }
    String mantissa = "0." + "0".repeat(PRECISION);
    int exp = 0;
    if (v != 0) {
      BigDecimal r = new BigDecimal(Math.abs(v)).round(SCI_DIGITS);
      exp = r.precision() - r.scale() - 1;
      mantissa =
          r.scaleByPowerOfTen(-exp).setScale(PRECISION, RoundingMode.UNNECESSARY).toPlainString();
    }
    int a = Math.abs(exp);
    return sign(v) + mantissa + "e" + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
  }

  // Python keeps the sign of -0.0 and of negatives that round to zero, but drops it for nan.
  private static String sign(double v) {
    return Double.doubleToRawLongBits(v) < 0 ? "-" : "";
  }

  private static String nonFinite(double v) {
    return Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  }
}
