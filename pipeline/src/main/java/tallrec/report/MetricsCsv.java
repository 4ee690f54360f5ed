package tallrec.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tallrec.eval.Metric;
import tallrec.eval.SeedSummary;

/**
 * The report's raw data as CSV: {@code metrics.csv} (one row per seed, the {@code metrics} contract's
 * columns) and {@code summary.csv} (mean ± sample std per group). AUCs are written with
 * {@link Double#toString}, the shortest text that reads back to the same double, so a report
 * re-rendered from {@code metrics.csv} computes exactly the numbers of the original.
 */
public final class MetricsCsv {

  public static final List<String> HEADER =
      List.of("model", "variant", "train_domain", "test_domain", "k", "seed", "auc", "n", "n_pos");

  private MetricsCsv() {}

  /** Rows in {@link SeedSummary#ORDER}. */
  public static String write(List<Metric> metrics) {
    StringBuilder sb = new StringBuilder(String.join(",", HEADER)).append('\n');
    for (Metric m : metrics.stream().sorted(SeedSummary.ORDER).toList()) {
      sb.append(field(m.model())).append(',').append(field(m.variant())).append(',')
          .append(field(m.trainDomain())).append(',').append(field(m.testDomain())).append(',')
          .append(m.k()).append(',').append(m.seed()).append(',').append(Double.toString(m.auc())).append(',')
          .append(m.n()).append(',').append(m.nPos()).append('\n');
    }
    return sb.toString();
  }

  /** One row per (model, variant, train domain, test domain, K); std empty with one seed. */
  public static String summary(List<SeedSummary> rows) {
    StringBuilder sb = new StringBuilder(
        "model,variant,train_domain,test_domain,k,n_seeds,seeds,auc_mean,auc_std,auc_mean_x100,auc_std_x100\n");
    for (SeedSummary s : rows) {
      boolean std = !Double.isNaN(s.std());
      sb.append(field(s.model())).append(',').append(field(s.variant())).append(',')
          .append(field(s.trainDomain())).append(',').append(field(s.testDomain())).append(',')
          .append(s.k()).append(',').append(s.seeds().size()).append(',')
          .append(s.seeds().stream().map(String::valueOf).collect(Collectors.joining(" "))).append(',')
          .append(Double.toString(s.mean())).append(',').append(std ? Double.toString(s.std()) : "").append(',')
          .append(String.format(Locale.ROOT, "%.2f", 100 * s.mean())).append(',')
          .append(std ? String.format(Locale.ROOT, "%.2f", 100 * s.std()) : "").append('\n');
    }
    return sb.toString();
  }

  /** Reads {@code metrics.csv} text (columns found by header name); {@code what} names it in errors. */
  public static List<Metric> read(String text, String what) {
    List<List<String>> rows = parse(text);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty");
    }
    Map<String, Integer> col = new HashMap<>();
    List<String> header = rows.get(0);
    for (int i = 0; i < header.size(); i++) {
      col.put(header.get(i).trim(), i);
    }
    List<String> missing = HEADER.stream().filter(h -> !col.containsKey(h)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(what + " lacks columns " + missing + "; header: " + header);
    }
    List<Metric> out = new ArrayList<>();
    for (int r = 1; r < rows.size(); r++) {
      List<String> f = rows.get(r);
      if (f.size() == 1 && f.get(0).isEmpty()) {
        continue;
      }
      try {
        out.add(new Metric(f.get(col.get("model")), f.get(col.get("variant")), f.get(col.get("train_domain")),
            f.get(col.get("test_domain")), Integer.parseInt(f.get(col.get("k"))),
            Integer.parseInt(f.get(col.get("seed"))), Double.parseDouble(f.get(col.get("auc"))),
            Long.parseLong(f.get(col.get("n"))), Long.parseLong(f.get(col.get("n_pos")))));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(what + " line " + (r + 1) + " is not a metrics row: " + f, e);
      }
    }
    return out;
  }

  static String field(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
  static List<List<String>> parse(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          f.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          f.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(f.toString());
        f.setLength(0);
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        row.add(f.toString());
        f.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
      } else {
        f.append(c);
      }
      i++;
    }
    if (f.length() > 0 || !row.isEmpty()) {
      row.add(f.toString());
      rows.add(row);
    }
    return rows;
  }
}
