package tallrec.score;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import tallrec.conf.NamedValues;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.data.Schemas;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.ParquetFooters;
import tallrec.io.StagedCommit;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.Precision;
import tallrec.llm.TorchThreads;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.AlpacaJson;
import tallrec.prompt.AlpacaTemplate;
import tallrec.prompt.SamplePrompt;

/**
 * The {@code score} stage: P(Yes) for every sample, in parallel across executors.
 *
 * <p>Each task scores its partition with the executor JVM's one copy of the model
 * ({@link ModelCache}); prompts are sorted by length inside the partition and batched, so a batch
 * pads little; one forward pass per batch, reading the logits of the first answer token. On a CPU
 * an executor's tasks score side by side, each with its share of the cores; on a GPU they take
 * turns ({@link CpuParallelism}). The output has exactly one row per input sample, or the job fails
 * naming the missing ones.
 */
public final class Scoring {

  public static final String STAGE = "score";
  /** The section the score stage's settings are read from. */
  public static final String SECTION = "score";
  /** The key of {@link CpuParallelism} in {@link #SECTION}. */
  public static final String CPU_PARALLELISM = "cpu-parallelism";

  /** Which model, how to batch, and the labels the scores carry. */
  public record Settings(String model, String tokenizer, int batchSize, int maxPromptTokens, boolean referenceFp16,
      String modelName, String variant, String trainDomain, int k, int seed, String adapter, String precision,
      String promptTemplate, boolean sharedPrefix, String onTooLong, String cpuParallelism) implements Serializable {

    public Settings {
      // Fail on the driver, with the accepted names, not in a task.
      AlpacaTemplate.named(promptTemplate);
      YesNoScorer.OnTooLong.named(onTooLong);
      CpuParallelism.named(cpuParallelism);
    }

    /** Settings to score with {@code model} (an HF directory, safetensors or llama2.c file): see {@link Builder}. */
    public static Builder builder(String model) {
      return new Builder(model);
    }

    /** The same with the base weights in {@code precision} (f32, f16, bf16, auto). */
    public Settings withPrecision(String p) {
      return toBuilder().precision(p).build();
    }

    private Builder toBuilder() {
      return new Builder(model).tokenizer(tokenizer).batchSize(batchSize).maxPromptTokens(maxPromptTokens)
          .referenceFp16(referenceFp16).label(modelName, variant, trainDomain, k, seed).adapter(adapter)
          .precision(precision).promptTemplate(promptTemplate).sharedPrefix(sharedPrefix).onTooLong(onTooLong)
          .cpuParallelism(cpuParallelism);
    }
  }

  /**
   * How the scoring tasks of a CPU executor share its cores ({@code score.cpu-parallelism}). On a
   * GPU the tasks of an executor always take turns on its one copy of the model.
   */
  public enum CpuParallelism {
    /**
     * Tasks score side by side, each with as many torch threads as Spark gives a task
     * ({@code spark.task.cpus}), as Spark schedules any CPU work: a small model's ops are too short
     * to keep two threads busy, and its threads no longer meet after every op (stories260K's stage
     * 1.1-1.3x faster on 2 cores, README "CPU speed" 8.).
     */
    TASKS,
    /** One task at a time per model, each op spread over all of torch's threads (every core of the executor). */
    OPS;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static CpuParallelism named(String name) {
      return NamedValues.named(CpuParallelism.class, CpuParallelism::key, name, "score.cpu-parallelism");
    }
  }

  /**
   * Which samples the score stage scores ({@code tallrec.score}): the splits (empty = all; the
   * config's {@code all} reads as empty), the first {@code limit} of each split (0 = all) and the
   * partitions they are spread over (0 = the default parallelism).
   */
  public record Selection(List<String> splits, int limit, int partitions) {
    public static final String SPLITS = "splits";
    public static final String LIMIT = "limit";
    public static final String PARTITIONS = "partitions";

    public Selection {
      splits = List.copyOf(splits);
    }

    /** From {@code tallrec.score} (for an experiment, its {@code score} laid over it). */
    public static Selection from(TallRecConf conf) {
      Section c = Section.of(conf, SECTION);
      List<String> splits = c.getStringList(SPLITS);
      return new Selection(splits.contains("all") ? List.of() : splits, c.getInt(LIMIT), c.getInt(PARTITIONS));
    }

    /** The selected samples of {@code path} ({@link #readSamples}), limited and spread ({@link #prepare}). */
    public Dataset<Row> read(SparkSession spark, String path, String jsonDomain) {
      return prepare(spark, readSamples(spark, path, splits, jsonDomain), limit, partitions);
    }
  }

  /**
   * Builds {@link Settings} (DJL's {@code EarlyStoppingListener.Builder} is the model): the model to
   * score with, how to score ({@link #scoring(Config)} reads a {@code score}-shaped section), and how
   * the scores are labelled in the scores table. Defaults are {@code reference.conf}'s.
   */
  public static final class Builder {
    private final String model;
    private String tokenizer;
    private int batchSize = 32;
    private int maxPromptTokens;
    private boolean referenceFp16;
    private String modelName = "";
    private String variant = "";
    private String trainDomain = "";
    private int k;
    private int seed;
    private String adapter;
    private String precision = "auto";
    private String promptTemplate = AlpacaTemplate.ALPACA.key();
    private boolean sharedPrefix = true;
    private String onTooLong = YesNoScorer.OnTooLong.FAIL.key();
    private String cpuParallelism = CpuParallelism.TASKS.key();

    private Builder(String model) {
      this.model = model;
    }

    /**
     * How to score, from a section with {@code score}'s keys: batch-size, max-prompt-tokens,
     * reference-fp16, prompt-template, shared-prefix, on-too-long and cpu-parallelism (each optional here; a key
     * that is absent keeps its default).
     */
    public Builder scoring(Config c) {
      if (c.hasPath("batch-size")) {
        batchSize(c.getInt("batch-size"));
      }
      if (c.hasPath("max-prompt-tokens")) {
        maxPromptTokens(c.getInt("max-prompt-tokens"));
      }
      if (c.hasPath("reference-fp16")) {
        referenceFp16(c.getBoolean("reference-fp16"));
      }
      if (c.hasPath("prompt-template")) {
        promptTemplate(c.getString("prompt-template"));
      }
      if (c.hasPath("shared-prefix")) {
        sharedPrefix(c.getBoolean("shared-prefix"));
      }
      if (c.hasPath("on-too-long")) {
        onTooLong(c.getString("on-too-long"));
      }
      if (c.hasPath(CPU_PARALLELISM)) {
        cpuParallelism(c.getString(CPU_PARALLELISM));
      }
      return this;
    }

    /**
     * How to score from {@code tallrec.score} (for an experiment, its {@code score} laid over it
     * with {@link TallRecConf#overlay}), with the base weights in {@code tallrec.model.precision}.
     */
    public Builder scoring(TallRecConf conf) {
      return scoring(conf.section(SECTION)).precision(Precision.configured(conf));
    }

    /** The tokenizer file or directory; null = the model directory's own. */
    public Builder tokenizer(String t) {
      this.tokenizer = t;
      return this;
    }

    public Builder batchSize(int n) {
      if (n <= 0) {
        throw new IllegalArgumentException("score.batch-size must be positive, got " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** Longest prompt in tokens; 0 = the model's context. */
    public Builder maxPromptTokens(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("score.max-prompt-tokens must be >= 0, got " + n);
      }
      this.maxPromptTokens = n;
      return this;
    }

    public Builder referenceFp16(boolean on) {
      this.referenceFp16 = on;
      return this;
    }

    /** How the scores table names the run: model, variant, training domain, K and seed (0, 0: untrained). */
    public Builder label(String name, String variantName, String domain, int kShots, int seedNumber) {
      this.modelName = name;
      this.variant = variantName;
      this.trainDomain = domain;
      this.k = kShots;
      this.seed = seedNumber;
      return this;
    }

    /** A PEFT LoRA adapter directory, or null for the base model. */
    public Builder adapter(String dir) {
      this.adapter = dir;
      return this;
    }

    /** Base weights' precision: f32, f16, bf16 or auto ({@code tallrec.model.precision}). */
    public Builder precision(String p) {
      this.precision = p;
      return this;
    }

    public Builder promptTemplate(String t) {
      this.promptTemplate = t;
      return this;
    }

    public Builder sharedPrefix(boolean on) {
      this.sharedPrefix = on;
      return this;
    }

    public Builder onTooLong(String o) {
      this.onTooLong = o;
      return this;
    }

    /** tasks or ops: see {@link CpuParallelism}. */
    public Builder cpuParallelism(String p) {
      this.cpuParallelism = p;
      return this;
    }

    public Settings build() {
      return new Settings(model, tokenizer, batchSize, maxPromptTokens, referenceFp16, modelName, variant, trainDomain,
          k, seed, adapter, precision, promptTemplate, sharedPrefix, onTooLong, cpuParallelism);
    }
  }

  /** What the stage wrote, which executors did the work (rows per executor id), and the samples skipped as too long. */
  public record Result(Path out, long rows, Map<String, Long> rowsByExecutor, List<String> skippedTooLong) {}

  private Scoring() {}

  /**
   * The samples to score: a {@code samples/} Parquet directory (filtered to {@code splits}, empty
   * = all), or an Alpaca JSON file such as the reference's {@code test.json}.
   */
  public static Dataset<Row> readSamples(SparkSession spark, String path, List<String> splits, String jsonDomain) {
    if (path.endsWith(".json")) {
      return readAlpacaJson(spark, new Path(path), jsonDomain);
    }
    Dataset<Row> samples = ParquetFooters.read(spark, new Path(path));
    Schemas.require(samples.schema(), Schemas.SAMPLES, "samples at " + path);
    // Texts after the split filter: only the rows to score are rendered.
    Dataset<Row> selected = splits.isEmpty() ? samples : samples.filter(col(Columns.SPLIT).isin(splits.toArray()));
    return ItemTexts.attach(selected, path);
  }

  /**
   * The first {@code limit} samples of each split in split order (for smoke runs; 0 = all),
   * spread over {@code partitions} partitions (0 = the cluster's default parallelism) so every
   * executor gets a share even when the input is one small file. Round-robin, so the partitions
   * hold the same number of samples (±1 per input partition): hashing the 1,000 movie test samples'
   * ids split them 473 / 527, and the stage waits for its longest task (stories260K's stage 0.1 s
   * faster on average, README "The score stage, Spark included"). Spark sorts each input partition
   * before dealing its rows out, so a retried task gets the same rows.
   */
  public static Dataset<Row> prepare(SparkSession spark, Dataset<Row> samples, int limit, int partitions) {
    Dataset<Row> out = samples;
    if (limit > 0) {
      out = out.withColumn("_rank", org.apache.spark.sql.functions.row_number().over(
              Window.partitionBy(Columns.SPLIT).orderBy("sample_index")))
          .filter(col("_rank").leq(limit)).drop("_rank");
    }
    int n = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
    return out.repartition(Math.max(1, n));
  }

  /** Reads a reference JSON file on the driver (they hold thousands of rows, not millions). */
  static Dataset<Row> readAlpacaJson(SparkSession spark, Path file, String domain) {
    String base = file.getName().replaceFirst("\\.json$", "");
    List<Row> rows = new ArrayList<>();
    for (AlpacaJson.Entry e : AlpacaJson.read(file, spark.sparkContext().hadoopConfiguration())) {
      rows.add(RowFactory.create(e.id(), domain, base, e.instruction(), e.input(), e.output().trim(),
          e.label() == 1 ? 1 : 0, (long) e.index()));
    }
    StructType schema = new StructType()
        .add(Columns.SAMPLE_ID, "string", false).add(Columns.DOMAIN, "string", false).add(Columns.SPLIT, "string",
        false)
        .add(Columns.INSTRUCTION, "string", false).add(Columns.INPUT, "string", false).add(Columns.OUTPUT, "string",
        false)
        .add(Columns.LABEL, "int", false).add("sample_index", "long", false);
    return spark.createDataFrame(rows, schema);
  }

  /** Scores every row; {@code nouns} maps a domain to its prompt noun. */
  public static Dataset<Row> score(Dataset<Row> samples, Settings s, Map<String, String> nouns,
      CollectionAccumulator<String> executors) {
    boolean rebuildable = Arrays.asList(samples.columns()).contains("history_texts");
    HashMap<String, String> nounMap = new HashMap<>(nouns);
    Dataset<Row> input = promptColumns(samples);
    return input.mapPartitions((MapPartitionsFunction<Row, Row>) rows ->
        scorePartition(rows, s, nounMap, rebuildable, executors), Encoders.row(Schemas.SCORES));
  }

  /**
   * The columns {@link #score} reads: the history and target when the samples carry them (prompts
   * are then rebuilt, and can lose history to fit), else the fixed instruction and input.
   */
  public static Dataset<Row> promptColumns(Dataset<Row> samples) {
    boolean rebuildable = Arrays.asList(samples.columns()).contains("history_texts");
    if (!rebuildable && Arrays.asList(samples.columns()).contains(Columns.HISTORY_ITEM_IDS)) {
      throw new IllegalArgumentException("samples name their items by id only: attach the items' texts first"
          + " (ItemTexts.attach; readSamples does)");
    }
    return samples.select(rebuildable
        ? new Column[] {col(Columns.SAMPLE_ID), col(Columns.DOMAIN), col(Columns.SPLIT), col(Columns.LABEL),
            col(Columns.HISTORY_TEXTS), col(Columns.HISTORY_LABELS), col(Columns.TARGET_TEXT)}
        : new Column[] {col(Columns.SAMPLE_ID), col(Columns.DOMAIN), col(Columns.SPLIT), col(Columns.LABEL),
            col(Columns.INSTRUCTION), col(Columns.INPUT)});
  }

  /** The prompts of rows of {@link #promptColumns}, in {@code template}. */
  public static List<SamplePrompt> prompts(List<Row> in, boolean rebuildable, Map<String, String> nouns,
      AlpacaTemplate template) {
    List<SamplePrompt> prompts = new ArrayList<>(in.size());
    for (Row r : in) {
      String id = r.getAs(Columns.SAMPLE_ID);
      if (rebuildable) {
        String domain = r.getAs(Columns.DOMAIN);
        String noun = nouns.get(domain);
        if (noun == null) {
          throw new IllegalArgumentException("sample " + id + ": no prompt noun for domain '" + domain
              + "' (add tallrec.domains." + domain + ")");
        }
        prompts.add(SamplePrompt.of(id, noun, r.getList(r.fieldIndex(Columns.HISTORY_TEXTS)),
            r.getList(r.fieldIndex(Columns.HISTORY_LABELS)), r.getAs(Columns.TARGET_TEXT)).withTemplate(template));
      } else {
        prompts.add(SamplePrompt.fixed(id, r.getAs(Columns.INSTRUCTION), r.getAs(Columns.INPUT)).withTemplate(template));
      }
    }
    return prompts;
  }

  private static Iterator<Row> scorePartition(Iterator<Row> rows, Settings s, Map<String, String> nouns,
      boolean rebuildable, CollectionAccumulator<String> executors) {
    List<Row> in = new ArrayList<>();
    rows.forEachRemaining(in::add);
    if (in.isEmpty()) {
      return List.<Row>of().iterator();
    }
    executors.add(GIVEN + in.size());
    List<SamplePrompt> prompts = prompts(in, rebuildable, nouns, AlpacaTemplate.named(s.promptTemplate()));
    TaskContext task = TaskContext.get();
    List<YesNoScorer.Score> scores = scorePrompts(prompts, s, task == null ? 1 : task.cpus());
    List<Row> out = new ArrayList<>(in.size());
    for (int i = 0; i < in.size(); i++) {
      Row r = in.get(i);
      YesNoScorer.Score sc = scores.get(i);
      if (sc.skipped()) {
        executors.add(SKIPPED + sc.id);
        continue;
      }
      out.add(RowFactory.create(r.getAs(Columns.SAMPLE_ID), r.getAs(Columns.DOMAIN), r.getAs(Columns.SPLIT),
          r.<Integer>getAs(Columns.LABEL), sc.score,
          sc.logitYes, sc.logitNo, s.modelName(), s.variant(), s.trainDomain(), s.k(), s.seed()));
    }
    executors.add(SparkEnv.get().executorId() + ":" + out.size());
    return out.iterator();
  }

  /**
   * What a task does with its prompts: scores them with this JVM's copy of the model
   * ({@link ModelCache}), on a CPU on {@code cpus} torch threads beside the executor's other tasks,
   * else one forward at a time per model ({@link CpuParallelism}). Tokenizing happens before a
   * task's turn in both. (Public for {@code bench score-stage}, which times this work without Spark.)
   */
  public static List<YesNoScorer.Score> scorePrompts(List<SamplePrompt> prompts, Settings s, int cpus) {
    try (ModelCache.Lease lease = ModelCache.lease(s.model(), s.tokenizer(), s.adapter(), s.precision())) {
      LlamaCheckpoints.Loaded loaded = lease.loaded;
      YesNoScorer scorer = new YesNoScorer(loaded.model, loaded.tokenizer, new YesNoScorer.Options()
          .batchSize(s.batchSize()).maxPromptTokens(s.maxPromptTokens()).referenceFp16(s.referenceFp16())
          .sharedPrefix(s.sharedPrefix()).onTooLong(YesNoScorer.OnTooLong.named(s.onTooLong())));
      YesNoScorer.Prepared prepared = scorer.prepare(prompts);
      if (sideBySide(s, loaded)) {
        try (TorchThreads.Hold threads = TorchThreads.limit(cpus)) {
          return scorer.score(prepared);
        }
      }
      // One forward at a time per model: each op is spread over the executor's cores (or its GPU).
      synchronized (loaded) {
        return scorer.score(prepared);
      }
    }
  }

  /** Whether this task scores beside the executor's other tasks ({@link CpuParallelism#TASKS} on a CPU). */
  private static boolean sideBySide(Settings s, LlamaCheckpoints.Loaded loaded) {
    return CpuParallelism.named(s.cpuParallelism()) == CpuParallelism.TASKS
        && !loaded.model.manager().getDevice().isGpu();
  }

  /** Marks an accumulator entry as a sample skipped for its length (the others are executor:rows). */
  private static final String SKIPPED = "skipped\t";
  /** Marks an accumulator entry as the number of rows a task was given (before any was scored). */
  private static final String GIVEN = "given\t";

  /** Scores {@code samples} into {@code out} (staged, with a manifest); fails on missing rows or no samples. */
  public static Result run(SparkSession spark, Dataset<Row> samples, String inputPath, Path out, Settings s,
      Map<String, String> nouns, String configJson) {
    return run(spark, samples, inputPath, out, s, nouns, configJson, false);
  }

  /**
   * As {@link #run(SparkSession, Dataset, String, Path, Settings, Map, String)}; {@code allowEmpty}
   * writes an empty scores dataset for an input without samples instead of failing.
   */
  public static Result run(SparkSession spark, Dataset<Row> samples, String inputPath, Path out, Settings s,
      Map<String, String> nouns, String configJson, boolean allowEmpty) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    CollectionAccumulator<String> executors = spark.sparkContext().collectionAccumulator("score.executors");
    Path target = Fs.of(out, conf).makeQualified(out);
    try (StagedCommit commit = StagedCommit.begin(conf, target.getParent(), STAGE)) {
      Path staged = commit.staging(target.getName());
      spark.sparkContext().setJobDescription("score: " + s.modelName());
      try {
        score(samples, s, nouns, executors).write().mode(SaveMode.ErrorIfExists).parquet(staged.toString());
      } catch (RuntimeException e) {
        throw tooLongOr(e);
      }
      Map<String, Long> byExecutor = new TreeMap<>();
      List<String> skipped = new ArrayList<>();
      long given = 0;
      for (String e : executors.value()) {
        if (e.startsWith(GIVEN)) {
          given += Long.parseLong(e.substring(GIVEN.length()));
          continue;
        }
        if (e.startsWith(SKIPPED)) {
          skipped.add(e.substring(SKIPPED.length()));
          continue;
        }
        int c = e.lastIndexOf(':');
        byExecutor.merge(e.substring(0, c), Long.parseLong(e.substring(c + 1)), Long::sum);
      }
      Collections.sort(skipped);
      // The rows the tasks were given, counted as they read them: counting the input again would run
      // its whole read, join and shuffle a second time (and a check for emptiness before, a third).
      // Spark merges a task's accumulator updates once, from its successful attempt only.
      if (given == 0 && !allowEmpty) {
        throw new IllegalArgumentException("no samples to score in " + inputPath + " (after the split and limit"
            + " filters); --allow-empty writes an empty scores dataset instead");
      }
      long expected = given - skipped.size();
      // What the files hold, from their footers: reading them back through Spark cost two jobs.
      long got = ParquetFooters.rows(staged, conf);
      if (got != expected) {
        Dataset<Row> written = spark.read().parquet(staged.toString());
        List<String> missing = samples.select(Columns.SAMPLE_ID).except(written.select(Columns.SAMPLE_ID))
            .limit(10).as(Encoders.STRING()).collectAsList();
        throw new IllegalStateException("score wrote " + got + " rows for " + expected + " samples"
            + (skipped.isEmpty() ? "" : " (" + skipped.size() + " skipped as too long)") + "; missing e.g. " + missing);
      }
      Manifest manifest = new Manifest(STAGE).config(configJson)
          .property("model", s.model())
          .property("adapter", s.adapter() == null ? "" : s.adapter())
          .property("executors", byExecutor.toString())
          .rows("scores", got);
      if (!skipped.isEmpty()) {
        manifest.rows("skipped_too_long", skipped.size())
            .property("skipped_too_long", String.join(",", skipped.subList(0, Math.min(1000, skipped.size())))
                + (skipped.size() > 1000 ? ",…" : ""));
      }
      if (inputPath.endsWith(".json")) {
        manifest.inputFile("samples", new Path(inputPath), conf);
      } else {
        manifest.inputDataset("samples", new Path(inputPath), conf);
      }
      commit.commit(manifest);
      return new Result(out, got, byExecutor, skipped);
    }
  }

  /** A task's {@link YesNoScorer.PromptTooLong} as its one line, not Spark's stack of wrappers. */
  private static RuntimeException tooLongOr(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof YesNoScorer.PromptTooLong) {
        return new IllegalArgumentException(t.getMessage(), e);
      }
      String m = t.getMessage();
      String marker = YesNoScorer.PromptTooLong.class.getName() + ": ";
      int at = m == null ? -1 : m.indexOf(marker);
      if (at >= 0) { // a cluster's task failure arrives as text
        String line = m.substring(at + marker.length()).lines().findFirst().orElse("");
        return new IllegalArgumentException(line, e);
      }
    }
    return e;
  }
}
