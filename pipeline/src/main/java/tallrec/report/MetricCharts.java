package tallrec.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jfree.chart.JFreeChart;
import tallrec.eval.SeedSummary;

/**
 * The charts that follow from the metrics alone (AUC vs K, ablation, cross-domain), planned
 * deterministically so a report re-rendered from {@code metrics.csv} names the same files. A chart
 * without data is not planned; a note says why instead.
 */
public final class MetricCharts {

  /** One PNG of the report: its file name, alt text, caption, and how to draw it (null: drawn earlier). */
  public record ChartFile(String file, String alt, String caption, Supplier<JFreeChart> chart) {}

  /** The charts and notes of one report section. */
  public record Section(List<ChartFile> charts, List<String> notes) {}

  /** A method that was trained on another domain than it was tested on, and its table. */
  public record CrossDomain(Table3.Method method, List<SeedSummary> rows) {}

  private MetricCharts() {}

  /** AUC vs K per test domain: K-shot methods as curves with std error bars, K-independent ones as dashed lines. */
  public static Section aucVsK(Table3 t, List<SeedSummary> all) {
    List<ChartFile> charts = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (String d : t.domains()) {
      List<Integer> ks = t.ks(d).stream().filter(k -> k > 0).toList();
      if (ks.size() < 2) {
        notes.add("No AUC-vs-K chart for " + d + ": " + (ks.isEmpty() ? "no method trained on K-shot sets"
            : "one K only (K=" + ks.get(0) + "); the table above has the numbers") + ".");
        continue;
      }
      List<Charts.KSeries> series = new ArrayList<>();
      List<Charts.Flat> flats = new ArrayList<>();
      List<Table3.Method> methods = t.methods();
      for (int i = 0; i < methods.size(); i++) {
        Table3.Method m = methods.get(i);
        if (t.kIndependentK(m, d) != null) {
          Table3.Cell c = t.cell(m, new Table3.Column(d, ks.get(0)));
          if (c != null) {
            flats.add(new Charts.Flat(m.label() + " (" + kIndependentWord(c.summary().k()) + ")", i, c.summary().mean()));
          }
          continue;
        }
        List<Charts.KPoint> pts = new ArrayList<>();
        for (int k : ks) {
          Table3.Cell c = t.cell(m, new Table3.Column(d, k));
          if (c != null) {
            pts.add(new Charts.KPoint(k, c.summary().mean(), c.summary().std()));
          }
        }
        if (!pts.isEmpty()) {
          series.add(new Charts.KSeries(m.label(), i, pts));
        }
      }
      String title = "AUC vs K on " + d + " (test split)";
      charts.add(new ChartFile("auc-vs-k-" + slug(d) + ".png", title,
          "AUC vs K on " + d + ", mean over seeds, error bars ± 1 sample std; dashed: methods that do not train per K.",
          () -> Charts.aucVsK(title, series, flats)));
    }
    return new Section(charts, notes);
  }

  /** Variant curves (AT, RT, TALLRec, …) of each model that has several variants, per test domain. */
  public static Section ablation(List<SeedSummary> all) {
    Map<List<String>, Map<String, TreeMap<Integer, SeedSummary>>> byModelDomain = new TreeMap<>(LIST_ORDER);
    for (SeedSummary s : all) {
      if (Table3.inDomain(s) && !s.variant().isEmpty()) {
        byModelDomain.computeIfAbsent(List.of(s.model(), s.testDomain()), x -> new TreeMap<>())
            .computeIfAbsent(s.variant(), x -> new TreeMap<>()).put(s.k(), s);
      }
    }
    List<ChartFile> charts = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Map.Entry<List<String>, Map<String, TreeMap<Integer, SeedSummary>>> e : byModelDomain.entrySet()) {
      String model = e.getKey().get(0);
      String d = e.getKey().get(1);
      if (e.getValue().size() < 2) {
        continue;
      }
      Set<Integer> ks = new TreeSet<>();
      e.getValue().values().forEach(m -> m.keySet().stream().filter(k -> k > 0).forEach(ks::add));
      if (ks.size() < 2) {
        notes.add("No ablation chart for " + model + " on " + d + ": its variants " + e.getValue().keySet()
            + " were run at one K only; see the table.");
        continue;
      }
      List<Charts.KSeries> series = new ArrayList<>();
      List<Charts.Flat> flats = new ArrayList<>();
      int i = 0;
      for (Map.Entry<String, TreeMap<Integer, SeedSummary>> v : e.getValue().entrySet()) {
        List<Charts.KPoint> pts = v.getValue().values().stream().filter(s -> s.k() > 0)
            .map(s -> new Charts.KPoint(s.k(), s.mean(), s.std())).toList();
        if (pts.isEmpty()) {
          SeedSummary s0 = v.getValue().firstEntry().getValue();
          flats.add(new Charts.Flat(v.getKey() + " (no training)", i, s0.mean()));
        } else {
          series.add(new Charts.KSeries(v.getKey(), i, pts));
        }
        i++;
      }
      String title = "Ablation: " + model + " variants on " + d;
      charts.add(new ChartFile("ablation-" + slug(model) + "-" + slug(d) + ".png", title,
          "Variants of " + model + " on " + d + " vs K (Figure 3b of the paper: AT = alpaca tuning only, RT = rec-tuning"
              + " only, TALLRec = AT then RT); error bars ± 1 sample std.",
          () -> Charts.aucVsK(title, series, flats)));
    }
    if (charts.isEmpty() && notes.isEmpty()) {
      notes.add("No ablation chart: no model has more than one variant (e.g. AT, RT, TALLRec) in these metrics.");
    }
    return new Section(charts, notes);
  }

  /** Methods evaluated on a domain they were not trained on (the paper's RQ3). */
  public static List<CrossDomain> crossDomainMethods(List<SeedSummary> all) {
    Map<Table3.Method, List<SeedSummary>> by = new TreeMap<>();
    Map<Table3.Method, Set<Integer>> crossedKs = new TreeMap<>();
    for (SeedSummary s : all) {
      Table3.Method m = new Table3.Method(s.model(), s.variant());
      by.computeIfAbsent(m, x -> new ArrayList<>()).add(s);
      if (!Table3.inDomain(s)) {
        crossedKs.computeIfAbsent(m, x -> new TreeSet<>()).add(s.k());
      }
    }
    // Only the K at which the method was tested across domains: its in-domain runs at other K
    // (an RQ2 sweep beside RQ3) belong to Table 3 and the ablation, not to Figure 4.
    return crossedKs.entrySet().stream().map(e -> new CrossDomain(e.getKey(), by.get(e.getKey()).stream()
        .filter(s -> e.getValue().contains(s.k()) && !Table3.sawNoRecData(s.trainDomain()))
        .toList())).toList();
  }

  /** Bars per (train domain, test domain) of each cross-domain method, at the K most combinations share. */
  public static Section crossDomain(List<SeedSummary> all) {
    List<ChartFile> charts = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (CrossDomain c : crossDomainMethods(all)) {
      int k = chartK(c.rows());
      Map<String, Map<String, double[]>> bars = new TreeMap<>(Table3.DOMAIN_ORDER);
      for (SeedSummary s : c.rows()) {
        if (s.k() == k) {
          bars.computeIfAbsent(s.trainDomain().isEmpty() ? "nothing" : s.trainDomain(), x -> new TreeMap<>(Table3.DOMAIN_ORDER))
              .put(s.testDomain(), new double[] {s.mean(), s.std()});
        }
      }
      String title = "Cross-domain: " + c.method().label() + ", K=" + k;
      charts.add(new ChartFile("cross-domain-" + slug(c.method().label()) + ".png", title,
          "AUC of " + c.method().label() + " at K=" + k + " by training domain (bars) and test domain (groups),"
              + " error bars ± 1 sample std (Figure 4 of the paper).",
          () -> Charts.crossDomain(title, bars)));
    }
    if (charts.isEmpty()) {
      notes.add("No cross-domain chart: every method was tested only on the domain it was trained on.");
    }
    return new Section(charts, notes);
  }

  /** The K with the most (train, test) combinations; ties: the larger K. */
  static int chartK(List<SeedSummary> rows) {
    Map<Integer, Integer> n = new TreeMap<>();
    rows.forEach(s -> n.merge(s.k(), 1, Integer::sum));
    int best = -1;
    int bestN = -1;
    for (Map.Entry<Integer, Integer> e : n.entrySet()) {
      if (e.getValue() >= bestN) {
        best = e.getKey();
        bestN = e.getValue();
      }
    }
    return best;
  }

  static String kIndependentWord(int k) {
    return k == 0 ? "no training" : String.format(Locale.ROOT, "trained once, %,d samples", k);
  }

  /** File-name-safe: lower case, runs of other characters become '-'. */
  public static String slug(String s) {
    String x = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    return x.isEmpty() ? "x" : x;
  }

  static final Comparator<List<String>> LIST_ORDER = (a, b) -> {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  };
}
