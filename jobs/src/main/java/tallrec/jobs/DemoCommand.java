package tallrec.jobs;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.dataset.Instructions;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;

/**
 * {@code tallrec demo}: the pipeline on the embedded default — a synthetic MovieLens-format
 * dataset made here — so a newcomer sees every stage run without bringing data.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the pipeline on the embedded default (synthetic MovieLens-format data): synth -> ingest -> instructions.")
public final class DemoCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--work", paramLabel = "DIR", description = "Where the demo writes everything (default: demo.work-dir).")
  String work;

  @Option(names = "--ratings", paramLabel = "N", description = "Synthetic ratings to generate (default: demo.ratings).")
  Long ratings;

  @Override
  public Integer call() throws Exception {
    TallRecConf conf = common.resolve(Map.of()).with("instructions.mode", "temporal");
    if (work != null) {
      conf = conf.with("demo.work-dir", work);
    }
    if (ratings != null) {
      conf = conf.with("demo.ratings", ratings);
    }
    String dir = conf.section("demo").getString("work-dir");
    PrintStream o = System.out;
    long t0 = System.nanoTime();

    String raw = dir + "/raw";
    SynthParams params = SynthParams.fromConfig(
        conf.with("synth.ratings", conf.section("demo").getLong("ratings")).section("synth"));
    o.printf("[1/3] synth: %,d synthetic ratings (planted user taste x item genre) -> %s%n", params.ratings(), raw);
    SyntheticMovieLens.Result synth = new SyntheticMovieLens(params).writeTo(raw, true);
    o.printf("      %,d users, %,d items, %.1f%% of ratings > 3%n", synth.users(), synth.items(), 100 * synth.likeShare());

    SparkSession spark = Jobs.spark(conf, "demo");
    String dataset = dir + "/dataset";
    o.printf("[2/3] ingest (movielens100k format) -> %s%n", dataset);
    Ingest.Result ingest = IngestCommand.run(spark, conf, "movielens100k", raw, null, null, dataset);
    IngestCommand.report(ingest, o);

    String json = dir + "/json";
    o.printf("[3/3] instructions (temporal split) -> %s%n", dataset);
    Instructions.Result instr = InstructionsCommand.run(spark, conf, dataset, dataset, null, json);
    InstructionsCommand.report(instr, o);

    o.printf("demo finished in %.1f s. Outputs (Parquet; each with a _MANIFEST.json):%n", (System.nanoTime() - t0) / 1e9);
    for (String name : new String[] {"interactions", "items", "rejects", "samples", "kshot"}) {
      o.printf("  %s/%s%n", dataset, name);
    }
    o.printf("  %s/{train,valid,test}.json (Alpaca format)%n", json);
    return 0;
  }
}
