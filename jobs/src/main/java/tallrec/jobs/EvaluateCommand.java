package tallrec.jobs;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.eval.Evaluate;
import tallrec.eval.MetricsTable;

@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "scores -> metrics/ (Parquet) + metrics.json: exact AUC (MLlib, numBins=0) per model, variant, domains, K, seed;",
      "prints the per-seed table and mean ± sample std (ddof=1) over seeds."
    })
public final class EvaluateCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--scores", required = true, paramLabel = "PATH", description = "A scores dataset (Parquet).")
  String scores;

  @Option(names = "--out", paramLabel = "PATH", description = "Where metrics/ and metrics.json go (default: beside --scores).")
  String out;

  @Option(names = "--split", description = "train | valid | test | all (default: evaluate.split).")
  String split;

  @Override
  public Integer call() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("evaluate.split", split);
    TallRecConf conf = common.resolve(flags);
    SparkSession spark = Jobs.spark(conf, "evaluate");
    report(run(spark, conf, scores, out), System.out);
    return 0;
  }

  static Evaluate.Result run(SparkSession spark, TallRecConf conf, String scores, String out) {
    Path scoresPath = new Path(scores.replaceAll("/+$", ""));
    Path outPath = out != null ? new Path(out) : scoresPath.getParent();
    return Evaluate.run(spark, scoresPath, outPath, Evaluate.Settings.from(conf),
        conf.renderJson("evaluate"));
  }

  static void report(Evaluate.Result r, PrintStream o) {
    o.printf("evaluate -> %s/metrics, %s/metrics.json%n%n", r.out(), r.out());
    o.print(MetricsTable.perSeed(r.metrics()));
    o.println();
    o.print(MetricsTable.summary(r.summary()));
  }
}
