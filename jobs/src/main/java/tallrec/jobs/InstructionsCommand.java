package tallrec.jobs;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.dataset.Instructions;

@Command(
    name = "instructions",
    mixinStandardHelpOptions = true,
    description = {
      "interactions/ + items/ -> samples/ (train/valid/test TALLRec prompts) and kshot/k=K/seed=S/ under --out.",
      "--mode tallrec reproduces the paper's datasets; --mode temporal (default) splits by time."
    })
public final class InstructionsCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--in", required = true, paramLabel = "DATASET_DIR", description = "Dataset written by ingest.")
  String in;

  @Option(names = "--out", paramLabel = "DATASET_DIR", description = "Where samples/ and kshot/ go (default: --in).")
  String out;

  @Option(names = "--mode", paramLabel = "tallrec|temporal", description = "Sample selection (default: instructions.mode).")
  String mode;

  @Option(names = "--domain", description = "movie, book, ... (default: the domain recorded by ingest).")
  String domain;

  @Option(names = "--export-json", paramLabel = "DIR", description = "Also write train.json, valid.json, test.json in the reference's Alpaca format.")
  String exportJson;

  @Override
  public Integer call() {
    TallRecConf conf = common.resolve(mode == null ? Map.of() : Map.of("instructions.mode", mode));
    SparkSession spark = Jobs.spark(conf, "instructions");
    report(run(spark, conf, in, out == null ? in : out, domain, exportJson), System.out);
    return 0;
  }

  static Instructions.Result run(SparkSession spark, TallRecConf conf, String in, String out, String domain,
      String exportJson) {
    return Instructions.run(spark, conf, new Path(in), new Path(out), domain, exportJson == null ? null : new Path(exportJson));
  }

  static void report(Instructions.Result r, PrintStream o) {
    o.printf("instructions (%s mode, domain %s) -> %s%n", r.mode().name().toLowerCase(Locale.ROOT), r.domain(), r.out());
    o.printf("  samples/  train %,d, valid %,d, test %,d%n",
        r.splitCounts().get("train"), r.splitCounts().get("valid"), r.splitCounts().get("test"));
    if (r.validStart() != null) {
      o.printf("            split at target time: valid from %s, test from %s%n",
          Instant.ofEpochSecond(r.validStart()), Instant.ofEpochSecond(r.testStart()));
    }
    o.printf("  kshot/    %,d rows (k=K/seed=S)%n", r.kshotRows());
    if (r.exported() != null) {
      o.printf("  JSON      %s/{train,valid,test}.json%n", r.exported());
    }
  }
}
