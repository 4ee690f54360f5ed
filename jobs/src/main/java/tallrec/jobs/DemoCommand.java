package tallrec.jobs;

import com.typesafe.config.Config;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.experiment.ExperimentPlan;
import tallrec.experiment.ExperimentRunner;
import tallrec.experiment.Stage;

/**
 * {@code tallrec demo}: {@code run} on the embedded default experiment ({@code tallrec.demo} in
 * reference.conf): a synthetic MovieLens-format world and a tiny LLaMA-shaped model pretrained on
 * what that world says about its films, both made here, so a newcomer sees every stage of TALLRec
 * (pretraining, alpaca tuning, rec-tuning, scoring, baselines, AUC) without bringing data or weights.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on the embedded default: synthetic MovieLens-format ratings and a tiny LLaMA-shaped",
      "model pretrained here on the synthetic films' corpus (word-level tokenizer); alpaca tuning, rec-tuning",
      "(TALLRec, RT) at K = 16 and 64 over 3 seeds, the untuned model (ICL), baselines and evaluation, then the",
      "AUC table. Reruns skip what is up to date (see `run`)."
    })
public final class DemoCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--work", paramLabel = "DIR", description = "Where the demo writes everything (default: demo.work-dir).")
  String work;

  @Option(names = "--ratings", paramLabel = "N", description = "Synthetic ratings to generate (default: demo.experiment.datasets.movie.synth.ratings, 12000).")
  Long ratings;

  @Option(names = "--force", description = "Re-run every stage.")
  boolean force;

  @Option(names = "--from", paramLabel = "STAGE", description = "Re-run this stage and every later one.")
  String from;

  @Override
  public Integer call() {
    TallRecConf conf = experimentConf(common.resolve(), work, ratings);
    PrintStream o = System.out;
    o.println("tallrec demo: a SYNTHETIC world (MovieLens-format ratings, films with invented titles) and a tiny"
        + " LLaMA-shaped model pretrained here on what that world says about its films; both are made on this"
        + " machine. The LLM rows show TALLRec's method at miniature scale, not what LLaMA-7B achieves; bring your"
        + " own weights with `tallrec run --conf conf/experiments/movielens100k.conf`.");
    SparkSession spark = Jobs.spark(conf, "demo");
    ExperimentPlan plan = RunCommand.run(spark, conf,
        new ExperimentRunner.Options(from == null ? null : Stage.parse(from), force, false), o);
    o.printf("%nOutputs under %s (each stage with a _MANIFEST.json):%n", plan.out());
    o.printf("  raw/movie            synthetic u.data / u.item%n");
    o.printf("  data/movie           interactions, items, rejects, samples, kshot (Parquet)%n");
    o.printf("  raw/movie/corpus.txt, alpaca.json   what the world says about its films; instructions about them%n");
    o.printf("  model                the pretrained model (config.json, model.safetensors, tokenizer.json,%n");
    o.printf("                       train_log.jsonl)%n");
    o.printf("  tune/...             LoRA adapters (PEFT format) with train_log.jsonl%n");
    o.printf("  scores/..., baselines/movie/scores   scores (Parquet)%n");
    o.printf("  metrics, metrics.json, run.json      AUC per model/K/seed; stage wall times%n");
    o.printf("  report/README.md     the report: table, charts (PNG), provenance%n");
    return 0;
  }

  /** The config with {@code experiment} = the demo's, written under the work directory. */
  static TallRecConf experimentConf(TallRecConf conf, String work, Long ratings) {
    Config demo = conf.section("demo");
    Config exp = demo.getConfig("experiment").withFallback(conf.section("experiment"));
    TallRecConf c = conf.with("experiment", exp.root().unwrapped())
        .with("experiment.out", work != null ? work : demo.getString("work-dir"));
    if (ratings != null) {
      c = c.with("experiment.datasets.movie.synth.ratings", ratings);
    }
    return c;
  }
}
