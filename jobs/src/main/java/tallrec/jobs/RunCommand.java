package tallrec.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.eval.Metric;
import tallrec.eval.MetricsTable;
import tallrec.eval.SeedSummary;
import tallrec.experiment.ExperimentGrid;
import tallrec.experiment.ExperimentPlan;
import tallrec.experiment.ExperimentRunner;
import tallrec.experiment.Stage;
import tallrec.io.Fs;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run a whole experiment (tallrec.experiment in --conf, e.g. conf/experiments/movielens100k.conf): ingest ->",
      "instructions -> (alpaca tuning) -> rec-tuning per variant, K and seed -> score -> baselines -> evaluate.",
      "Every stage output carries a _MANIFEST.json; a rerun skips each stage whose inputs, settings and code are",
      "unchanged. Stages: synth, model, ingest, instructions, valid, alpaca, tune, score, baselines, evaluate."
    })
public final class RunCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--from", paramLabel = "STAGE", description = "Re-run this stage and every later one, even when up to date.")
  String from;

  @Option(names = "--force", description = "Re-run every stage.")
  boolean force;

  @Option(names = "--dry-run", description = "Only print which stages would run and which are up to date.")
  boolean dryRun;

  @Option(names = "--out", paramLabel = "DIR", description = "Where the experiment writes (default: experiment.out).")
  String out;

  @Option(names = "--grid", split = ",", paramLabel = "NAME", description = "Run only these entries of tallrec.grid (default: all).")
  List<String> grid;

  @Override
  public Integer call() {
    TallRecConf conf = common.resolve();
    if (out != null) {
      conf = conf.with("experiment.out", out);
    }
    ExperimentRunner.Options opt = new ExperimentRunner.Options(from == null ? null : Stage.parse(from), force, dryRun);
    List<TallRecConf> entries = ExperimentGrid.entries(conf, grid);
    SparkSession spark = Jobs.spark(conf, "run");
    for (int i = 0; i < entries.size(); i++) {
      if (entries.size() > 1) {
        System.out.printf("%n=== grid entry %d/%d: %s ===%n", i + 1, entries.size(),
            entries.get(i).section("experiment").getString("name"));
      }
      run(spark, entries.get(i), opt, System.out);
    }
    return 0;
  }

  /** Plans and runs the experiment in {@code conf}, then prints the AUC table; returns the plan. */
  static ExperimentPlan run(SparkSession spark, TallRecConf conf, ExperimentRunner.Options opt, PrintStream o) {
    ExperimentPlan plan = ExperimentPlan.build(spark, conf, o);
    o.printf("experiment %s -> %s%n  backbone: %s%n  %d stages%s%n", plan.name(), plan.out(), plan.backbone(),
        plan.steps().size(), opt.dryRun() ? " (dry run)" : "");
    ExperimentRunner runner = new ExperimentRunner(spark.sparkContext().hadoopConfiguration(), plan.out(), plan.name(),
        plan.backbone());
    ExperimentRunner.Outcome r = runner.run(plan.steps(), opt, o);
    if (opt.dryRun()) {
      o.printf("%d stages would run, %d are up to date%n", r.count("would-run"), r.count("skipped"));
      return plan;
    }
    o.printf("experiment %s finished in %.1f s: %d stages ran, %d up to date (skipped); stage times in %s%n",
        plan.name(), r.seconds(), r.count("ran"), r.count("skipped"), new Path(plan.out(), ExperimentRunner.RUN_FILE));
    List<Metric> metrics = readMetrics(spark, plan.metricsPath());
    if (!metrics.isEmpty()) {
      o.printf("%nAUC on the test split (mean ± sample std over seeds; %s):%n", plan.metricsPath());
      o.print(MetricsTable.summary(SeedSummary.of(metrics)));
    }
    return plan;
  }

  static List<Metric> readMetrics(SparkSession spark, Path metrics) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Metric> out = new ArrayList<>();
    if (!Fs.exists(metrics, conf)) {
      return out;
    }
    for (Row r : spark.read().parquet(metrics.toString()).collectAsList()) {
      out.add(Metric.fromRow(r));
    }
    return out;
  }
}
