package tallrec.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.report.Report;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "metrics (+ run directories) -> DIR/README.md (Table 3 layout, winners per K, provenance), PNG charts,",
      "metrics.csv, summary.csv, report.json. --from-csv DIR re-renders README.md from DIR/metrics.csv + report.json."
    })
public final class ReportCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--metrics", arity = "1..*", paramLabel = "PATH",
      description = "metrics/ Parquet (or the evaluate output directory, metrics.json, a report's metrics.csv); repeatable.")
  List<String> metrics = new ArrayList<>();

  @Option(names = "--run", arity = "1..*", paramLabel = "DIR",
      description = "Run directories searched recursively for _MANIFEST.json, train_log.jsonl, scores and run.json.")
  List<String> runs = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", description = "Report directory (with --from-csv: default the same DIR).")
  String out;

  @Option(names = "--title", paramLabel = "T", description = "Report title (default: TALLRec report).")
  String title;

  @Option(names = "--from-csv", paramLabel = "DIR", description = "Re-render DIR's report from DIR/metrics.csv and DIR/report.json.")
  String fromCsv;

  @Option(names = "--check", description = "With --from-csv: compare the rendering with DIR/README.md and summary.csv; exit 1 when they differ.")
  boolean check;

  @Override
  public Integer call() {
    TallRecConf conf = common.resolve();
    Report.Settings settings = Report.Settings.from(conf);
    PrintStream o = System.out;
    if (fromCsv != null) {
      if (!metrics.isEmpty() || !runs.isEmpty()) {
        throw new IllegalArgumentException("--from-csv re-renders from the report's own files; drop --metrics/--run");
      }
      Configuration hadoop = new Configuration();
      Path dir = new Path(fromCsv);
      if (check) {
        List<String> diffs = Report.check(dir, hadoop);
        if (diffs.isEmpty()) {
          o.printf("report %s: README.md and summary.csv re-render identically from metrics.csv%n", dir);
          return 0;
        }
        diffs.forEach(d -> System.err.println("tallrec report: " + d));
        return 1;
      }
      List<String> files = Report.rerender(dir, new Path(out != null ? out : fromCsv), settings, hadoop);
      o.printf("report re-rendered from %s/metrics.csv -> %s: %s%n", dir, out != null ? out : fromCsv, String.join(", ", files));
      return 0;
    }
    if (metrics.isEmpty() || out == null) {
      throw new IllegalArgumentException("report needs --metrics PATH... and --out DIR (or --from-csv DIR)");
    }
    SparkSession spark = Jobs.spark(conf, "report");
    Report.Result r = Report.run(spark, new Report.Request(metrics, runs, out, title), settings);
    o.printf("report -> %s/README.md (%d metric rows)%n", r.out(), r.metricRows());
    r.files().forEach(f -> o.printf("  %s/%s%n", r.out(), f));
    r.notes().forEach(n -> o.printf("  skipped: %s%n", n));
    return 0;
  }
}
