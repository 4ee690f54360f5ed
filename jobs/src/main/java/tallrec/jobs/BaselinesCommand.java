package tallrec.jobs;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.baselines.Baselines;
import tallrec.conf.TallRecConf;

@Command(
    name = "baselines",
    mixinStandardHelpOptions = true,
    description = {
      "samples/ (+ kshot/ beside it) -> scores/ of the baselines and models/ (MLlib) under --out.",
      "Baselines: like-ratio, item-rate, item-rate-train, mllib-lr, mllib-gbt; sequential recommenders",
      "(DJL, trained on the driver per K-shot set, not run unless named in --only): gru4rec, caser, sasrec, dros,",
      "gru-minilm, dros-minilm (with all-MiniLM-L6-v2 item text vectors); and icl (the untuned base LLM with",
      "the same prompt, no adapter; needs --model; its scores: model = the model's name, variant = icl)."
    })
public final class BaselinesCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--samples", required = true, paramLabel = "DATASET_DIR/samples", description = "Samples written by instructions.")
  String samples;

  @Option(names = "--out", required = true, paramLabel = "PATH", description = "Where scores/ and models/ go.")
  String out;

  @Option(names = "--only", split = ",", paramLabel = "NAME", description = "Baselines to run (default: baselines.only).")
  List<String> only;

  @Option(names = "--k", split = ",", paramLabel = "K", description = "K-shot sizes (default: baselines.k).")
  List<Integer> k;

  @Option(names = "--seeds", split = ",", paramLabel = "S", description = "K-shot seeds (default: baselines.seeds).")
  List<Integer> seeds;

  @Option(names = "--model", paramLabel = "DIR|FILE", description = "icl: the base model (HF directory, .safetensors or llama2.c .bin; readable on every executor). Sets baselines.icl.model.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "icl: tokenizer (default: the model directory's). Sets baselines.icl.tokenizer.")
  String tokenizer;

  @Override
  public Integer call() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("baselines.icl.model", model);
    flags.put("baselines.icl.tokenizer", tokenizer);
    flags.put("baselines.only", only);
    flags.put("baselines.k", k);
    flags.put("baselines.seeds", seeds);
    TallRecConf conf = common.resolve(flags);
    // Names (and what they need, such as icl's model) first: a typo fails before Spark starts.
    Baselines.Settings settings = Baselines.Settings.from(conf);
    SparkSession spark = Jobs.spark(conf, "baselines");
    report(run(spark, conf, settings, samples, out, System.out), System.out);
    return 0;
  }

  /** The manifest records the resolved section, flags included (they are settings like any other). */
  static Baselines.Result run(SparkSession spark, TallRecConf conf, Baselines.Settings settings, String samples,
      String out, PrintStream log) {
    log.printf("baselines %s, K %s, seeds %s, splits %s%n", settings.names(), settings.ks(), settings.seeds(),
        settings.splits());
    return Baselines.run(spark, new Path(samples), new Path(out), settings, conf.renderJson("baselines"),
        log::println);
  }

  static void report(Baselines.Result r, PrintStream o) {
    o.printf("baselines (domain %s) -> %s/scores: %,d rows from %d runs%n", r.domain(), r.out(), r.rows(), r.runs().size());
    o.printf("  evaluate with: tallrec evaluate --scores %s/scores%n", r.out());
  }
}
