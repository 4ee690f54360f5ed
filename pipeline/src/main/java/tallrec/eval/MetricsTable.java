package tallrec.eval;

import java.util.List;
import java.util.Locale;

/** Plain-text tables of metrics for the console and logs. */
public final class MetricsTable {

  private MetricsTable() {}

  /** One row per (model, variant, train domain, test domain, K, seed). */
  public static String perSeed(List<Metric> metrics) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-18s %-10s %-8s %-8s %6s %5s %8s %7s %7s%n",
        "model", "variant", "train", "test", "K", "seed", "AUC", "n", "n_pos"));
    for (Metric m : metrics) {
      sb.append(String.format(Locale.ROOT, "%-18s %-10s %-8s %-8s %6d %5d %8.4f %7d %7d%n", m.model(),
          m.variant(), m.trainDomain(), m.testDomain(), m.k(), m.seed(), m.auc(), m.n(), m.nPos()));
    }
    return sb.toString();
  }

  /** One row per (model, variant, train domain, test domain, K): mean ± sample std over seeds. */
  public static String summary(List<SeedSummary> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-18s %-10s %-8s %-8s %6s %6s %17s%n",
        "model", "variant", "train", "test", "K", "seeds", "AUC mean ± std"));
    for (SeedSummary s : rows) {
      String std = Double.isNaN(s.std()) ? "   n/a" : String.format(Locale.ROOT, "%6.4f", s.std());
      sb.append(String.format(Locale.ROOT, "%-18s %-10s %-8s %-8s %6d %6d %8.4f ± %s%n", s.model(), s.variant(),
          s.trainDomain(), s.testDomain(), s.k(), s.seeds().size(), s.mean(), std));
    }
    return sb.toString();
  }
}
