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
import tallrec.baselines.BaselineRegistry;
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
    TallRecConf conf = common.resolve(flags);
    // Names (and what they need, such as icl's model) first: a typo fails before Spark starts.
    List<String> names = only != null ? only : conf.section("baselines").getStringList("only");
    BaselineRegistry.resolve(names, conf);
    SparkSession spark = Jobs.spark(conf, "baselines");
    report(run(spark, conf, samples, out, names, k, seeds, System.out), System.out);
    return 0;
  }

  static Baselines.Result run(SparkSession spark, TallRecConf conf, String samples, String out, List<String> names,
      List<Integer> k, List<Integer> seeds, PrintStream log) {
    var c = conf.section("baselines");
    Baselines.Plan plan = new Baselines.Plan(
        BaselineRegistry.resolve(names != null ? names : c.getStringList("only"), conf),
        k != null ? k : c.getIntList("k"),
        seeds != null ? seeds : c.getIntList("seeds"),
        c.getStringList("splits"));
    log.printf("baselines %s, K %s, seeds %s, splits %s%n", names != null ? names : c.getStringList("only"),
        plan.ks(), plan.seeds(), plan.splits());
    // The manifest records what ran: the flags, not only the defaults they override.
    TallRecConf ran = conf.with("baselines.only", plan.baselines().stream().map(b -> b.name()).toList())
        .with("baselines.k", plan.ks()).with("baselines.seeds", plan.seeds());
    return Baselines.run(spark, new Path(samples), new Path(out), plan, ran.renderJson("baselines"), log::println);
  }

  static void report(Baselines.Result r, PrintStream o) {
    o.printf("baselines (domain %s) -> %s/scores: %,d rows from %d runs%n", r.domain(), r.out(), r.rows(), r.runs().size());
    o.printf("  evaluate with: tallrec evaluate --scores %s/scores%n", r.out());
  }
}
