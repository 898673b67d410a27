package dev.rnn4j.nn;

import dev.rnn4j.backend.DType;
import dev.rnn4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A module's parameters as a table in the manner of {@code torchinfo.summary}: one row per
 * parameter under the layer that holds it, then the total count and the bytes it takes in the
 * module's dtype. Counts carry thousands separators, as torchinfo prints them.
 */
final class ModuleSummary {
  private static final String[] HEADER = {"Layer (type)", "Parameter", "Shape", "Param #"};
  private static final String GAP = "  ";

  private final List<String[]> rows = new ArrayList<>();
  private long total;

  /** Adds {@code parameters} as the rows of {@code layer}, named in its first row only. */
  ModuleSummary layer(String layer, List<Parameter> parameters) {
    String label = layer;
    for (Parameter p : parameters) {
      rows.add(new String[] {label, p.name(), Shape.list(p.shape()), count(p.numel())});
      label = "";
      total += p.numel();
    }
    return this;
  }

  /** The table, without a final line break. */
  String render(DType dtype) {
    int[] widths = new int[HEADER.length];
    for (String[] row : withHeader()) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    int lineWidth = (HEADER.length - 1) * GAP.length();
    for (int w : widths) {
      lineWidth += w;
    }
    String rule = "=".repeat(lineWidth);
    StringBuilder out = new StringBuilder(rule).append('\n');
    out.append(line(HEADER, widths)).append('\n').append(rule).append('\n');
    for (String[] row : rows) {
      out.append(line(row, widths)).append('\n');
    }
    out.append(rule).append('\n');
    out.append("Total params: ").append(count(total)).append('\n');
    out.append("Params size (")
        .append(dtype)
        .append("): ")
        .append(count(total * dtype.byteSize()))
        .append(" bytes\n");
    return out.append(rule).toString();
  }

  private List<String[]> withHeader() {
    List<String[]> all = new ArrayList<>(rows);
    all.add(HEADER);
    return all;
  }

  /** Text columns left-aligned, the count right-aligned, trailing blanks dropped. */
  private static String line(String[] row, int[] widths) {
    StringBuilder s = new StringBuilder();
    int last = row.length - 1;
    for (int c = 0; c < last; c++) {
      s.append(row[c]).append(" ".repeat(widths[c] - row[c].length())).append(GAP);
    }
    s.append(" ".repeat(widths[last] - row[last].length())).append(row[last]);
    return s.toString();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
