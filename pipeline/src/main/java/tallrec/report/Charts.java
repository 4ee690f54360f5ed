package tallrec.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.OutputStream;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The report's charts, drawn with JFreeChart into PNG without a display (headless AWT): white
 * background, labelled axes, a legend under the plot, one colour per series from a fixed palette.
 */
public final class Charts {

  static {
    // Before any AWT class loads: servers and CI have no display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Tableau 10: distinguishable, colour-blind-friendlier than AWT's defaults. */
  static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
    new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

  private static final Font TITLE = new Font("SansSerif", Font.BOLD, 16);
  private static final Font LABEL = new Font("SansSerif", Font.PLAIN, 13);
  private static final Font TICK = new Font("SansSerif", Font.PLAIN, 11);

  /** One point of a curve over K: the mean and sample std (NaN: no error bar). */
  public record KPoint(int k, double mean, double std) {}

  /** A method trained per K. */
  public record KSeries(String name, int color, List<KPoint> points) {}

  /** A method with one number for every K (drawn as a dashed horizontal line). */
  public record Flat(String name, int color, double mean) {}

  /** A ROC curve. */
  public record Curve(String name, int color, double[] fpr, double[] tpr) {}

  /** A training run's logged losses and validation metric (metric arrays may be empty). */
  public record TrainRun(String name, double[] steps, double[] loss, double[] metricSteps, double[] metric) {}

  private Charts() {}

  public static Color color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /** AUC vs K on a log2 K axis, error bars = std (Figure 3b of the paper). */
  public static JFreeChart aucVsK(String title, List<KSeries> series, List<Flat> flats) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    int minK = Integer.MAX_VALUE;
    int maxK = 0;
    int n = series.size();
    for (int i = 0; i < n; i++) {
      KSeries s = series.get(i);
      YIntervalSeries ys = new YIntervalSeries(s.name());
      // A small horizontal offset per series keeps overlapping error bars apart.
      double shift = Math.pow(2, (i - (n - 1) / 2.0) * 0.035);
      for (KPoint p : s.points()) {
        double sd = Double.isNaN(p.std()) ? 0 : p.std();
        ys.add(p.k() * shift, p.mean(), p.mean() - sd, p.mean() + sd);
        minK = Math.min(minK, p.k());
        maxK = Math.max(maxK, p.k());
      }
      data.addSeries(ys);
    }
    LogAxis x = new LogAxis("K (training samples, log₂ scale)");
    x.setBase(2);
    x.setTickUnit(new NumberTickUnit(1));
    x.setNumberFormatOverride(new DecimalFormat("0"));
    x.setSmallestValue(0.5);
    x.setRange(minK / 1.5, maxK * 1.5);
    NumberAxis y = new NumberAxis("AUC");
    y.setAutoRangeIncludesZero(false);
    XYErrorRenderer r = new XYErrorRenderer();
    r.setDrawXError(false);
    r.setDefaultLinesVisible(true);
    r.setDefaultShapesVisible(true);
    r.setCapLength(6);
    r.setErrorStroke(new BasicStroke(1.2f));
    for (int i = 0; i < n; i++) {
      r.setSeriesPaint(i, color(series.get(i).color()));
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    XYPlot plot = new XYPlot(data, x, y, r);
    if (!flats.isEmpty()) {
      XYSeriesCollection flat = new XYSeriesCollection();
      XYLineAndShapeRenderer fr = new XYLineAndShapeRenderer(true, false);
      for (int i = 0; i < flats.size(); i++) {
        XYSeries fs = new XYSeries(flats.get(i).name());
        fs.add(minK / 1.5, flats.get(i).mean());
        fs.add(maxK * 1.5, flats.get(i).mean());
        flat.addSeries(fs);
        fr.setSeriesPaint(i, color(flats.get(i).color()));
        fr.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f));
      }
      plot.setDataset(1, flat);
      plot.setRenderer(1, fr);
    }
    y.setAutoRange(true);
    return finish(new JFreeChart(title, TITLE, plot, true), plot);
  }

  /** Grouped bars: test domain on the axis, one bar per training domain, error bars = std (Figure 4). */
  public static JFreeChart crossDomain(String title, Map<String, Map<String, double[]>> byTrainThenTest) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    double lo = 1;
    double hi = 0;
    for (Map.Entry<String, Map<String, double[]>> t : byTrainThenTest.entrySet()) {
      for (Map.Entry<String, double[]> e : t.getValue().entrySet()) {
        double mean = e.getValue()[0];
        double sd = Double.isNaN(e.getValue()[1]) ? 0 : e.getValue()[1];
        data.add(mean, sd, "trained on " + t.getKey(), "tested on " + e.getKey());
        lo = Math.min(lo, mean - sd);
        hi = Math.max(hi, mean + sd);
      }
    }
    CategoryAxis x = new CategoryAxis("test domain");
    NumberAxis y = new NumberAxis("AUC");
    y.setRange(Math.max(0, Math.floor((lo - 0.05) * 20) / 20), Math.min(1.0001, Math.ceil((hi + 0.05) * 20) / 20));
    StatisticalBarRenderer r = new StatisticalBarRenderer();
    r.setErrorIndicatorPaint(Color.BLACK);
    r.setDrawBarOutline(false);
    r.setShadowVisible(false);
    r.setBarPainter(new StandardBarPainter());
    r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.000")));
    r.setDefaultItemLabelsVisible(true);
    r.setDefaultItemLabelFont(TICK);
    r.setItemMargin(0.05);
    r.setItemLabelAnchorOffset(10); // value labels clear of the error-bar caps
    for (int i = 0; i < byTrainThenTest.size(); i++) {
      r.setSeriesPaint(i, color(i));
    }
    CategoryPlot plot = new CategoryPlot(data, x, y, r);
    plot.setOrientation(PlotOrientation.VERTICAL);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xdddddd));
        style(y);
    x.setLabelFont(LABEL);
    x.setTickLabelFont(TICK);
    JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
    return legendAndBackground(chart);
  }

  /** ROC curves with the chance diagonal. */
  public static JFreeChart roc(String title, List<Curve> curves) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < curves.size(); i++) {
      Curve c = curves.get(i);
      XYSeries s = new XYSeries(c.name(), false, true);
      for (int j = 0; j < c.fpr().length; j++) {
        s.add(c.fpr()[j], c.tpr()[j]);
      }
      data.addSeries(s);
      r.setSeriesPaint(i, color(c.color()));
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    XYSeries chance = new XYSeries("chance (AUC 0.5)");
    chance.add(0, 0);
    chance.add(1, 1);
    data.addSeries(chance);
    r.setSeriesPaint(curves.size(), Color.GRAY);
    r.setSeriesStroke(curves.size(), new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
    NumberAxis x = new NumberAxis("false positive rate");
    x.setRange(0, 1);
    NumberAxis y = new NumberAxis("true positive rate");
    y.setRange(0, 1);
    XYPlot plot = new XYPlot(data, x, y, r);
    return finish(new JFreeChart(title, TITLE, plot, true), plot);
  }

  /** Training loss (top) and validation metric (bottom, when logged) against the optimizer step. */
  public static JFreeChart training(String title, List<TrainRun> runs, String metricName) {
    NumberAxis step = new NumberAxis("optimizer step");
    step.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(step);
    combined.setGap(12);
    XYSeriesCollection loss = new XYSeriesCollection();
    XYSeriesCollection metric = new XYSeriesCollection();
    XYLineAndShapeRenderer lr = new XYLineAndShapeRenderer(true, false);
    XYLineAndShapeRenderer mr = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < runs.size(); i++) {
      TrainRun t = runs.get(i);
      XYSeries s = new XYSeries(t.name(), false, true);
      for (int j = 0; j < t.steps().length; j++) {
        s.add(t.steps()[j], t.loss()[j]);
      }
      loss.addSeries(s);
      lr.setSeriesPaint(i, color(i));
      lr.setSeriesStroke(i, new BasicStroke(1.6f));
      XYSeries m = new XYSeries(t.name(), false, true);
      for (int j = 0; j < t.metricSteps().length; j++) {
        m.add(t.metricSteps()[j], t.metric()[j]);
      }
      metric.addSeries(m);
      mr.setSeriesPaint(i, color(i));
      mr.setSeriesStroke(i, new BasicStroke(1.6f));
      mr.setSeriesShape(i, new Ellipse2D.Double(-3, -3, 6, 6));
      mr.setSeriesVisibleInLegend(i, false);
    }
    NumberAxis ly = new NumberAxis("training loss");
    ly.setAutoRangeIncludesZero(false);
    ly.setAutoRangeMinimumSize(0.01); // a flat or one-point series still gets readable ticks
    ly.setNumberFormatOverride(new DecimalFormat("0.000"));
    XYPlot top = new XYPlot(loss, null, ly, lr);
    style(ly);
    grid(top);
    combined.add(top, 3);
    if (metricName != null) {
      NumberAxis my = new NumberAxis(metricName.replace('_', ' '));
      my.setAutoRangeIncludesZero(false);
      my.setAutoRangeMinimumSize(0.02);
      my.setNumberFormatOverride(new DecimalFormat("0.000"));
      XYPlot bottom = new XYPlot(metric, null, my, mr);
      style(my);
      grid(bottom);
      combined.add(bottom, 2);
    }
    style(step);
    JFreeChart chart = new JFreeChart(title, TITLE, combined, true);
    return legendAndBackground(chart);
  }

  public static void writePng(JFreeChart chart, OutputStream out, int width, int height) throws IOException {
    ChartUtils.writeChartAsPNG(out, chart, width, height);
  }

  private static JFreeChart finish(JFreeChart chart, XYPlot plot) {
    grid(plot);
    style((ValueAxis) plot.getDomainAxis());
    style((ValueAxis) plot.getRangeAxis());
    return legendAndBackground(chart);
  }

  private static void grid(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    Paint g = new Color(0xdddddd);
    plot.setDomainGridlinePaint(g);
    plot.setRangeGridlinePaint(g);
    plot.setOutlinePaint(Color.GRAY);
  }

  private static void style(Object axis) {
    if (axis instanceof Axis a) {
      a.setLabelFont(LABEL);
      a.setTickLabelFont(TICK);
    }
  }

  private static JFreeChart legendAndBackground(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    LegendTitle legend = chart.getLegend();
    if (legend != null) {
      legend.setPosition(RectangleEdge.BOTTOM);
      legend.setItemFont(TICK);
      legend.setFrame(BlockBorder.NONE);
    }
    return chart;
  }
}
