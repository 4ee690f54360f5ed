package tallrec.baselines;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import tallrec.baselines.text.ItemTextEmbeddings;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.data.Columns;
import tallrec.data.ItemTexts;
import tallrec.data.Schemas;
import tallrec.dataset.SplitName;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * The {@code baselines} stage: for each selected baseline, each K and seed it is trained on,
 * scores the evaluation splits and appends them to one {@code scores} dataset; MLlib models are
 * saved under {@code models/NAME/k=K/seed=S}. Both are staged and committed together.
 */
public final class Baselines {

  public static final String STAGE = "baselines";

  /**
   * What to run: the {@code baselines} stage's settings.
   *
   * @param parallelFits fits run at once (each on its own driver thread; MLlib's as concurrent
   *     Spark jobs, the sequential models single-threaded in torch), at least 1
   */
  public record Settings(List<Baseline> baselines, List<Integer> ks, List<Integer> seeds, List<String> splits,
      int parallelFits) {

    /** The section these settings are read from. */
    public static final String SECTION = "baselines";

    // Keys of tallrec.baselines this stage reads itself; each baseline reads its own sub-section.
    public static final String ONLY = "only";
    public static final String K = "k";
    public static final String SEEDS = "seeds";
    public static final String SPLITS = "splits";
    public static final String PARALLEL_FITS = "parallel-fits";

    public Settings {
      if (parallelFits < 1) {
        throw new IllegalArgumentException("baselines." + PARALLEL_FITS + ": " + parallelFits + " (at least 1)");
      }
      baselines = List.copyOf(baselines);
      ks = List.copyOf(ks);
      seeds = List.copyOf(seeds);
      splits = List.copyOf(splits);
    }

    /**
     * The {@code tallrec.baselines} section: the baselines {@code only} names (each configured
     * from its own sub-section, icl with the domains' prompt nouns), the K-shot sizes and seeds
     * they are fitted on, the splits they score, and how many fits run at once ({@code
     * parallel-fits}; 0 = one per core of the driver, where the sequential models train). Errors
     * name the key and where it was set.
     */
    public static Settings from(TallRecConf conf) {
      Section c = Section.of(conf, SECTION);
      List<Integer> ks = c.getIntList(K, 1, "K");
      List<Integer> seeds = c.getIntList(SEEDS, 0, "seed");
      List<String> names = c.getStringList(ONLY);
      List<String> unknown = names.stream().filter(n -> !BaselineRegistry.available().contains(n)).toList();
      if (!unknown.isEmpty() || names.isEmpty()) {
        throw c.invalid(ONLY, (names.isEmpty() ? "No baseline selected" : "Unknown baseline(s) " + unknown)
            + "; available: " + String.join(", ", BaselineRegistry.available()));
      }
      int parallel = c.getInt(PARALLEL_FITS);
      if (parallel < 0) {
        throw c.invalid(PARALLEL_FITS, "0 (one per driver core) or more");
      }
      return new Settings(BaselineRegistry.resolve(names, conf), ks, seeds, c.getStringList(SPLITS),
          parallel == 0 ? Runtime.getRuntime().availableProcessors() : parallel);
    }

    /** These settings with {@code n} fits at once. */
    public Settings withParallelFits(int n) {
      return new Settings(baselines, ks, seeds, splits, n);
    }

    public List<String> names() {
      return baselines.stream().map(Baseline::name).toList();
    }
  }

  /** One fit-and-score that was written. */
  public record RunInfo(String model, int k, int seed, long rows, double seconds) {}

  public record Result(Path out, String domain, List<RunInfo> runs, long rows) {}

  private Baselines() {}

  public static Result run(SparkSession spark, Path samplesPath, Path out, Settings plan, String configJson,
      Consumer<String> log) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (!Fs.exists(samplesPath, conf)) {
      throw new IllegalArgumentException("Samples not found: " + samplesPath + " (run `tallrec instructions` first)");
    }
    Dataset<Row> samples = spark.read().parquet(samplesPath.toString());
    Schemas.require(samples.schema(), Schemas.SAMPLES, "samples at " + samplesPath);
    List<String> domains = samples.select(Columns.DOMAIN).distinct().as(Encoders.STRING()).collectAsList();
    if (domains.size() != 1) {
      throw new IllegalArgumentException("Samples at " + samplesPath + " hold domains " + domains + "; expected one");
    }
    String domain = domains.get(0);
    Dataset<Row> evalSplits = samples.filter(col(Columns.SPLIT).isin(plan.splits().toArray()));
    // Only the backbone's prompts (icl) read the items' texts.
    boolean needsTexts = plan.baselines().stream().anyMatch(b -> b instanceof Icl);
    Dataset<Row> eval = (needsTexts ? ItemTexts.attach(evalSplits, samplesPath.toString()) : evalSplits).cache();
    Dataset<Row> train = samples.filter(col(Columns.SPLIT).equalTo(SplitName.TRAIN.value()));
    Path kshotPath = kshotBeside(samplesPath);
    boolean needsKshot = plan.baselines().stream().anyMatch(b -> b.training() == Baseline.Training.KSHOT);
    Dataset<Row> kshot = needsKshot ? readKshot(spark, kshotPath, plan) : null;
    boolean savesModels = plan.baselines().stream().anyMatch(b -> b instanceof MllibBaseline);

    provideItemVectors(spark, samplesPath, plan, log);
    List<RunInfo> runs = new ArrayList<>();
    long evalRows = eval.count();
    List<Fit> fits = new ArrayList<>();
    for (Baseline b : plan.baselines()) {
      for (int[] ks : runsOf(b, plan, train)) {
        fits.add(new Fit(b, ks[0], ks[1]));
      }
    }
    try (StagedCommit commit = StagedCommit.begin(conf, out, STAGE);
        FitPool pool = new FitPool(plan.parallelFits())) {
      Path scores = commit.staging("scores");
      Path models = savesModels ? commit.staging("models") : null;
      // Fits run plan.parallelFits() at a time on driver threads; this thread writes their scores in
      // the plan's order, one file per run, while the next fits go on. Appends to one directory are
      // not safe concurrently (the jobs would share the output committer's _temporary directory).
      List<Future<Fitted>> pending = new ArrayList<>();
      for (Fit f : fits) {
        Path modelDir = models == null || !(f.baseline() instanceof MllibBaseline) ? null
            : new Path(models, f.baseline().name() + "/k=" + f.k() + "/seed=" + f.seed());
        pending.add(pool.submit(() -> fit(f, train, kshot, eval, modelDir)));
      }
      for (int i = 0; i < fits.size(); i++) {
        Fit f = fits.get(i);
        Fitted done = FitPool.await(pending.get(i));
        long t0 = System.nanoTime();
        spark.sparkContext().setJobDescription("baselines: scores of " + f.baseline().name() + " k=" + f.k()
            + " seed=" + f.seed());
        Baseline b = f.baseline();
        // repartition, not coalesce, so that a model baseline (icl), whose scoring runs in this
        // write, still scores in parallel: coalesce(1) would pull it into a single task.
        toScores(done.scored(), b.scoresModel(), b.scoresVariant(), domain, f.k(), f.seed()).repartition(1).write()
            .mode(SaveMode.Append).parquet(scores.toString());
        // A run's time is its fit's plus its write (lazy scorers do their work in the write).
        RunInfo info = new RunInfo(b.name(), f.k(), f.seed(), evalRows,
            done.seconds() + (System.nanoTime() - t0) / 1e9);
        runs.add(info);
        log.accept(String.format("  %-16s k=%-5d seed=%d  %,d scores in %.1f s", b.name(), f.k(), f.seed(), evalRows,
            info.seconds()));
      }
      long rows = evalRows * runs.size();
      Manifest manifest = new Manifest(STAGE)
          .inputDataset("samples", samplesPath, conf)
          .config(configJson)
          .property("domain", domain)
          .property("baselines", String.join(",", plan.baselines().stream().map(Baseline::name).toList()))
          .rows("scores", rows);
      if (needsKshot) {
        manifest.inputDataset("kshot", kshotPath, conf);
      }
      commit.commit(manifest);
      eval.unpersist();
      return new Result(out, domain, runs, rows);
    }
  }

  /**
   * Text-aware baselines need one sentence embedding per item: computed once per catalogue in
   * Spark and cached beside {@code samples/} ({@code item-embeddings/}, reused while the samples
   * are unchanged), then handed to each of them on the driver.
   */
  private static void provideItemVectors(SparkSession spark, Path samplesPath, Settings plan, Consumer<String> log) {
    List<TextAwareBaseline> text = plan.baselines().stream().filter(b -> b instanceof TextAwareBaseline)
        .map(b -> (TextAwareBaseline) b).toList();
    if (text.isEmpty()) {
      return;
    }
    Path cache = ItemTextEmbeddings.besideSamples(samplesPath);
    var r = ItemTextEmbeddings.ensure(spark, samplesPath, cache, text.get(0).embeddingSettings());
    log.accept(String.format("  item text embeddings (all-MiniLM-L6-v2): %,d items %s %s in %.1f s", r.items(),
        r.reused() ? "reused from" : "computed into", r.path(), r.seconds()));
    Map<String, float[]> vectors = ItemTextEmbeddings.load(spark, r.path());
    text.forEach(b -> b.useItemVectors(vectors));
  }

  /** One fit-and-score to run: a baseline on one (k, seed). */
  private record Fit(Baseline baseline, int k, int seed) {}

  /** A fit's scored rows (lazy where the baseline's scoring is) and the seconds the fit took. */
  private record Fitted(Dataset<Row> scored, double seconds) {}

  private static Fitted fit(Fit f, Dataset<Row> train, Dataset<Row> kshot, Dataset<Row> eval, Path modelDir) {
    long t0 = System.nanoTime();
    Baseline b = f.baseline();
    eval.sparkSession().sparkContext().setJobDescription("baselines: " + b.name() + " k=" + f.k() + " seed="
        + f.seed());
    Dataset<Row> trainSet = switch (b.training()) {
      case NONE -> train.limit(0);
      case TRAIN_SPLIT -> train;
      case KSHOT -> kshot.filter(col(Columns.K).equalTo(f.k()).and(col(Columns.SEED).equalTo(f.seed())));
    };
    Dataset<Row> scored = b.score(trainSet, eval, new Baseline.Run(f.k(), f.seed(), modelDir));
    return new Fitted(scored, (System.nanoTime() - t0) / 1e9);
  }

  /** {@code DATASET/kshot} for {@code DATASET/samples} (a directory URI may end in '/', which Path keeps). */
  static Path kshotBeside(Path samplesPath) {
    String s = samplesPath.toString().replaceAll("/+$", "");
    return new Path(new Path(s).getParent(), "kshot");
  }

  /** The (k, seed) runs of one baseline: one per K-shot set, or a single run (see {@link Baseline.Training}). */
  private static List<int[]> runsOf(Baseline b, Settings plan, Dataset<Row> train) {
    List<int[]> runs = new ArrayList<>();
    switch (b.training()) {
      case NONE -> runs.add(new int[] {0, 0});
      case TRAIN_SPLIT -> runs.add(new int[] {Math.toIntExact(train.count()), 0});
      case KSHOT -> plan.ks().forEach(k -> plan.seeds().forEach(s -> runs.add(new int[] {k, s})));
    }
    return runs;
  }

  /** The K-shot sets beside {@code samples/}; a requested (k, seed) that is absent is an error listing those present. */
  static Dataset<Row> readKshot(SparkSession spark, Path kshotPath, Settings plan) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (!Fs.exists(kshotPath, conf)) {
      throw new IllegalArgumentException("K-shot sets not found: " + kshotPath + " (written by `tallrec instructions` beside samples/)");
    }
    Dataset<Row> kshot = spark.read().parquet(kshotPath.toString());
    Map<Integer, List<Integer>> present = new TreeMap<>();
    for (Row r : kshot.select(Columns.K, Columns.SEED).distinct().collectAsList()) {
      present.computeIfAbsent(r.getInt(0), x -> new ArrayList<>()).add(r.getInt(1));
    }
    for (int k : plan.ks()) {
      for (int s : plan.seeds()) {
        if (!present.getOrDefault(k, List.of()).contains(s)) {
          present.values().forEach(l -> l.sort(null));
          throw new IllegalArgumentException("No K-shot set k=" + k + ", seed=" + s + " in " + kshotPath
              + "; present (k -> seeds): " + present);
        }
      }
    }
    return kshot.filter(col(Columns.K).isin(plan.ks().toArray()).and(col(Columns.SEED).isin(plan.seeds().toArray())))
        .cache();
  }

  /** A baseline's scored samples as rows of the {@code scores} contract. */
  static Dataset<Row> toScores(Dataset<Row> scored, String model, String variant, String trainDomain, int k,
      int seed) {
    List<String> columns = List.of(scored.columns());
    Column nullDouble = lit(null).cast(DataTypes.DoubleType);
    Column yes = columns.contains("logit_yes") ? col(Columns.LOGIT_YES).cast(DataTypes.DoubleType) : nullDouble;
    Column no = columns.contains("logit_no") ? col(Columns.LOGIT_NO).cast(DataTypes.DoubleType) : nullDouble;
    return scored.select(col(Columns.SAMPLE_ID), col(Columns.DOMAIN), col(Columns.SPLIT), col(Columns.LABEL),
        col(Columns.SCORE).cast(DataTypes.DoubleType).as(Columns.SCORE), yes.as(Columns.LOGIT_YES),
        no.as(Columns.LOGIT_NO), lit(model).as(Columns.MODEL), lit(variant).as(Columns.VARIANT),
        lit(trainDomain).as(Columns.TRAIN_DOMAIN), lit(k).as(Columns.K), lit(seed).as(Columns.SEED));
  }
}
