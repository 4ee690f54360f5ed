package tallrec.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tallrec.testing.Reports;

/**
 * The reports committed in notebooks-export/ say what the code produces today: each README.md
 * re-renders byte for byte from its committed metrics.csv and report.json (see notebooks-export/README.md
 * for the commands that regenerate them from real runs).
 */
class CommittedReportsTest {

  static final Path EXPORTS = Paths.get("..", "notebooks-export");

  @ParameterizedTest
  @ValueSource(strings = {"demo", "movielens100k"})
  void committedReportRerendersFromItsMetrics(String name) {
    Path dir = EXPORTS.resolve(name);
    for (String f : List.of("README.md", "metrics.csv", "report.json")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), dir.resolve(f) + " is missing");
    }
    Reports.assertRerendersIdentically(dir.toAbsolutePath());
  }
}
