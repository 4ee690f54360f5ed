package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.report.ReportFixture;
import tallrec.testing.LocalSpark;
import tallrec.testing.Reports;

/** {@code tallrec report}: metrics → report directory; {@code --from-csv --check} catches a hand edit. */
class ReportCommandTest {

  @Test
  void reportThenRerenderCheck(@TempDir Path tmp) throws Exception {
    Path metrics = ReportFixture.writeMetrics(LocalSpark.get(), ReportFixture.metrics(), tmp.resolve("eval"));
    Path out = tmp.resolve("report");

    CliRun missing = CliRun.of("report", "--metrics", tmp.resolve("nope").toString(), "--out", out.toString());
    assertEquals(1, missing.rc());
    assertTrue(missing.errorLine().contains("Metrics not found: " + tmp.resolve("nope")), missing.err());

    CliRun r = CliRun.of("report", "--metrics", metrics.toString(), "--out", out.toString(), "--title", "CLI report");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().contains("report -> ") && r.out().contains("auc-vs-k-movie.png"), r.out());
    String md = Files.readString(out.resolve("README.md"));
    assertTrue(md.startsWith("# CLI report\n") && md.contains("| beta | **71.00 ± 1.73** | **75.00 ± 1.00** |"), md);
    assertTrue(md.contains("- No ROC curves: no --run directory was given"), md);
    assertTrue(Files.size(out.resolve("auc-vs-k-movie.png")) > 1000);
    Reports.assertRerendersIdentically(out);

    CliRun ok = CliRun.of("report", "--from-csv", out.toString(), "--check");
    assertEquals(0, ok.rc(), ok.err());
    assertTrue(ok.out().contains("re-render identically"), ok.out());

    Files.writeString(out.resolve("README.md"), md.replace("# CLI report", "# Edited by hand"));
    CliRun bad = CliRun.of("report", "--from-csv", out.toString(), "--check");
    assertEquals(1, bad.rc());
    assertTrue(bad.errorLine().contains("README.md line 1: committed \"# Edited by hand\" but renders \"# CLI report\""),
        bad.err());

    CliRun rerender = CliRun.of("report", "--from-csv", out.toString());
    assertEquals(0, rerender.rc(), rerender.err());
    assertEquals(md, Files.readString(out.resolve("README.md")));
  }
}
