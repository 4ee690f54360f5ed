package tallrec.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import tallrec.eval.Metric;
import tallrec.eval.SeedSummary;

/**
 * The report's Markdown, as a pure function of the per-seed metrics and the report context
 * ({@code report.json}: inputs, provenance, ROC and training-curve summaries). Nothing here reads
 * a clock or the file system, so re-rendering from {@code metrics.csv} gives the same bytes.
 */
public final class ReportRenderer {

  /** The Markdown, the CSV summary, and the metric charts it refers to (to be drawn by the caller). */
  public record Rendered(String markdown, String summaryCsv, List<MetricCharts.ChartFile> charts) {}

  private ReportRenderer() {}

  public static Rendered render(List<Metric> metrics, JsonNode ctx) {
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("No metrics to report");
    }
    List<SeedSummary> summary = SeedSummary.of(metrics);
    Table3 t = Table3.of(summary);
    StringBuilder md = new StringBuilder();
    List<MetricCharts.ChartFile> charts = new ArrayList<>();
    String title = ctx.path("title").asText("TALLRec report");
    md.append("# ").append(title).append("\n\n");
    md.append(intro(metrics, summary, ctx)).append("\n\n");

    md.append("## Results (the paper's Table 3 layout)\n\n");
    if (t.columns().isEmpty() || t.methods().isEmpty()) {
      md.append("No in-domain results (every metric row was trained on another domain than it was tested on);"
          + " see the cross-domain section.\n\n");
    } else {
      md.append(table3(t, summary));
      md.append("\n### Winner per K and margin\n\n");
      md.append(winners(t));
    }

    MetricCharts.Section auc = MetricCharts.aucVsK(t, summary);
    md.append("\n## AUC vs K (Figure 3b)\n\n");
    section(md, auc);
    charts.addAll(auc.charts());

    MetricCharts.Section abl = MetricCharts.ablation(summary);
    md.append("\n## Ablation: AT, RT, TALLRec\n\n");
    section(md, abl);
    charts.addAll(abl.charts());

    MetricCharts.Section cross = MetricCharts.crossDomain(summary);
    md.append("\n## Cross-domain generalisation (Figure 4)\n\n");
    List<MetricCharts.CrossDomain> cd = MetricCharts.crossDomainMethods(summary);
    if (!cd.isEmpty()) {
      md.append(crossTable(cd)).append('\n');
    }
    section(md, cross);
    charts.addAll(cross.charts());

    md.append("\n## ROC curves of the best methods\n\n");
    contextSection(md, ctx.path("roc"));

    md.append("\n## Training curves\n\n");
    contextSection(md, ctx.path("training"));
    trainingRuns(md, ctx.path("training").path("runs"));

    md.append("\n## Provenance\n\n");
    provenance(md, ctx);

    md.append("\n## Files\n\n");
    md.append("- `metrics.csv`: the per-seed AUCs this page was computed from (the `metrics` contract's columns).\n");
    md.append("- `summary.csv`: mean and sample std (ddof = 1) over seeds per model, variant, domains and K.\n");
    md.append("- `report.json`: everything else this page shows (inputs, provenance, ROC and training summaries).\n");
    md.append("- Re-render this page from those two files: `bin/tallrec report --from-csv DIR`"
        + " (`--check` compares instead of writing).\n");
    return new Rendered(md.toString(), MetricsCsv.summary(summary), charts);
  }

  /**
   * Marks a backbone pretrained on a synthetic corpus (the run's provenance carries it): its report
   * says plainly that nothing in it is real.
   */
  public static final String SYNTHETIC_BACKBONE = "pretrained here on the synthetic";

  static String intro(List<Metric> metrics, List<SeedSummary> summary, JsonNode ctx) {
    StringBuilder sb = new StringBuilder();
    long methods = summary.stream().map(s -> s.model() + "\u0000" + s.variant()).distinct().count();
    TreeSet<String> domains = new TreeSet<>(Table3.DOMAIN_ORDER);
    summary.forEach(s -> domains.add(s.testDomain()));
    String split = ctx.path("inputs").path("split").asText("");
    sb.append(String.format(Locale.ROOT, "%d methods, %d per-seed AUCs (%d groups) on the %s%s split of %s.",
        methods, metrics.size(), summary.size(), split.isEmpty() ? "evaluated" : split, "", String.join(", ", domains)));
    JsonNode bb = ctx.path("provenance").path("backbones");
    if (bb.isArray() && bb.size() > 0) {
      List<String> b = new ArrayList<>();
      bb.forEach(x -> b.add("`" + x.asText() + "`"));
      sb.append(" LLM backbone: ").append(String.join(", ", b)).append('.');
      boolean synthetic = false;
      for (JsonNode x : bb) {
        synthetic |= x.asText().contains(SYNTHETIC_BACKBONE);
      }
      if (synthetic) {
        sb.append(" **Everything here is synthetic:** the ratings, the films and the backbone were all made by this"
            + " run (a tiny LLaMA-shaped model pretrained on what the synthetic world says about its films), so the"
            + " table shows TALLRec's protocol at miniature scale (icl: the untuned backbone; rt: rec-tuning alone;"
            + " tallrec: alpaca tuning, then rec-tuning) and nothing of what LLaMA-7B does on real data.");
        sb.append(liftSentence(summary));
      }
    }
    sb.append(" AUC is the exact rank AUC (ties count half) computed by `tallrec evaluate`;"
        + " tables show AUC × 100, mean ± sample std over seeds.");
    return sb.toString();
  }

  private static final Map<String, String> VARIANT_NAMES = Map.of("rt", "RT", "tallrec", "TALLRec", "at", "AT");

  /**
   * What a run with an ICL row shows, in one sentence read off its table: at the largest K, the
   * untuned backbone's AUC against the rec-tuned ones, and which baselines trained on the same K (and
   * like-ratio, K = 0) the better tuned variant beats and which it does not. Empty without ICL or
   * tuned rows.
   */
  static String liftSentence(List<SeedSummary> summary) {
    Optional<SeedSummary> icl = summary.stream().filter(s -> s.variant().equals("icl")).findFirst();
    if (icl.isEmpty()) {
      return "";
    }
    String backbone = icl.get().model();
    int k = summary.stream().filter(s -> s.model().equals(backbone) && !s.variant().equals("icl"))
        .mapToInt(SeedSummary::k).max().orElse(-1);
    if (k <= 0) {
      return "";
    }
    List<SeedSummary> tuned = summary.stream()
        .filter(s -> s.model().equals(backbone) && s.k() == k && !s.variant().equals("icl")).toList();
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
        " **What it shows:** at K = %d, rec-tuning takes the backbone from %.2f untuned (ICL) to ", k,
        100 * icl.get().mean()));
    for (int i = 0; i < tuned.size(); i++) {
      SeedSummary t = tuned.get(i);
      sb.append(i == 0 ? "" : i == tuned.size() - 1 ? " and " : ", ")
          .append(String.format(Locale.ROOT, "%.2f (%s)", 100 * t.mean(), VARIANT_NAMES.getOrDefault(t.variant(), t.variant())));
    }
    sb.append(String.format(Locale.ROOT, " (mean of %d seeds)", tuned.get(0).seeds().size()));
    double best = tuned.stream().mapToDouble(SeedSummary::mean).max().orElseThrow();
    List<String> beaten = new ArrayList<>();
    List<String> notBeaten = new ArrayList<>();
    for (SeedSummary b : summary) {
      if (!b.model().equals(backbone) && (b.k() == k || b.k() == 0)) {
        String name = String.format(Locale.ROOT, "%s %.2f", b.model(), 100 * b.mean());
        (best > b.mean() ? beaten : notBeaten).add(name);
      }
    }
    if (!beaten.isEmpty()) {
      sb.append("; it beats ").append(String.join(", ", beaten));
    }
    if (!notBeaten.isEmpty()) {
      sb.append(beaten.isEmpty() ? "; it beats none of the baselines: " : " but not ")
          .append(String.join(", ", notBeaten));
    }
    return sb.append('.').toString();
  }

  static String table3(Table3 t, List<SeedSummary> summary) {
    StringBuilder sb = new StringBuilder();
    boolean anyPaper = false;
    boolean anyMarked = false;
    boolean anyApprox = false;
    Map<Integer, String> indepMarks = new TreeMap<>();
    sb.append("| method |");
    t.columns().forEach(c -> sb.append(' ').append(c.k() == 0 ? c.domain() + " (no training)" : c.label()).append(" |"));
    sb.append("\n|---|");
    t.columns().forEach(c -> sb.append("---:|"));
    sb.append('\n');
    for (Table3.Method m : t.methods()) {
      StringBuilder label = new StringBuilder(esc(m.label()));
      TreeSet<String> marks = new TreeSet<>();
      for (String d : t.domains()) {
        Integer k = t.kIndependentK(m, d);
        if (k != null && !(t.ks(d).size() == 1 && t.ks(d).get(0) == 0)) {
          marks.add(k == 0 ? "†" : "§");
          indepMarks.put(k, k == 0 ? "†" : "§");
        }
      }
      if (!marks.isEmpty()) {
        label.append(' ').append(String.join("", marks));
      }
      sb.append("| ").append(label).append(" |");
      for (Table3.Column c : t.columns()) {
        Table3.Cell x = t.cell(m, c);
        if (x == null) {
          sb.append(" – |");
        } else if (t.isBest(m, c)) {
          sb.append(" **").append(x.text()).append("** |");
        } else {
          sb.append(' ').append(x.text()).append(" |");
        }
      }
      sb.append('\n');
      Optional<PaperTable3.Match> match = PaperTable3.match(m.model(), m.variant());
      if (match.isPresent()) {
        StringBuilder row = new StringBuilder();
        boolean any = false;
        for (Table3.Column c : t.columns()) {
          boolean kshot = t.kIndependentK(m, c.domain()) == null;
          boolean ours = t.cell(m, c) != null; // beside our number only
          if (ours && kshot && PaperTable3.value(match.get().method(), c.domain(), c.k()).isPresent()) {
            any = true;
            anyMarked |= PaperTable3.significant(match.get().method(), c.domain(), c.k());
            row.append(" *").append(PaperTable3.text(match.get().method(), c.domain(), c.k())).append("* |");
          } else {
            row.append(" – |");
          }
        }
        if (any) {
          anyPaper = true;
          anyApprox |= match.get().approximate();
          sb.append("| *↳ paper: ").append(match.get().method()).append(match.get().approximate() ? " ≈" : "")
              .append(" (LLaMA-7B)* |").append(row).append('\n');
        }
      }
    }
    sb.append('\n');
    int minSeeds = summary.stream().filter(s -> s.k() > 0).mapToInt(s -> s.seeds().size()).min().orElse(1);
    int maxSeeds = summary.stream().filter(s -> s.k() > 0).mapToInt(s -> s.seeds().size()).max().orElse(1);
    sb.append("AUC × 100 on the test split, mean ± sample std over seeds (")
        .append(minSeeds == maxSeeds ? minSeeds + (minSeeds == 1 ? " seed" : " seeds") : minSeeds + "–" + maxSeeds + " seeds")
        .append(" per trained cell; a cell without ± had one run). **Bold**: best of ours in the column"
            + " (as displayed, ties all bold).");
    if (indepMarks.containsValue("†")) {
      sb.append(" † no training (K = 0): the same number in every K column.");
    }
    if (indepMarks.containsValue("§")) {
      sb.append(" § trained once on the whole training split (not a K-shot set; K = its size): the same number in"
          + " every K column.");
    }
    sb.append('\n');
    if (anyPaper) {
      sb.append("\n*↳ paper* rows: ").append(PaperTable3.SOURCE).append(
          ", shown beside our number where the setting matches (same domain and K; the paper's movie data are"
              + " MovieLens-100K, its book data BookCrossing). Their backbone is LLaMA-7B; ours is named above, so the"
              + " comparison is of protocol, not of model size.");
      if (anyMarked) {
        sb.append(' ').append(PaperTable3.SIGNIFICANT).append(' ').append(PaperTable3.SIGNIFICANT_MEANING).append('.');
      }
      if (anyApprox) {
        sb.append(" ≈ closest published counterpart, setting not identical (MiniLM item text encoder instead of BERT).");
      }
      sb.append('\n');
    }
    sb.append("\n<details><summary>The paper's Table 3 (for reference)</summary>\n\n");
    sb.append("| method | movie K=16 | movie K=64 | movie K=256 | book K=16 | book K=64 | book K=256 |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String pm : PaperTable3.methods()) {
      sb.append("| ").append(pm).append(" |");
      for (String d : PaperTable3.DOMAINS) {
        for (int k : PaperTable3.KS) {
          sb.append(' ').append(PaperTable3.text(pm, d, k)).append(" |");
        }
      }
      sb.append('\n');
    }
    sb.append("\n").append(PaperTable3.SOURCE).append(", every cell as published. ").append(PaperTable3.SIGNIFICANT)
        .append(' ').append(PaperTable3.SIGNIFICANT_MEANING).append(". The paper gives its LLM-based"
            + " in-context-learning baselines (no tuning) only as bars in Figure 3(a), without numbers, so no"
            + " published value is shown for them.\n\n</details>\n");
    return sb.toString();
  }

  static String winners(Table3 t) {
    StringBuilder sb = new StringBuilder();
    Map<String, Integer> wins = new LinkedHashMap<>();
    int columns = 0;
    for (Table3.Column c : t.columns()) {
      List<Map.Entry<Table3.Method, Table3.Cell>> r = t.ranking(c);
      if (r.isEmpty()) {
        continue;
      }
      columns++;
      Map.Entry<Table3.Method, Table3.Cell> w = r.get(0);
      wins.merge(w.getKey().label(), 1, Integer::sum);
      sb.append("- **").append(c.k() == 0 ? c.domain() : c.domain() + ", K=" + c.k()).append("**: ");
      if (r.size() == 1) {
        sb.append("only **").append(esc(w.getKey().label())).append("** (").append(w.getValue().text()).append(')');
      } else {
        Map.Entry<Table3.Method, Table3.Cell> ru = r.get(1);
        double margin = w.getValue().mean100() - ru.getValue().mean100();
        sb.append("**").append(esc(w.getKey().label())).append("** ").append(w.getValue().text());
        if (margin < 0.005) {
          sb.append(" ties with ").append(esc(ru.getKey().label())).append(' ').append(ru.getValue().text());
        } else {
          sb.append(String.format(Locale.ROOT, " beats %s %s by **%.2f** points", esc(ru.getKey().label()),
              ru.getValue().text(), margin));
          sb.append(" — ").append(separation(margin, w.getValue().std100(), ru.getValue().std100()));
        }
      }
      PaperTable3.best(c.domain(), c.k()).ifPresent(b -> sb.append(String.format(Locale.ROOT,
          "; the paper's best here: %s %.2f", b.getKey(), b.getValue())));
      sb.append(".\n");
    }
    if (columns > 1) {
      List<String> parts = new ArrayList<>();
      final int n = columns;
      wins.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue() != 0 ? b.getValue() - a.getValue()
          : a.getKey().compareTo(b.getKey())).forEach(e -> parts.add(esc(e.getKey()) + " " + e.getValue() + " of " + n));
      sb.append("\nColumns won: ").append(String.join(", ", parts)).append(".\n");
    }
    return sb.toString();
  }

  static String separation(double margin, double stdWinner, double stdRunnerUp) {
    boolean a = !Double.isNaN(stdWinner);
    boolean b = !Double.isNaN(stdRunnerUp);
    if (!a && !b) {
      return "one run each, no spread to judge the margin by";
    }
    double s = Math.max(a ? stdWinner : 0, b ? stdRunnerUp : 0);
    return margin > s
        ? String.format(Locale.ROOT, "more than the larger std (%.2f)", s)
        : String.format(Locale.ROOT, "within one std (%.2f): not a clear win over these seeds", s);
  }

  static String crossTable(List<MetricCharts.CrossDomain> cd) {
    // the (test domain, K) pairs that occur, movie and book first
    TreeSet<Table3.Column> cols = new TreeSet<>(Comparator.comparing(Table3.Column::domain, Table3.DOMAIN_ORDER)
        .thenComparingInt(Table3.Column::k));
    cd.forEach(c -> c.rows().forEach(s -> cols.add(new Table3.Column(s.testDomain(), s.k()))));
    StringBuilder sb = new StringBuilder("| method | trained on |");
    cols.forEach(c -> sb.append(' ').append(c.label()).append(" |"));
    sb.append("\n|---|---|");
    cols.forEach(c -> sb.append("---:|"));
    sb.append('\n');
    for (MetricCharts.CrossDomain c : cd) {
      TreeSet<String> trains = new TreeSet<>(Table3.DOMAIN_ORDER);
      c.rows().forEach(s -> trains.add(s.trainDomain()));
      for (String tr : trains) {
        sb.append("| ").append(esc(c.method().label())).append(" | ").append(tr.isEmpty() ? "–" : esc(tr)).append(" |");
        for (Table3.Column col : cols) {
          Optional<SeedSummary> s = c.rows().stream().filter(x -> x.trainDomain().equals(tr)
              && x.testDomain().equals(col.domain()) && x.k() == col.k()).findFirst();
          sb.append(' ').append(s.map(x -> new Table3.Cell(x, false).text()).orElse("–")).append(" |");
        }
        sb.append('\n');
      }
    }
    sb.append("\nAUC × 100, mean ± sample std over seeds; rows: the training domain of the tuned model.\n");
    return sb.toString();
  }

  private static void section(StringBuilder md, MetricCharts.Section s) {
    for (MetricCharts.ChartFile c : s.charts()) {
      md.append("![").append(c.alt()).append("](").append(c.file()).append(")\n\n");
      md.append('*').append(c.caption()).append("*\n\n");
    }
    s.notes().forEach(n -> md.append("- ").append(n).append('\n'));
  }

  private static void contextSection(StringBuilder md, JsonNode node) {
    for (JsonNode c : node.path("charts")) {
      md.append("![").append(c.path("alt").asText()).append("](").append(c.path("file").asText()).append(")\n\n");
      md.append('*').append(c.path("caption").asText()).append("*\n\n");
    }
    for (JsonNode n : node.path("notes")) {
      md.append("- ").append(n.asText()).append('\n');
    }
    if (node.path("charts").isEmpty() && node.path("notes").isEmpty()) {
      md.append("- Not recorded for this report.\n");
    }
  }

  private static void trainingRuns(StringBuilder md, JsonNode runs) {
    if (!runs.isArray() || runs.isEmpty()) {
      return;
    }
    md.append("\n| run | stage | steps | final loss | best validation | elapsed |\n|---|---|---:|---:|---|---:|\n");
    for (JsonNode r : runs) {
      md.append("| `").append(r.path("name").asText()).append("` | ").append(r.path("stage").asText("–")).append(" | ")
          .append(r.path("steps").asInt()).append(" | ")
          .append(r.hasNonNull("final_loss") ? String.format(Locale.ROOT, "%.4f", r.path("final_loss").asDouble()) : "–")
          .append(" | ");
      if (r.hasNonNull("best")) {
        md.append(String.format(Locale.ROOT, "%s %.4f at step %d", r.path("metric").asText(), r.path("best").asDouble(),
            r.path("best_step").asInt()));
      } else {
        md.append("–");
      }
      md.append(" | ").append(r.hasNonNull("elapsed_s") ? duration(r.path("elapsed_s").asDouble()) : "–").append(" |\n");
    }
  }

  static void provenance(StringBuilder md, JsonNode ctx) {
    JsonNode in = ctx.path("inputs");
    JsonNode p = ctx.path("provenance");
    md.append("| | |\n|---|---|\n");
    for (JsonNode m : in.path("metrics")) {
      md.append("| metrics | `").append(m.path("path").asText()).append("` (").append(m.path("rows").asInt())
          .append(" rows").append(m.hasNonNull("split") ? ", split " + m.path("split").asText() : "").append(") |\n");
    }
    for (JsonNode r : in.path("runs")) {
      md.append("| run directory | `").append(r.asText()).append("` |\n");
    }
    if (p.path("experiments").size() > 0) {
      md.append("| experiment | ").append(list(p.path("experiments"), "")).append(" |\n");
    }
    md.append("| backbone | ").append(list(p.path("backbones"), "not recorded (no run.json `backbone`, no tune or score manifest naming a model)")).append(" |\n");
    md.append("| code version | ").append(list(p.path("code_versions"), "not recorded")).append(" |\n");
    if (p.hasNonNull("started_at") || p.hasNonNull("finished_at")) {
      md.append("| run | started ").append(p.path("started_at").asText("?")).append(", finished ")
          .append(p.path("finished_at").asText("?")).append(" (run.json) |\n");
    }
    if (p.hasNonNull("first_output_at")) {
      md.append("| stage outputs created | ").append(p.path("first_output_at").asText()).append(" … ")
          .append(p.path("last_output_at").asText()).append(" (manifests) |\n");
    }
    if (p.hasNonNull("total_seconds")) {
      md.append("| wall time (run.json) | ").append(duration(p.path("total_seconds").asDouble())).append(" |\n");
    }

    md.append("\n### Wall time per stage\n\n");
    JsonNode stages = p.path("stage_times");
    if (stages.isArray() && stages.size() > 0) {
      md.append("| stage | what | status | wall time |\n|---|---|---|---:|\n");
      for (JsonNode s : stages) {
        String status = s.path("status").asText("–");
        if (s.hasNonNull("seconds_when_run") && !"ran".equals(status)) {
          status += " (" + duration(s.path("seconds_when_run").asDouble()) + " when it ran)";
        }
        md.append("| ").append(s.path("name").asText("?")).append(" | ").append(esc(s.path("label").asText("")))
            .append(" | ").append(status).append(" | ")
            .append(s.hasNonNull("seconds") ? duration(s.path("seconds").asDouble()) : "–").append(" |\n");
      }
    } else {
      md.append("- Not recorded: no `run.json` with stage times under the run directories.\n");
    }

    md.append("\n### Data inputs\n\n");
    JsonNode data = p.path("data_inputs");
    if (data.isArray() && data.size() > 0) {
      md.append("| input | checksum |\n|---|---|\n");
      for (JsonNode d : data) {
        md.append("| `").append(d.path("input").asText()).append("` | `").append(d.path("checksum").asText()).append("` |\n");
      }
    } else {
      md.append("- Not recorded: no stage manifest with raw-file checksums was found.\n");
    }

    md.append("\n### Stage outputs\n\n");
    JsonNode outs = p.path("stages");
    if (outs.isArray() && outs.size() > 0) {
      md.append("| stage | output | created | rows |\n|---|---|---|---|\n");
      for (JsonNode s : outs) {
        List<String> rows = new ArrayList<>();
        s.path("rows").fields().forEachRemaining(e -> rows.add(String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue().asLong())));
        md.append("| ").append(s.path("stage").asText()).append(" | `").append(s.path("output").asText()).append("` | ")
            .append(s.path("created_at").asText("–")).append(" | ").append(rows.isEmpty() ? "–" : String.join(", ", rows))
            .append(" |\n");
      }
      JsonNode configs = p.path("configs");
      if (configs.isArray() && configs.size() > 0) {
        md.append("\n<details><summary>Config (resolved settings recorded in the manifests, per stage)</summary>\n\n");
        for (JsonNode c : configs) {
          md.append("**").append(list(c.path("stages"), "?")).append("**\n\n```\n");
          c.path("settings").forEach(x -> md.append(x.asText()).append('\n'));
          md.append("```\n\n");
        }
        md.append("</details>\n");
      }
    } else {
      md.append("- No `_MANIFEST.json` found beside the metrics or under the run directories.\n");
    }
  }

  private static String list(JsonNode arr, String empty) {
    if (!arr.isArray() || arr.isEmpty()) {
      return empty;
    }
    List<String> out = new ArrayList<>();
    arr.forEach(x -> out.add("`" + x.asText() + "`"));
    return String.join(", ", out);
  }

  static String duration(double seconds) {
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    return s < 3600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
        : String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }

  /** Markdown table cells cannot hold '|'. */
  static String esc(String s) {
    return s.replace("|", "\\|");
  }
}
