package tallrec.report;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jfree.chart.JFreeChart;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.data.Schemas;
import tallrec.eval.Metric;
import tallrec.eval.SeedSummary;
import tallrec.io.Fs;

/**
 * The {@code report} stage: metrics (+ the run directories they came from) → a self-contained
 * directory with {@code README.md}, PNG charts, {@code metrics.csv}, {@code summary.csv} and
 * {@code report.json}. The Markdown is {@link ReportRenderer}'s pure function of
 * {@code metrics.csv} and {@code report.json}, so {@link #rerender} reproduces it byte for byte.
 */
public final class Report {

  public static final String README = "README.md";
  public static final String METRICS_CSV = "metrics.csv";
  public static final String SUMMARY_CSV = "summary.csv";
  public static final String CONTEXT_JSON = "report.json";
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * Report settings ({@code tallrec.report}).
   *
   * @param width chart width in pixels
   * @param height chart height in pixels
   * @param rocBins at most about this many points per ROC curve (thinned evenly)
   * @param rocMethods ROC curves per test domain: the methods with the highest mean AUC
   * @param trainingCharts at most this many training-curve charts
   */
  public record Settings(int width, int height, int rocBins, int rocMethods, int trainingCharts) {
    public static final String SECTION = "report";
    public static final String WIDTH = "width";
    public static final String HEIGHT = "height";
    public static final String ROC_BINS = "roc-bins";
    public static final String ROC_METHODS = "roc-methods";
    public static final String TRAINING_CHARTS = "training-charts";

    /** The {@code tallrec.report} section (ranges: {@code SettingBounds}, when the config loads). */
    public static Settings from(TallRecConf conf) {
      Section c = Section.of(conf, SECTION);
      return new Settings(c.getInt(WIDTH), c.getInt(HEIGHT), c.getInt(ROC_BINS), c.getInt(ROC_METHODS),
          c.getInt(TRAINING_CHARTS));
    }

    /** reference.conf's. */
    public static Settings defaults() {
      return from(TallRecConf.defaults());
    }
  }

  /** What to report on and where. */
  public record Request(List<String> metrics, List<String> runs, String out, String title) {}

  /** What was written. */
  public record Result(Path out, List<String> files, int metricRows, List<String> notes) {}

  private Report() {}

  public static Result run(SparkSession spark, Request q, Settings s) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (q.metrics().isEmpty()) {
      throw new IllegalArgumentException("No --metrics given");
    }
    ObjectNode ctx = JSON.createObjectNode();
    ctx.put("format", 1);
    ctx.put("title", q.title() == null || q.title().isBlank() ? "TALLRec report" : q.title());
    ObjectNode inputs = ctx.putObject("inputs");
    ArrayNode metricsIn = inputs.putArray("metrics");
    List<Metric> metrics = new ArrayList<>();
    Map<List<Object>, Map.Entry<String, Metric>> seen = new HashMap<>();
    List<Path> metricsDirs = new ArrayList<>();
    TreeSet<String> splits = new TreeSet<>();
    for (String arg : q.metrics()) {
      MetricsInput in = readMetrics(spark, arg, conf);
      int added = 0;
      for (Metric m : in.metrics()) {
        List<Object> key = List.of(m.model(), m.variant(), m.trainDomain(), m.testDomain(), m.k(), m.seed());
        Map.Entry<String, Metric> before = seen.putIfAbsent(key, Map.entry(arg, m));
        if (before == null) {
          metrics.add(m);
          added++;
        } else if (!sameRun(before.getValue(), m)) {
          // Grid entries share the runs whose settings coincide, so their metrics repeat the same
          // row; one that differs comes from another run and would be averaged in as a fake seed.
          throw new IllegalArgumentException("Metric " + m.group() + " appears twice with different values: in "
              + before.getKey() + " (AUC " + before.getValue().auc() + ", n " + before.getValue().n() + ") and "
              + arg + " (AUC " + m.auc() + ", n " + m.n() + ")");
        }
      }
      ObjectNode o = metricsIn.addObject().put("path", arg).put("rows", in.metrics().size());
      if (added < in.metrics().size()) {
        o.put("rows_also_in_earlier_inputs", in.metrics().size() - added);
      }
      if (in.split() != null) {
        o.put("split", in.split());
        splits.add(in.split());
      }
      metricsDirs.add(in.dir());
    }
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("The metrics " + q.metrics() + " hold no rows");
    }
    String split = splits.size() == 1 ? splits.first() : null;
    if (split != null) {
      inputs.put("split", split);
    }
    ArrayNode runsIn = inputs.putArray("runs");
    q.runs().forEach(runsIn::add);

    RunScan scan = RunScan.of(q.runs(), metricsDirs, conf);
    ctx.set("provenance", Provenance.of(scan, conf));

    Path out = new Path(q.out());
    FileSystem fs = files(out, conf);
    clean(fs, out);
    List<String> files = new ArrayList<>();
    List<SeedSummary> summary = SeedSummary.of(metrics);
    ctx.set("roc", roc(spark, scan, q.runs(), metrics, summary, split, out, s, files, conf));
    ctx.set("training", TrainingLogs.section(scan, q.runs(), out, s, files, conf));

    writeText(new Path(out, METRICS_CSV), MetricsCsv.write(metrics), conf);
    writeText(new Path(out, CONTEXT_JSON), toJson(ctx), conf);
    files.add(METRICS_CSV);
    files.add(CONTEXT_JSON);
    files.addAll(write(out, metrics, ctx, s, conf, true));
    List<String> notes = new ArrayList<>(scan.skipped);
    return new Result(out, files, metrics.size(), notes);
  }

  /**
   * Re-renders {@code dir/README.md}, {@code summary.csv} and the metric charts from
   * {@code dir/metrics.csv} and {@code dir/report.json} into {@code out} (ROC and training charts are
   * drawn from scores and logs, which a report does not keep; they stay as they are).
   */
  public static List<String> rerender(Path dir, Path out, Settings s, Configuration conf) {
    Inputs in = readReport(dir, conf);
    return write(out, in.metrics(), in.context(), s, conf, true);
  }

  /** Differences between the committed report and a fresh rendering from its CSV (empty: identical). */
  public static List<String> check(Path dir, Configuration conf) {
    Inputs in = readReport(dir, conf);
    ReportRenderer.Rendered r = ReportRenderer.render(in.metrics(), in.context());
    List<String> diffs = new ArrayList<>();
    diff(README, exists(new Path(dir, README), conf) ? readText(new Path(dir, README), conf) : null, r.markdown(), diffs);
    diff(SUMMARY_CSV, exists(new Path(dir, SUMMARY_CSV), conf) ? readText(new Path(dir, SUMMARY_CSV), conf) : null,
        r.summaryCsv(), diffs);
    return diffs;
  }

  /**
   * Whether two metrics rows with the same key describe the same scores: the same counts and an AUC
   * equal up to summation order (each grid entry's {@code evaluate} re-sums the shared scores, and
   * MLlib's sums can differ in the last bit).
   */
  static boolean sameRun(Metric a, Metric b) {
    return a.n() == b.n() && a.nPos() == b.nPos() && Math.abs(a.auc() - b.auc()) <= 1e-12;
  }

  /** The per-seed metrics and context of a written report. */
  public record Inputs(List<Metric> metrics, JsonNode context) {}

  public static Inputs readReport(Path dir, Configuration conf) {
    Path csv = new Path(dir, METRICS_CSV);
    Path json = new Path(dir, CONTEXT_JSON);
    if (!exists(csv, conf)) {
      throw new IllegalArgumentException("No " + METRICS_CSV + " in " + dir + " (written by `tallrec report`)");
    }
    try {
      JsonNode ctx = exists(json, conf) ? JSON.readTree(readText(json, conf)) : JSON.createObjectNode();
      return new Inputs(MetricsCsv.read(readText(csv, conf), csv.toString()), ctx);
    } catch (IOException e) {
      throw new UncheckedIOException("Corrupt " + json, e);
    }
  }

  static void diff(String name, String actual, String expected, List<String> diffs) {
    if (actual == null) {
      diffs.add(name + ": missing");
      return;
    }
    if (actual.equals(expected)) {
      return;
    }
    String[] a = actual.split("\n", -1);
    String[] e = expected.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, e.length); i++) {
      String x = i < a.length ? a[i] : "<end of file>";
      String y = i < e.length ? e[i] : "<end of file>";
      if (!x.equals(y)) {
        diffs.add(name + " line " + (i + 1) + ": committed \"" + x + "\" but renders \"" + y + "\"");
        return;
      }
    }
  }

  private static List<String> write(Path out, List<Metric> metrics, JsonNode ctx, Settings s, Configuration conf,
      boolean charts) {
    ReportRenderer.Rendered r = ReportRenderer.render(metrics, ctx);
    List<String> files = new ArrayList<>();
    if (charts) {
      for (MetricCharts.ChartFile c : r.charts()) {
        writePng(c.chart().get(), new Path(out, c.file()), s, conf);
        files.add(c.file());
      }
    }
    writeText(new Path(out, SUMMARY_CSV), r.summaryCsv(), conf);
    writeText(new Path(out, README), r.markdown(), conf);
    files.add(SUMMARY_CSV);
    files.add(README);
    return files;
  }

  static void writePng(JFreeChart chart, Path file, Settings s, Configuration conf) {
    try (OutputStream o = files(file, conf).create(file, true)) {
      Charts.writePng(chart, o, s.width(), s.height());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  /** Removes what an earlier report wrote there (its files only), so no stale chart survives. */
  private static void clean(FileSystem fs, Path out) {
    try {
      if (!fs.exists(out)) {
        fs.mkdirs(out);
        return;
      }
      for (FileStatus st : fs.listStatus(out)) {
        String n = st.getPath().getName();
        String base = n.startsWith(".") && n.endsWith(".crc") ? n.substring(1, n.length() - 4) : n;
        n = base;
        if (st.isFile() && (n.endsWith(".png") || n.equals(README) || n.equals(METRICS_CSV) || n.equals(SUMMARY_CSV)
            || n.equals(CONTEXT_JSON))) {
          fs.delete(st.getPath(), false);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare " + out, e);
    }
  }

  /**
   * The file system for report files: on a local disk the raw one, so no hidden {@code .crc} files
   * appear beside a report meant to be committed and edited (a stale one would fail reads).
   */
  static FileSystem files(Path p, Configuration conf) {
    FileSystem fs = Fs.of(p, conf);
    return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
  }

  static void writeText(Path p, String text, Configuration conf) {
    try (OutputStream o = files(p, conf).create(p, true)) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + p, e);
    }
  }

  static String readText(Path p, Configuration conf) {
    try (InputStream in = files(p, conf).open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + p, e);
    }
  }

  static boolean exists(Path p, Configuration conf) {
    try {
      return files(p, conf).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check " + p, e);
    }
  }

  static String toJson(JsonNode n) {
    try {
      return JSON.writeValueAsString(n) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Metrics from one --metrics argument, the directory it lives in, and the split it was evaluated on. */
  record MetricsInput(List<Metric> metrics, Path dir, String split) {}

  /**
   * A {@code metrics} Parquet directory, the {@code evaluate} output directory holding one, a
   * report's {@code metrics.csv}, or {@code metrics.json}.
   */
  static MetricsInput readMetrics(SparkSession spark, String arg, Configuration conf) {
    Path p = new Path(arg.replaceAll("(.)/+$", "$1"));
    if (!Fs.exists(p, conf)) {
      throw new IllegalArgumentException("Metrics not found: " + arg);
    }
    try {
      if (p.getName().endsWith(".csv")) {
        return new MetricsInput(MetricsCsv.read(readText(p, conf), arg), p.getParent(), null);
      }
      if (p.getName().endsWith(".json")) {
        JsonNode root = JSON.readTree(Fs.readString(p, conf));
        List<Metric> ms = new ArrayList<>();
        for (JsonNode m : root.path("metrics")) {
          ms.add(new Metric(m.path("model").asText(), m.path("variant").asText(), m.path("train_domain").asText(),
              m.path("test_domain").asText(), m.path("k").asInt(), m.path("seed").asInt(), m.path("auc").asDouble(),
              m.path("n").asLong(), m.path("n_pos").asLong()));
        }
        return new MetricsInput(ms, p.getParent(), root.hasNonNull("split") ? root.path("split").asText() : null);
      }
      Path inner = new Path(p, "metrics");
      if (Fs.exists(inner, conf) && Fs.of(inner, conf).getFileStatus(inner).isDirectory()) {
        p = inner;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + arg, e);
    }
    Dataset<Row> df = spark.read().parquet(p.toString());
    Schemas.require(df.schema(), Schemas.METRICS, "metrics at " + arg);
    List<Metric> ms = new ArrayList<>();
    for (Row r : df.collectAsList()) {
      ms.add(Metric.fromRow(r));
    }
    String split = null;
    Path json = new Path(p.getParent(), "metrics.json");
    if (p.getParent() != null && Fs.exists(json, conf)) {
      try {
        JsonNode root = JSON.readTree(Fs.readString(json, conf));
        split = root.hasNonNull("split") ? root.path("split").asText() : null;
      } catch (IOException | RuntimeException e) {
        split = null; // the split is a label only; the Parquet is the data
      }
    }
    return new MetricsInput(ms, p, split);
  }

  /** ROC curves of the top methods per test domain, from the scores datasets found under the runs. */
  static ObjectNode roc(SparkSession spark, RunScan scan, List<String> runs, List<Metric> metrics,
      List<SeedSummary> summary, String split, Path out, Settings s, List<String> files, Configuration conf) {
    ObjectNode node = JSON.createObjectNode();
    ArrayNode charts = node.putArray("charts");
    ArrayNode notes = node.putArray("notes");
    if (runs.isEmpty()) {
      notes.add("No ROC curves: no --run directory was given (ROC curves need the scores datasets).");
      return node;
    }
    if (scan.scores.isEmpty()) {
      notes.add("No ROC curves: no scores dataset found under " + String.join(", ", runs) + ".");
      return node;
    }
    Table3 t = Table3.of(summary);
    // per domain: the top methods by their best mean AUC, each at that K, for the seed nearest the mean
    Map<String, List<Map.Entry<Table3.Method, Metric>>> wanted = new LinkedHashMap<>();
    for (String domain : t.domains()) {
      Map<Table3.Method, SeedSummary> best = new LinkedHashMap<>();
      for (Table3.Method m : t.methods()) {
        for (Table3.Column c : t.columns()) {
          Table3.Cell x = c.domain().equals(domain) ? t.cell(m, c) : null;
          if (x != null && (!best.containsKey(m) || x.summary().mean() > best.get(m).mean())) {
            best.put(m, x.summary());
          }
        }
      }
      List<Map.Entry<Table3.Method, Metric>> top = new ArrayList<>();
      best.entrySet().stream()
          .sorted((a, b) -> a.getValue().mean() != b.getValue().mean()
              ? Double.compare(b.getValue().mean(), a.getValue().mean()) : a.getKey().compareTo(b.getKey()))
          .limit(s.rocMethods())
          .forEach(e -> top.add(Map.entry(e.getKey(), nearestSeed(metrics, e.getValue()))));
      wanted.put(domain, top);
    }
    Map<List<Object>, List<double[]>> points = collectScores(spark, scan, wanted, split);
    for (Map.Entry<String, List<Map.Entry<Table3.Method, Metric>>> d : wanted.entrySet()) {
      List<Charts.Curve> curves = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (Map.Entry<Table3.Method, Metric> e : d.getValue()) {
        Metric m = e.getValue();
        List<double[]> pts = points.get(key(m));
        if (pts == null || pts.isEmpty()) {
          missing.add(e.getKey().label());
          continue;
        }
        double[][] roc = Roc.curve(pts, s.rocBins());
        long seeds = metrics.stream().filter(x -> key(x).subList(0, 5).equals(key(m).subList(0, 5))).count();
        boolean perK = t.kIndependentK(e.getKey(), d.getKey()) == null;
        curves.add(new Charts.Curve(e.getKey().label() + (perK ? " K=" + m.k() : "")
            + (seeds > 1 ? " seed " + m.seed() : "") + String.format(Locale.ROOT, " (AUC %.3f)", m.auc()),
            t.methods().indexOf(e.getKey()), roc[0], roc[1]));
      }
      if (!missing.isEmpty()) {
        notes.add("No ROC curve for " + String.join(", ", missing) + " on " + d.getKey()
            + ": its scores were not found under the run directories.");
      }
      if (curves.isEmpty()) {
        continue;
      }
      String file = "roc-" + MetricCharts.slug(d.getKey()) + ".png";
      String title = "ROC on " + d.getKey() + (split == null ? "" : " (" + split + " split)");
      writePng(Charts.roc(title, curves), new Path(out, file), s, conf);
      files.add(file);
      charts.addObject().put("file", file).put("alt", title).put("caption", String.format(Locale.ROOT,
          "ROC curves on %s of the %d methods with the highest mean AUC, each at its best K, for the seed whose AUC"
              + " is closest to that mean; the dashed diagonal is chance.", d.getKey(), curves.size()));
    }
    return node;
  }

  /** The seed whose AUC is nearest the group's mean (ties: the lower seed). */
  static Metric nearestSeed(List<Metric> metrics, SeedSummary g) {
    return metrics.stream().filter(m -> m.model().equals(g.model()) && m.variant().equals(g.variant())
            && m.trainDomain().equals(g.trainDomain()) && m.testDomain().equals(g.testDomain()) && m.k() == g.k())
        .min(Comparator.comparingDouble((Metric m) -> Math.abs(m.auc() - g.mean())).thenComparingInt(Metric::seed))
        .orElseThrow();
  }

  static List<Object> key(Metric m) {
    return List.of(m.model(), m.variant(), m.trainDomain(), m.testDomain(), m.k(), m.seed());
  }

  /**
   * (score, label) of every wanted model run, one Spark job per scores dataset; the first dataset
   * holding a run wins. A test split's scores are small enough for the driver.
   */
  static Map<List<Object>, List<double[]>> collectScores(SparkSession spark, RunScan scan,
      Map<String, List<Map.Entry<Table3.Method, Metric>>> wanted, String split) {
    Column any = org.apache.spark.sql.functions.lit(false);
    for (List<Map.Entry<Table3.Method, Metric>> l : wanted.values()) {
      for (Map.Entry<Table3.Method, Metric> e : l) {
        Metric m = e.getValue();
        any = any.or(col(Columns.MODEL).equalTo(m.model()).and(col(Columns.VARIANT).equalTo(m.variant()))
            .and(col(Columns.TRAIN_DOMAIN).equalTo(m.trainDomain())).and(col(Columns.DOMAIN).equalTo(m.testDomain()))
            .and(col(Columns.K).equalTo(m.k())).and(col(Columns.SEED).equalTo(m.seed())));
      }
    }
    Map<List<Object>, List<double[]>> out = new HashMap<>();
    for (RunScan.Found f : scan.scores) {
      Dataset<Row> d;
      try {
        d = spark.read().parquet(f.path().toString());
      } catch (RuntimeException e) {
        scan.skipped.add(f.shown() + " (not a readable Parquet dataset: " + e.getMessage() + ")");
        continue;
      }
      if (!Arrays.asList(d.schema().fieldNames()).containsAll(List.of(Schemas.SCORES.fieldNames()))) {
        continue;
      }
      Dataset<Row> g = d.filter(any);
      if (split != null && !split.equals("all")) {
        g = g.filter(col(Columns.SPLIT).equalTo(split));
      }
      Map<List<Object>, List<double[]>> here = new HashMap<>();
      for (Row r : g.select(Columns.MODEL, Columns.VARIANT, Columns.TRAIN_DOMAIN, Columns.DOMAIN, Columns.K,
          Columns.SEED, Columns.SCORE, Columns.LABEL).collectAsList()) {
        here.computeIfAbsent(List.of(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getInt(4),
            r.getInt(5)), x -> new ArrayList<>()).add(new double[] {r.getDouble(6), r.getInt(7)});
      }
      here.forEach(out::putIfAbsent);
    }
    return out;
  }

}
