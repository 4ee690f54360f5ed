package tallrec.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.score.Scoring;

@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "P(Yes) for every sample of a dataset, in parallel across executors -> scores (Parquet).",
      "--data is a samples/ directory (see --split) or an Alpaca JSON file such as the reference's test.json."
    })
public final class ScoreCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Mixin PrecisionOption precisionOption;

  @Option(names = "--model", required = true, paramLabel = "DIR|FILE", description = "HF model directory, .safetensors, or llama2.c .bin (a path readable on every executor).")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model directory's).")
  String tokenizer;

  @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory (e.g. from `tallrec tune`), merged into the model.")
  String adapter;

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "samples/ directory or Alpaca JSON file.")
  String data;

  @Option(names = "--out", required = true, paramLabel = "PATH", description = "Where the scores go.")
  String out;

  @Option(names = "--split", split = ",", paramLabel = "NAME", description = "Splits to score (default: score.splits; 'all' = every split).")
  List<String> splits;

  @Option(names = "--batch-size", paramLabel = "N", description = "Prompts per forward pass (default: score.batch-size).")
  Integer batchSize;

  @Option(names = "--model-name", description = "Name in the scores' model column (default: the model path's last element).")
  String modelName;

  @Option(names = "--limit", paramLabel = "N", description = "Score only the first N samples of each split (smoke runs; default: all).")
  Integer limit;

  @Option(names = "--domain", description = "Domain of samples read from a JSON file (default: movie).")
  String jsonDomain;

  @Option(names = "--on-too-long", paramLabel = "fail|truncate-input|skip",
      description = "A prompt too long even without history: fail, cut its middle, or skip it (default: score.on-too-long).")
  String onTooLong;

  @Option(names = "--allow-empty", description = "Write an empty scores dataset when there is nothing to score (else an error).")
  boolean allowEmpty;

  @Override
  public Integer call() {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("score.batch-size", batchSize);
    flags.put("score.splits", splits);
    flags.put("score.limit", limit);
    flags.put("score.on-too-long", onTooLong);
    TallRecConf conf = common.resolve(precisionOption.into(flags));
    SparkSession spark = Jobs.spark(conf, "score");
    String name = modelName != null ? modelName : new Path(model).getName();
    Scoring.Settings s = Scoring.Settings.builder(model).tokenizer(tokenizer).scoring(conf)
        .label(name, adapter == null ? "" : "lora", "", 0, 0).adapter(adapter).build();
    Map<String, String> nouns = Domains.from(conf).nouns();
    // The stage's time: from reading the samples and their item texts to the commit.
    long t0 = System.nanoTime();
    Dataset<Row> samples = Scoring.Selection.from(conf).read(spark, data, jsonDomain == null ? "movie" : jsonDomain);
    Scoring.Result r = Scoring.run(spark, samples, data, new Path(out), s, nouns, conf.renderJson(""), allowEmpty);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("score -> %s: %,d rows in %.1f s (%.1f prompts/s); rows per executor: %s%s%n",
        r.out(), r.rows(), seconds, r.rows() / seconds, r.rowsByExecutor(), r.skippedTooLong().isEmpty() ? ""
            : "; skipped as too long: " + r.skippedTooLong().size() + " (listed in the manifest)");
    return 0;
  }
}
