package dev.rnn4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The PNG charts of {@code train}, drawn with JFreeChart (headless). */
final class Plots {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;

  private Plots() {}

  /** One named line: y values at x = xs[i] (or i + 1 when xs is null). */
  record Line(String name, double[] xs, double[] ys) {}

  /** A line chart of the given lines, written atomically to {@code png}. */
  static void lines(Path png, String title, String xLabel, String yLabel, List<Line> lines) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Line line : lines) {
      XYSeries series = new XYSeries(line.name(), false, true);
      for (int i = 0; i < line.ys().length; i++) {
        series.add(line.xs() == null ? i + 1 : line.xs()[i], line.ys()[i]);
      }
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(
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
    }
    plot.setRenderer(renderer);
    plot.getRangeAxis().setAutoRange(true);
    ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), png.getFileName().toString(), ".tmp");
    try {
      ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT);
      Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
