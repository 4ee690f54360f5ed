package tallrec.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.eval.Metric;
import tallrec.testing.LocalSpark;
import tallrec.testing.Reports;

/** The report's table, winners, charts and re-rendering, on hand-made metrics whose numbers are known. */
class ReportTest {

  private static final ObjectNode NO_CONTEXT = new ObjectMapper().createObjectNode();

  @Test
  void table3ShowsMeanAndSampleStdTimes100WithTheBestOfEachColumnInBold() {
    String md = ReportRenderer.render(ReportFixture.metrics(), NO_CONTEXT).markdown();
    assertTrue(md.contains("| method | movie K=16 | movie K=64 |\n|---|---:|---:|\n"), md);
    assertTrue(md.contains("| alpha | 62.00 ± 2.00 | 62.00 ± 2.00 |\n"), md);
    // (0.70, 0.70, 0.73): mean 0.71, sample std sqrt(0.0006 / 2) = 0.01732
    assertTrue(md.contains("| beta | **71.00 ± 1.73** | **75.00 ± 1.00** |\n"), md);
    // untrained: one number in every K column, marked
    assertTrue(md.contains("| like-ratio † | 65.00 | 65.00 |\n"), md);
    assertTrue(md.contains("† no training (K = 0)"), md);
  }

  @Test
  void winnerPerKNamesTheMarginAndWhetherItExceedsTheSpread() {
    String md = ReportRenderer.render(ReportFixture.metrics(), NO_CONTEXT).markdown();
    assertTrue(md.contains("- **movie, K=16**: **beta** 71.00 ± 1.73 beats like-ratio 65.00 by **6.00** points"
        + " — more than the larger std (1.73); the paper's best here: TALLRec 67.24.\n"), md);
    assertTrue(md.contains("- **movie, K=64**: **beta** 75.00 ± 1.00 beats like-ratio 65.00 by **10.00** points"), md);
    assertTrue(md.contains("Columns won: beta 2 of 2."), md);
    assertEquals("within one std (2.00): not a clear win over these seeds", ReportRenderer.separation(1.5, 2.0, 1.0));
  }

  @Test
  void boldTiesAndPaperNumbersBesideOursWhereTheSettingMatches() {
    List<Metric> m = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      m.add(new Metric("llama-tiny", "TALLRec", "movie", "movie", 16, s, 0.55, 10, 5));
      m.add(new Metric("llama-tiny", "TALLRec", "movie", "movie", 64, s, 0.60, 10, 5));
      m.add(new Metric("other", "", "movie", "movie", 16, s, 0.55, 10, 5));
      m.add(new Metric("caser", "", "book", "book", 64, s, 0.50 + 0.01 * s, 10, 5));
      m.add(new Metric("gru-minilm", "", "book", "book", 64, s, 0.51, 10, 5));
    }
    String md = ReportRenderer.render(m, NO_CONTEXT).markdown();
    assertTrue(md.contains("| llama-tiny (TALLRec) | **55.00 ± 0.00** | **60.00 ± 0.00** | – |\n"), md);
    assertTrue(md.contains("| other | **55.00 ± 0.00** | – | – |\n"), md); // a tie: both bold
    // the paper's significance marks where it gives them
    assertTrue(md.contains("| *↳ paper: TALLRec (LLaMA-7B)* | *67.24‡* | *67.48‡* | – |\n"), md);
    assertTrue(md.contains("‡ the paper marks the TALLRec result as significantly better than all baselines"), md);
    assertTrue(md.contains("| *↳ paper: Caser (LLaMA-7B)* | – | – | *49.72* |\n"), md); // beside ours only
    assertTrue(md.contains("| *↳ paper: GRU-BERT ≈ (LLaMA-7B)* | – | – | *49.64* |\n"), md);
    assertTrue(md.contains("TALLRec paper (Bao et al., RecSys'23), Table 3: LLaMA-7B, AUC × 100"), md);
    assertTrue(md.contains("| TALLRec | 67.24‡ | 67.48‡ | 71.98‡ | 56.36 | 60.39‡ | 64.38‡ |\n"), md);
    assertFalse(md.contains("README"), md); // one source: the paper
  }

  @Test
  void noNumberThePaperDoesNotPrintIsShownAsPublished() {
    List<Metric> m = new ArrayList<>();
    for (int k : List.of(16, 64)) {
      m.add(new Metric("llama-tiny", "icl", "none", "movie", 0, 0, 0.52, 10, 5));
      m.add(new Metric("llama-tiny", "AT", "movie", "movie", k, 0, 0.53, 10, 5));
      m.add(new Metric("llama-tiny", "RT", "movie", "movie", k, 0, 0.54, 10, 5));
    }
    String md = ReportRenderer.render(m.stream().distinct().toList(), NO_CONTEXT).markdown();
    // the ICL baselines and the AT/RT ablation exist in the paper only as plotted bars and curves
    assertFalse(md.contains("*↳ paper"), md);
    assertFalse(md.contains("ICL)"), md);
    assertTrue(md.contains("only as bars in Figure 3(a), without numbers"), md);
    assertFalse(md.matches("(?s).*\\b[Ii]ssue\\b.*"), md); // the project and the paper only
  }

  @Test
  void chartsWithoutDataAreOmittedWithANote() {
    List<Metric> m = ReportFixture.metrics().stream().filter(x -> x.k() != 16).toList();
    ReportRenderer.Rendered r = ReportRenderer.render(m, NO_CONTEXT);
    assertTrue(r.charts().isEmpty(), r.charts().toString());
    assertTrue(r.markdown().contains("- No AUC-vs-K chart for movie: one K only (K=64); the table above has the numbers."),
        r.markdown());
    assertTrue(r.markdown().contains("- No ablation chart: no model has more than one variant"), r.markdown());
    assertTrue(r.markdown().contains("- No cross-domain chart: every method was tested only on the domain"), r.markdown());
    assertFalse(r.markdown().contains("]("), "no image link without an image: " + r.markdown());
  }

  @Test
  void ablationAndCrossDomainChartsArePlannedWhenTheMetricsHaveThem() {
    List<Metric> m = new ArrayList<>();
    for (String v : List.of("AT", "RT", "TALLRec")) {
      for (int k : List.of(16, 64, 256)) {
        m.add(new Metric("llama", v, "movie", "movie", k, 0, 0.5 + k / 1000.0, 10, 5));
      }
    }
    m.add(new Metric("llama", "TALLRec", "book", "movie", 64, 0, 0.58, 10, 5));
    m.add(new Metric("llama", "TALLRec", "book", "book", 64, 0, 0.57, 10, 5));
    // The alpaca adapter alone (variant at) saw no recommendation data: a Table 3 row, not a cross-domain one.
    m.add(new Metric("llama", "at", "alpaca", "movie", 0, 0, 0.51, 10, 5));
    ReportRenderer.Rendered r = ReportRenderer.render(m, NO_CONTEXT);
    List<String> files = r.charts().stream().map(MetricCharts.ChartFile::file).toList();
    assertEquals(List.of("auc-vs-k-movie.png", "ablation-llama-movie.png", "cross-domain-llama-tallrec.png"), files);
    assertTrue(r.markdown().contains("| llama (at) † | 51.00 | 51.00 | 51.00 |"), r.markdown());
    // Only the K tested across domains (the in-domain K = 16 and 256 runs are RQ2's, not Figure 4's).
    assertTrue(r.markdown().contains("| method | trained on | movie K=64 | book K=64 |\n"), r.markdown());
    assertTrue(r.markdown().contains("| llama (TALLRec) | movie | 56.40 | – |\n"
        + "| llama (TALLRec) | book | 58.00 | 57.00 |\n"), r.markdown());
    assertTrue(r.markdown().contains("- **movie, K=16**: **llama (AT)** 51.60 ties with llama (RT) 51.60;"), r.markdown());
  }

  @Test
  void aPngIsWrittenAndDecodesAtTheExpectedSize() throws Exception {
    ReportRenderer.Rendered r = ReportRenderer.render(ReportFixture.metrics(), NO_CONTEXT);
    assertEquals("auc-vs-k-movie.png", r.charts().get(0).file());
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    Charts.writePng(r.charts().get(0).chart().get(), png, 900, 540);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
    assertEquals(900, img.getWidth());
    assertEquals(540, img.getHeight());
    int coloured = 0;
    for (int x = 0; x < img.getWidth(); x += 3) {
      for (int y = 0; y < img.getHeight(); y += 3) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        if (rgb != 0xffffff) {
          coloured++;
        }
      }
    }
    assertTrue(coloured > 500, "chart is (nearly) blank: " + coloured + " non-white samples");
  }

  @Test
  void rocCurveCountsTiesHalfLikeTheRankAuc() {
    double[][] c = Roc.curve(List.of(new double[] {0.9, 1}, new double[] {0.8, 0}, new double[] {0.8, 1},
        new double[] {0.1, 0}), 1000);
    assertEquals(0.875, Roc.area(c), 1e-12); // (1 + 1 + 0.5 + 1) / 4
    assertEquals(4, c[0].length); // (0,0), 0.9, the tied 0.8s as one point, 0.1
  }

  @Test
  void provenanceToleratesMissingAndBrokenRunFiles(@TempDir Path tmp) throws Exception {
    Files.createDirectories(tmp.resolve("a"));
    Files.createDirectories(tmp.resolve("b"));
    Files.writeString(tmp.resolve("a/run.json"), "{not json");
    Files.writeString(tmp.resolve("b/run.json"), "{\"stages\": [{\"name\": \"score\"}]}");
    Files.createDirectories(tmp.resolve(".staging/x"));
    Files.writeString(tmp.resolve(".staging/x/run.json"), "{\"backbone\": \"hidden\"}");
    RunScan scan = RunScan.of(List.of(tmp.toString()), List.of(), new Configuration());
    ObjectNode p = Provenance.of(scan, new Configuration());
    assertEquals(List.of(tmp + "/a/run.json (not JSON)"), scan.skipped);
    assertEquals(1, p.path("stage_times").size());
    assertEquals("score", p.path("stage_times").get(0).path("name").asText().replaceAll(".*: ", ""));
    assertFalse(p.has("total_seconds"));
    assertEquals(0, p.path("backbones").size()); // hidden (staging) directories are not read
    String md = ReportRenderer.render(ReportFixture.metrics(),
        new ObjectMapper().createObjectNode().set("provenance", p)).markdown();
    assertTrue(md.contains("score |  | – | – |"), md);
  }

  @Test
  void metricsCsvRoundTripsExactly() {
    List<Metric> m = new ArrayList<>(ReportFixture.metrics());
    m.add(new Metric("a,\"b\"", "v", "movie", "movie", 16, 3, 0.1 + 0.2, 7, 3));
    List<Metric> back = MetricsCsv.read(MetricsCsv.write(m), "test");
    assertEquals(m.stream().sorted(tallrec.eval.SeedSummary.ORDER).toList(), back);
  }

  @Test
  void gridEntriesSharingARunCountItOnceAndAConflictingCopyIsRejected(@TempDir Path tmp) throws Exception {
    var spark = LocalSpark.get();
    List<Metric> all = ReportFixture.metrics();
    // Two grid entries' evaluations: the second repeats beta's K = 64 rows (a shared tuning) and adds one.
    // The shared rows' AUC is re-summed by the second evaluate, so it may differ in the last bit.
    List<Metric> second = new ArrayList<>(all.stream().filter(m -> m.model().equals("beta") && m.k() == 64)
        .map(m -> new Metric(m.model(), m.variant(), m.trainDomain(), m.testDomain(), m.k(), m.seed(),
            Math.nextUp(m.auc()), m.n(), m.nPos())).toList());
    second.add(new Metric("beta", "", "movie", "movie", 256, 0, 0.8, 100, 40));
    Path a = ReportFixture.writeMetrics(spark, all, tmp.resolve("eval/rq1"));
    Path b = ReportFixture.writeMetrics(spark, second, tmp.resolve("eval/rq2"));
    Report.Result res = Report.run(spark, new Report.Request(List.of(a.toString(), b.toString()), List.of(),
        tmp.resolve("report").toString(), "Grid"), Report.Settings.defaults());
    assertEquals(14, res.metricRows());
    String md = Files.readString(tmp.resolve("report/README.md"));
    assertTrue(md.contains("75.00 ± 1.00"), md); // beta K = 64 still averages 3 seeds, not 6

    List<Metric> conflicting = List.of(new Metric("beta", "", "movie", "movie", 64, 1, 0.5, 100, 40));
    Path c = ReportFixture.writeMetrics(spark, conflicting, tmp.resolve("eval/other"));
    var e = assertThrows(IllegalArgumentException.class, () -> Report.run(spark, new Report.Request(
        List.of(a.toString(), c.toString()), List.of(), tmp.resolve("report2").toString(), "Grid"),
        Report.Settings.defaults()));
    assertTrue(e.getMessage().contains("model=beta, train_domain=movie, test_domain=movie, k=64, seed=1"), e.getMessage());
    assertTrue(e.getMessage().contains("AUC 0.75") && e.getMessage().contains("AUC 0.5"), e.getMessage());
  }

  @Test
  void reportFromParquetAndRunDirectoryRerendersByteForByte(@TempDir Path tmp) throws Exception {
    var spark = LocalSpark.get();
    Path metrics = ReportFixture.writeMetrics(spark, ReportFixture.metrics(), tmp.resolve("eval"));
    Path run = tmp.resolve("run");
    ReportFixture.writeScores(spark, run.resolve("base/scores"));
    ReportFixture.writeTuneRun(run.resolve("tune/movie/k=64/seed=0"), 0);
    ReportFixture.writeTuneRun(run.resolve("tune/movie/k=64/seed=1"), 1);
    ReportFixture.writeRunFiles(run);
    Path out = tmp.resolve("report");

    Report.Result res = Report.run(spark, new Report.Request(List.of(metrics.toString()), List.of(run.toString()),
        out.toString(), "Fixture report"), Report.Settings.defaults());
    assertEquals(13, res.metricRows());
    for (String f : List.of("README.md", "metrics.csv", "summary.csv", "report.json", "auc-vs-k-movie.png",
        "roc-movie.png", "training-tune-movie-k-64-seed.png")) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
      assertTrue(res.files().contains(f), f + " not in " + res.files());
    }
    BufferedImage roc = ImageIO.read(out.resolve("roc-movie.png").toFile());
    assertEquals(900, roc.getWidth());
    String md = Files.readString(out.resolve("README.md"));
    assertTrue(md.startsWith("# Fixture report\n"), md);
    assertTrue(md.contains("![ROC on movie (test split)](roc-movie.png)"), md);
    assertTrue(md.contains("| `tune/movie/k=64/seed=0` | tune rec | 10 | 0.2000 | valid_auc 0.7000 at step 10 | 15.0 s |"), md);
    assertTrue(md.contains("| backbone | `llama-tiny` |"), md);
    assertTrue(md.contains("| ingest |  | ran | 12.5 s |\n| tune |  | skipped | – |"), md);
    assertTrue(md.contains("| `ratings /data/u.data` | `sha256:00ff` |"), md);
    assertTrue(md.contains("unreadable line(s) skipped"), md);
    assertTrue(md.contains("| code version | `0.1.0+abc1234` |"), md);

    Reports.assertRerendersIdentically(out);
    Path again = tmp.resolve("again");
    Report.rerender(new org.apache.hadoop.fs.Path(out.toUri()), new org.apache.hadoop.fs.Path(again.toUri()),
        Report.Settings.defaults(), new Configuration());
    assertEquals(md, Files.readString(again.resolve("README.md")));
    assertTrue(Files.size(again.resolve("auc-vs-k-movie.png")) > 0);

    Files.writeString(out.resolve("README.md"), md.replace("71.00 ± 1.73", "71.10 ± 1.73"));
    List<String> diffs = Report.check(new org.apache.hadoop.fs.Path(out.toUri()), new Configuration());
    assertEquals(1, diffs.size(), diffs.toString());
    assertTrue(diffs.get(0).startsWith("README.md line "), diffs.get(0));
  }
}
