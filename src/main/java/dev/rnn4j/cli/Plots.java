package dev.rnn4j.cli;

import dev.rnn4j.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The PNG charts of {@code train}, drawn with JFreeChart (headless). */
final class Plots {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;
  private static final int MAX_MARKED_POINTS = 40;

  private Plots() {}

  /**
   * One named line: y values at x = xs[i] (or i + 1 when xs is null); a non-finite y leaves a gap.
   */
  record Line(String name, double[] xs, double[] ys) {}

  /**
   * The Java runtime cannot draw here: AWT's native font or graphics libraries do not load (a
   * runtime built against system libraries, such as Debian's, on a host without libharfbuzz or
   * fontconfig).
   */
  static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(Throwable cause) {
      super(
          "the Java runtime cannot draw charts here: "
              + cause.getClass().getSimpleName()
              + ": "
              + Failures.oneLine(cause),
          cause);
    }
  }

  /** Something that draws, and may find that AWT cannot load. */
  @FunctionalInterface
  interface Drawing {
    void draw() throws IOException;
  }

  /**
   * Runs {@code drawing}, turning AWT's failure to load its native libraries into {@link
   * UnavailableException}: the first use fails with the library's {@link UnsatisfiedLinkError},
   * later ones with {@link NoClassDefFoundError}, both {@link LinkageError}s, or with {@link
   * java.awt.AWTError}.
   */
  static void guard(Drawing drawing) throws IOException, UnavailableException {
    try {
      drawing.draw();
    } catch (LinkageError | java.awt.AWTError e) {
      throw new UnavailableException(e);
    }
  }

  /**
   * A line chart of the given lines, later lines drawn over earlier ones, written atomically to
   * {@code png}.
   */
  static void lines(Path png, String title, String xLabel, String yLabel, List<Line> lines)
      throws IOException, UnavailableException {
    guard(() -> draw(png, title, xLabel, yLabel, lines));
  }

  private static void draw(Path png, String title, String xLabel, String yLabel, List<Line> lines)
      throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Line line : lines) {
      XYSeries series = new XYSeries(line.name(), false, true);
      for (int i = 0; i < line.ys().length; i++) {
        double y = line.ys()[i];
        // A gap for NaN and infinities (a diverging loss), which JFreeChart cannot put on an axis.
        series.add(
            line.xs() == null ? i + 1 : line.xs()[i], Double.isFinite(y) ? (Number) y : null);
      }
      data.addSeries(series);
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    Color[] colors = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44)};
    for (int i = 0; i < lines.size(); i++) {
      renderer.setSeriesPaint(i, colors[i % colors.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
      // Markers where points are few enough to tell apart, so that a one-point line still shows.
      renderer.setSeriesShapesVisible(i, lines.get(i).ys().length <= MAX_MARKED_POINTS);
    }
    plot.setRenderer(renderer);
    plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    // x is an epoch, a row or a year: no thousands separator ("2,013"), and whole ticks for whole
    // values.
    x.setNumberFormatOverride(
        new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    if (lines.stream().allMatch(line -> line.xs() == null || allWhole(line.xs()))) {
      x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }
    NumberAxis y = (NumberAxis) plot.getRangeAxis();
    y.setAutoRange(true);
    y.setAutoRangeIncludesZero(false);
    save(png, chart, WIDTH, HEIGHT);
  }

  /**
   * A confusion matrix as a grid of cells, row i the true class i and column j the predicted class
   * j, each cell shaded by its share of its row and labelled with its count; written atomically.
   */
  static void confusionMatrix(Path png, String title, List<String> classes, long[][] counts)
      throws IOException, UnavailableException {
    guard(() -> drawConfusion(png, title, classes, counts));
  }

  private static void drawConfusion(Path png, String title, List<String> classes, long[][] counts)
      throws IOException {
    int c = classes.size();
    DefaultXYZDataset data = new DefaultXYZDataset();
    double[][] cells = new double[3][c * c];
    XYPlot plot = new XYPlot();
    for (int i = 0; i < c; i++) {
      long total = 0;
      for (long n : counts[i]) {
        total += n;
      }
      for (int j = 0; j < c; j++) {
        int k = i * c + j;
        cells[0][k] = j;
        cells[1][k] = i;
        cells[2][k] = total == 0 ? 0 : (double) counts[i][j] / total;
        XYTextAnnotation label = new XYTextAnnotation(Long.toString(counts[i][j]), j, i);
        label.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        label.setPaint(cells[2][k] > 0.5 ? Color.WHITE : Color.BLACK);
        plot.addAnnotation(label);
      }
    }
    data.addSeries("share of the true class", cells);
    String[] names = classes.toArray(String[]::new);
    SymbolAxis predicted = new SymbolAxis("predicted class", names);
    SymbolAxis actual = new SymbolAxis("true class", names);
    // The first class at the top, as confusion matrices are printed.
    actual.setInverted(true);
    predicted.setGridBandsVisible(false);
    actual.setGridBandsVisible(false);
    XYBlockRenderer renderer = new XYBlockRenderer();
    LookupPaintScale scale = new LookupPaintScale(0, 1.0001, Color.WHITE);
    for (int step = 0; step <= 10; step++) {
      float shade = step / 10f;
      scale.add(step / 10.0, new Color(1 - 0.88f * shade, 1 - 0.53f * shade, 1 - 0.29f * shade));
    }
    renderer.setPaintScale(scale);
    plot.setDataset(data);
    plot.setDomainAxis(predicted);
    plot.setRangeAxis(actual);
    plot.setRenderer(renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    save(png, chart, Math.max(500, 120 * c + 200), Math.max(450, 100 * c + 180));
  }

  private static void save(Path png, JFreeChart chart, int width, int height) throws IOException {
    AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
  }

  private static boolean allWhole(double[] xs) {
    for (double v : xs) {
      if (v != Math.rint(v)) {
        return false;
      }
    }
    return true;
  }
}
