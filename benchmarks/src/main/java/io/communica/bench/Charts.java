package io.communica.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/** The run's charts, drawn with JFreeChart: throughput and latency per stack, SVG and PNG. */
final class Charts {

  private static final int WIDTH = 960;
  private static final int HEIGHT = 480;

  private static final Map<String, Color> COLORS =
      Map.of(
          "communica", new Color(0x1f77b4),
          "floor", new Color(0x8c8c8c),
          "rsocket", new Color(0xff7f0e),
          "communica-reactive", new Color(0x2ca02c),
          "ringfloor", new Color(0x595959),
          "rsocket-shared", new Color(0xffbb78),
          "communica-payload", new Color(0x9467bd));

  private Charts() {}

  /** Whether {@link #write} draws the throughput chart: the run has a throughput case. */
  static boolean drawsThroughput(RunResults r) {
    return r.summary().stream()
        .anyMatch(c -> c.operations() != 0 && c.latencyUs() == null && c.memory() == null);
  }

  /** Whether {@link #write} draws the latency chart: the run has a latency case. */
  static boolean drawsLatency(RunResults r) {
    return r.summary().stream().anyMatch(c -> c.operations() != 0 && c.latencyUs() != null);
  }

  /**
   * Writes {@code throughput.svg/.png} and {@code latency.svg/.png} into {@code dir}, each only when
   * the run has its kind of case.
   */
  static void write(RunResults r, Path dir) throws IOException {
    Files.createDirectories(dir);
    boolean manyTransports = r.summary().stream().map(CaseResult::transport).distinct().count() > 1;
    DefaultCategoryDataset throughput = new DefaultCategoryDataset();
    DefaultCategoryDataset latency = new DefaultCategoryDataset();
    for (CaseResult c : r.summary()) {
      if (c.operations() == 0 || c.memory() != null) { // the memory modes have tables of their own
        continue;
      }
      String prefix =
          (manyTransports ? c.transport() + " " : "") + BenchCase.size(c.payload()) + " ";
      if (c.latencyUs() != null) {
        latency.addValue(c.latencyUs().p50(), c.stack(), prefix + "p50");
        latency.addValue(c.latencyUs().p99(), c.stack(), prefix + "p99");
      } else {
        String label =
            c.mode().equals("stream")
                ? "stream"
                : c.inFlight() == 0 ? "fire & forget" : c.inFlight() + " in flight";
        throughput.addValue(c.opsPerSec(), c.stack(), prefix + label);
      }
    }
    String machine =
        String.format(
            Locale.ROOT,
            "%s, %d cores; client and server in separate JVMs on loopback; %s run",
            r.machine().cpu(), r.machine().cores(), r.settings().mode());
    if (drawsThroughput(r)) {
      LogarithmicAxis axis = new LogarithmicAxis("operations per second (log scale)");
      axis.setStrictValuesFlag(false);
      axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
      double min =
          r.summary().stream()
              .filter(c -> c.latencyUs() == null && c.memory() == null && c.opsPerSec() > 0)
              .mapToDouble(CaseResult::opsPerSec)
              .min()
              .orElse(1);
      double max =
          r.summary().stream()
              .filter(c -> c.memory() == null)
              .mapToDouble(CaseResult::opsPerSec)
              .max()
              .orElse(10);
      axis.setRange(
          Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max))));
      save(
          chart("Throughput: requests/s with N in flight, fire-and-forget msg/s received",
              machine, throughput, axis),
          dir, "throughput");
    }
    if (drawsLatency(r)) {
      save(
          chart("Latency of sequential requests (lower is better)", machine, latency,
              new NumberAxis("microseconds")),
          dir, "latency");
    }
  }

  private static JFreeChart chart(
      String title, String subtitle, DefaultCategoryDataset data, ValueAxis valueAxis) {
    CategoryAxis categories = new CategoryAxis();
    categories.setMaximumCategoryLabelLines(2);
    BarRenderer renderer = new BarRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.05);
    List<?> series = data.getRowKeys();
    for (int i = 0; i < series.size(); i++) {
      Color c = COLORS.get(String.valueOf(series.get(i)));
      if (c != null) {
        renderer.setSeriesPaint(i, c);
      }
    }
    CategoryPlot plot = new CategoryPlot(data, categories, valueAxis, renderer);
    plot.setOrientation(PlotOrientation.VERTICAL);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xd0d0d0));
    plot.setRangeGridlineStroke(new BasicStroke(1f));
    plot.setOutlineVisible(false);
    JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
    chart.addSubtitle(new TextTitle(subtitle, new Font("SansSerif", Font.PLAIN, 11)));
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  private static void save(JFreeChart chart, Path dir, String name) throws IOException {
    SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
    chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
    Files.writeString(dir.resolve(name + ".svg"), g.getSVGDocument());
    ChartUtils.saveChartAsPNG(dir.resolve(name + ".png").toFile(), chart, WIDTH, HEIGHT);
  }
}
