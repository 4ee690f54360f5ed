package tallrec.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper reports AUC as a mean over K-shot draws: one row per (model, variant, train domain,
 * test domain, K) with the mean and the <b>sample</b> standard deviation over seeds (divisor n − 1,
 * as numpy's {@code std(ddof=1)} and pandas' default {@code std()}). With a single seed the
 * standard deviation is undefined and reported as NaN, as pandas does.
 */
public record SeedSummary(String model, String variant, String trainDomain, String testDomain, int k,
    List<Integer> seeds, double mean, double std) {

  /** Summarises per-seed metrics; groups come out sorted by model, variant, domains, K. */
  public static List<SeedSummary> of(List<Metric> metrics) {
    Map<List<Object>, List<Metric>> groups = new LinkedHashMap<>();
    metrics.stream().sorted(ORDER).forEach(m -> groups
        .computeIfAbsent(List.of(m.model(), m.variant(), m.trainDomain(), m.testDomain(), m.k()), g -> new ArrayList<>())
        .add(m));
    List<SeedSummary> out = new ArrayList<>();
    for (List<Metric> g : groups.values()) {
      double[] aucs = g.stream().mapToDouble(Metric::auc).toArray();
      Metric first = g.get(0);
      out.add(new SeedSummary(first.model(), first.variant(), first.trainDomain(), first.testDomain(), first.k(),
          g.stream().map(Metric::seed).toList(), mean(aucs), sampleStd(aucs)));
    }
    return out;
  }

  /** The order of printed tables and written files: model, variant, domains, K, seed. */
  public static final Comparator<Metric> ORDER = Comparator.comparing(Metric::model)
      .thenComparing(Metric::variant).thenComparing(Metric::trainDomain).thenComparing(Metric::testDomain)
      .thenComparingInt(Metric::k).thenComparingInt(Metric::seed);

  static double mean(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s / xs.length;
  }

  /** Sample standard deviation (ddof = 1), two-pass for accuracy; NaN below two values. */
  static double sampleStd(double[] xs) {
    if (xs.length < 2) {
      return Double.NaN;
    }
    double m = mean(xs);
    double ss = 0;
    for (double x : xs) {
      ss += (x - m) * (x - m);
    }
    return Math.sqrt(ss / (xs.length - 1));
  }
}
