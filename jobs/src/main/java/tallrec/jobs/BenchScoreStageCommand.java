package tallrec.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.io.Fs;
import tallrec.llm.MklDispatch;
import tallrec.llm.NativeAttention;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.SamplePrompt;
import tallrec.score.ModelCache;
import tallrec.score.Scoring;

/**
 * {@code tallrec bench score-stage}: the {@code score} stage itself, Spark included, round after
 * round in one JVM, each round beside the work of its tasks alone. A round is what the {@code score}
 * command does: read the samples and their item texts, spread them, score them in tasks, write and
 * commit (into a temporary directory, deleted after). Each round starts with no model loaded, as a
 * {@code run}'s stage that scores another adapter does. The first round is a fresh JVM's (Spark's
 * first query, the JIT, the engine's start); the later ones are the stages of a pipeline that scores
 * again in the same JVM. Next to each round, the same prompts are tokenized and scored on the driver
 * as the tasks do it ({@link Scoring#scorePrompts}: as many threads as the stage has scoring tasks at
 * once, each on the torch threads a task gets), with the model already loaded: the stage's own cost
 * is the ratio of the two, measured alternately so that this machine's drift falls on both. It runs
 * on a local master only: the rounds write under this machine's temporary directory.
 */
@Command(
    name = "score-stage",
    mixinStandardHelpOptions = true,
    description = "Run the score stage (Spark's read, the scoring tasks, the write and commit) round after round in "
        + "one JVM, each round starting without a loaded model, and time after each round the same prompts "
        + "tokenized and scored without Spark; report prompts/s of both and their ratio.")
public final class BenchScoreStageCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Mixin PrecisionOption precisionOption;

  @Option(names = "--data", required = true, paramLabel = "PATH", description = "samples/ directory or Alpaca JSON file.")
  String data;

  @Option(names = "--model", required = true, paramLabel = "DIR|FILE", description = "Model to score with.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model directory's).")
  String tokenizer;

  @Option(names = "--split", split = ",", defaultValue = "test", paramLabel = "NAME", description = "Splits to score (default: test).")
  List<String> splits;

  @Option(names = "--batch-size", paramLabel = "N", description = "Prompts per forward pass (default: score.batch-size).")
  Integer batchSize;

  @Option(names = "--domain", defaultValue = "movie", description = "Domain of samples read from a JSON file (default: movie).")
  String jsonDomain;

  @Option(names = "--rounds", defaultValue = "4", description = "Rounds of the stage (at least 2: the first is a fresh JVM's).")
  int rounds;

  @Override
  public Integer call() throws IOException, InterruptedException, ExecutionException {
    if (rounds < 2) {
      throw new IllegalArgumentException("--rounds must be at least 2 (the first is a fresh JVM's), got " + rounds);
    }
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("score.batch-size", batchSize);
    flags.put("score.splits", splits);
    TallRecConf conf = common.resolve(precisionOption.into(flags));
    SparkSession spark = Jobs.spark(conf, "bench score-stage");
    if (!spark.sparkContext().isLocal()) {
      throw new IllegalArgumentException("bench score-stage runs on a local master (its rounds write under this"
          + " machine's temporary directory), not " + spark.sparkContext().master());
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Scoring.Selection selection = Scoring.Selection.from(conf);
    Scoring.Settings s = Scoring.Settings.builder(model).tokenizer(tokenizer).scoring(conf)
        .label(new Path(model).getName(), "", "", 0, 0).build();
    Map<String, String> nouns = Domains.from(conf).nouns();
    int tasks = selection.partitions() > 0 ? selection.partitions() : spark.sparkContext().defaultParallelism();
    int taskCpus = spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    int slots = Math.min(tasks, Math.max(1, spark.sparkContext().defaultParallelism() / taskCpus));
    java.nio.file.Path tmp = Files.createTempDirectory("tallrec-bench-score-stage");
    try {
      out.printf(Locale.ROOT, "score stage: %s (%s), model %s, batch %d, cpu-parallelism %s; Spark %s,"
              + " %d scoring task%s, %d at a time, %d torch thread%s each%n", data, String.join(",", splits),
          model, s.batchSize(), s.cpuParallelism(), spark.sparkContext().master(), tasks, tasks == 1 ? "" : "s", slots,
          taskCpus, taskCpus == 1 ? "" : "s");
      out.printf("cpu: %s; attention without autograd: %s; %s%n", MklDispatch.describe(), NativeAttention.describe(),
          JitMode.describe());
      double bestStage = Double.MAX_VALUE;
      double bestAlone = Double.MAX_VALUE;
      List<SamplePrompt> prompts = null;
      for (int round = 1; round <= rounds; round++) {
        ModelCache.closeUnused();
        Path roundOut = new Path(tmp.toUri().toString(), "round-" + round);
        long t0 = System.nanoTime();
        Dataset<Row> rows = selection.read(spark, data, jsonDomain);
        Scoring.Result r = Scoring.run(spark, rows, data, roundOut, s, nouns, conf.renderJson(""));
        double stage = (System.nanoTime() - t0) / 1e9;
        Fs.deleteRecursively(roundOut, spark.sparkContext().hadoopConfiguration());
        if (prompts == null) { // read after the first round, which is then a fresh JVM's first query
          prompts = prompts(spark, selection, nouns, s);
        }
        if (r.rows() + r.skippedTooLong().size() != prompts.size()) {
          throw new IllegalStateException("round " + round + " scored " + r.rows() + " rows and skipped "
              + r.skippedTooLong().size() + " for " + prompts.size() + " prompts");
        }
        double alone = aloneSeconds(prompts, s, slots, taskCpus);
        if (round == 1) {
          out.printf("(in a fresh JVM, round 1 carries Spark's first query, the JIT's warm-up and the engine's start)%n");
        }
        if (round > 1) {
          bestStage = Math.min(bestStage, stage);
          bestAlone = Math.min(bestAlone, alone);
        }
        out.printf(Locale.ROOT, "round %d: %,d prompts, stage %.2f s = %.1f prompts/s | tokenized and scored without Spark"
                + " %.2f s = %.1f prompts/s | stage at %.2fx that rate%n", round, r.rows(), stage, r.rows() / stage, alone,
            prompts.size() / alone, alone / stage);
      }
      out.printf(Locale.ROOT, "rounds 2-%d, best: stage %.1f prompts/s, without Spark %.1f prompts/s%n", rounds,
          prompts.size() / bestStage, prompts.size() / bestAlone);
    } finally {
      Fs.deleteRecursively(new Path(tmp.toUri().toString()), spark.sparkContext().hadoopConfiguration());
    }
    return 0;
  }

  /** The stage's prompts, rendered on the driver as its tasks render them. */
  private List<SamplePrompt> prompts(SparkSession spark, Scoring.Selection selection, Map<String, String> nouns,
      Scoring.Settings s) {
    Dataset<Row> rows = Scoring.promptColumns(selection.read(spark, data, jsonDomain));
    boolean rebuildable = Arrays.asList(rows.columns()).contains("history_texts");
    return Scoring.prompts(rows.collectAsList(), rebuildable, nouns, AlpacaTemplate.named(s.promptTemplate()));
  }

  /**
   * Seconds to tokenize and score {@code prompts} as the stage's tasks do, without Spark: dealt in
   * turn to {@code slots} threads (the stage's tasks that run at once), each scoring its share with
   * {@link Scoring#scorePrompts} on {@code taskCpus} torch threads.
   */
  private static double aloneSeconds(List<SamplePrompt> prompts, Scoring.Settings s, int slots, int taskCpus)
      throws InterruptedException, ExecutionException {
    List<List<SamplePrompt>> shares = new ArrayList<>();
    for (int i = 0; i < slots; i++) {
      shares.add(new ArrayList<>());
    }
    for (int i = 0; i < prompts.size(); i++) {
      shares.get(i % slots).add(prompts.get(i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(slots);
    try {
      long t0 = System.nanoTime();
      List<Future<List<YesNoScorer.Score>>> done = new ArrayList<>();
      for (List<SamplePrompt> share : shares) {
        done.add(pool.submit(() -> Scoring.scorePrompts(share, s, taskCpus)));
      }
      int scored = 0;
      for (Future<List<YesNoScorer.Score>> f : done) {
        scored += f.get().size();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (scored != prompts.size()) {
        throw new IllegalStateException("scored " + scored + " of " + prompts.size() + " prompts without Spark");
      }
      return seconds;
    } finally {
      pool.shutdown();
    }
  }
}
