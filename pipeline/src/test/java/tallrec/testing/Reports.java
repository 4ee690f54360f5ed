package tallrec.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import tallrec.report.Report;

/** For tests of committed reports: a report directory must re-render byte for byte from its metrics.csv. */
public final class Reports {

  private Reports() {}

  /** Fails with the first differing line of README.md or summary.csv. */
  public static void assertRerendersIdentically(Path reportDir) {
    List<String> diffs = Report.check(new org.apache.hadoop.fs.Path(reportDir.toUri()), new Configuration());
    assertEquals(List.of(), diffs, "report " + reportDir + " does not re-render from its metrics.csv");
  }
}
