package tallrec.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.testing.Reports;

/**
 * The reports committed in notebooks-export/ say what the code produces today: each README.md
 * re-renders byte for byte from its committed metrics.csv and report.json (see notebooks-export/README.md
 * for the commands that regenerate them from real runs).
 */
class CommittedReportsTest {

  static final Path EXPORTS = Paths.get("..", "notebooks-export");

  /** The reports that must be there (notebooks-export/README.md lists how each is made). */
  static final List<String> REQUIRED = List.of("demo", "movielens100k", "paper");

  @Test
  void everyRequiredReportIsCommittedAndEveryCommittedOneRerenders() throws IOException {
    List<String> present;
    try (var dirs = Files.list(EXPORTS)) {
      present = dirs.filter(d -> Files.isRegularFile(d.resolve("README.md"))).map(d -> d.getFileName().toString())
          .sorted().toList();
    }
    assertTrue(present.containsAll(REQUIRED), "committed reports " + present + " lack some of " + REQUIRED);
    present.forEach(this::committedReportRerendersFromItsMetrics);
  }

  void committedReportRerendersFromItsMetrics(String name) {
    Path dir = EXPORTS.resolve(name);
    for (String f : List.of("README.md", "metrics.csv", "report.json")) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), dir.resolve(f) + " is missing");
    }
    Reports.assertRerendersIdentically(dir.toAbsolutePath());
  }
}
