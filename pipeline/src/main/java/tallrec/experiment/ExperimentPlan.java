package tallrec.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import tallrec.baselines.BaselineRegistry;
import tallrec.baselines.Baselines;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.data.RawSource;
import tallrec.data.RawSources;
import tallrec.dataset.DomainSpec;
import tallrec.dataset.InstructionSettings;
import tallrec.dataset.Instructions;
import tallrec.dataset.SelectionMode;
import tallrec.dataset.ValidationSubset;
import tallrec.eval.Evaluate;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;
import tallrec.llm.RandomCheckpoint;
import tallrec.report.Report;
import tallrec.report.ReportRenderer;
import tallrec.score.Scoring;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;
import tallrec.train.CorpusPretraining;
import tallrec.train.Trainer;
import tallrec.train.TuneSettings;
import tallrec.train.Tuning;

/**
 * Turns an experiment config ({@code tallrec.experiment}, see reference.conf) into the ordered
 * steps of TALLRec's protocol: per dataset synth (optional) → ingest → instructions → validation
 * subset; the backbone (a given checkpoint, or a random-init one built here); alpaca tuning when a
 * variant needs it; per variant, train-domain set, K and seed: rec-tuning, then scoring on every
 * dataset's test split; baselines per dataset; evaluate over all scores.
 *
 * <p>Layout under {@code experiment.out}: {@code raw/D}, {@code data/D/{interactions,items,rejects,
 * samples,kshot,valid-N}}, {@code model}, {@code tune/alpaca}, {@code tune/V/T/kK/seedS},
 * {@code scores/V/T/kK/seedS/D}, {@code baselines/D/{scores,models}}, {@code metrics},
 * {@code metrics.json}, {@code report/}, {@code run.json}.
 */
public final class ExperimentPlan {

  /** TALLRec (alpaca tuning, then rec-tuning), RT (rec-tuning only), AT (alpaca only), ICL (no tuning). */
  public static final List<String> VARIANTS = List.of("tallrec", "rt", "at", "icl");

  public static final String RANDOM_MODEL = "random";
  /** {@code experiment.model.path} for a small model pretrained here on a synthetic dataset's corpus (the demo's). */
  public static final String PRETRAINED_ON_SYNTH = "pretrained-on-synth";
  /** {@code experiment.alpaca.data} prefix naming a synthetic dataset's {@code alpaca.json}. */
  public static final String SYNTH_ALPACA = "synth:";

  private final SparkSession spark;
  private final TallRecConf conf;
  private final Config exp;
  private final Configuration hadoop;
  private final Path out;
  private final PrintStream log;
  private final List<Step> steps = new ArrayList<>();
  /** Dataset name -> domain. */
  private final Map<String, String> domains = new LinkedHashMap<>();
  /** Dataset name -> the raw directory its synth step writes (only synthetic datasets). */
  private final Map<String, Path> synthRaw = new LinkedHashMap<>();
  private final List<Path> scoreOutputs = new ArrayList<>();

  private String modelPath;
  private String tokenizer;
  private String modelName;
  private String backbone = "none";
  private Path modelStepOutput;

  private ExperimentPlan(SparkSession spark, TallRecConf conf, PrintStream log) {
    this.spark = spark;
    this.conf = conf;
    this.exp = conf.section("experiment");
    this.hadoop = spark.sparkContext().hadoopConfiguration();
    String o = exp.getString("out");
    if (o.isBlank()) {
      throw new IllegalArgumentException("experiment.out is not set: where the experiment writes (e.g. tallrec-work/NAME)");
    }
    this.out = new Path(o);
    this.log = log;
  }

  /** The steps of the experiment {@code conf} describes, in run order. */
  public static ExperimentPlan build(SparkSession spark, TallRecConf conf, PrintStream log) {
    ExperimentPlan p = new ExperimentPlan(spark, conf, log);
    p.plan();
    return p;
  }

  public List<Step> steps() {
    return steps;
  }

  public Path out() {
    return out;
  }

  public String name() {
    return exp.getString("name");
  }

  /** Which backbone produced the LLM numbers (checkpoint path, or "random init" for the demo's). */
  public String backbone() {
    return backbone;
  }

  /** Where evaluate writes metrics/ and metrics.json: {@code experiment.metrics-dir}, default the experiment's out. */
  public Path evaluationDir() {
    String d = exp.getString("metrics-dir");
    return d.isBlank() ? out : new Path(d);
  }

  public Path metricsPath() {
    return new Path(evaluationDir(), "metrics");
  }

  private void plan() {
    Config datasets = exp.getConfig("datasets");
    if (datasets.root().isEmpty()) {
      throw new IllegalArgumentException("experiment.datasets is empty: name at least one, e.g. "
          + "movie { source = movielens100k, input = \"../shared/data/ml-100k\" }");
    }
    for (String d : new TreeSet<>(datasets.root().keySet())) {
      planDataset(d, datasets.getConfig(d));
    }
    Config rec = exp.getConfig("rec-tuning");
    List<String> variants = rec.getStringList("variants");
    for (String v : variants) {
      if (!VARIANTS.contains(v)) {
        throw new IllegalArgumentException("experiment.rec-tuning.variants: unknown '" + v + "'; expected " + VARIANTS);
      }
    }
    if (!variants.isEmpty()) {
      planModel();
      Path alpaca = variants.contains("tallrec") || variants.contains("at") ? planAlpaca() : null;
      for (String v : variants) {
        switch (v) {
          case "tallrec" -> planRecTuning(v, alpaca);
          case "rt" -> planRecTuning(v, null);
          case "at" -> planScores("at", alpaca, "alpaca", 0, 0, List.of(alpaca), untunedScoreDomains(rec));
          default -> planScores("icl", null, "none", 0, 0, List.of(), untunedScoreDomains(rec));
        }
      }
    }
    if (exp.getBoolean("baselines.enabled")) {
      for (String d : domains.keySet()) {
        planBaselines(d);
      }
    }
    planEvaluate();
    if (exp.getBoolean("report")) {
      planReport();
    }
  }

  // ---- data ----

  private void planDataset(String name, Config ds) {
    String source = ds.getString("source");
    Config sources = conf.section("sources");
    if (!sources.hasPath(source)) {
      throw new IllegalArgumentException("experiment.datasets." + name + ".source: unknown source '" + source
          + "'; expected one of " + RawSources.NAMES);
    }
    String domain = ds.hasPath("domain") ? ds.getString("domain") : sources.getString(source + ".domain");
    DomainSpec spec = DomainSpec.of(domain, conf.section("domains"));
    domains.put(name, domain);
    Path data = new Path(out, "data/" + name);

    List<Path> rawUpstream = new ArrayList<>();
    String input;
    if (ds.hasPath("synth")) {
      Path raw = new Path(out, "raw/" + name);
      input = raw.toString();
      Config synthConf = ds.getConfig("synth").withFallback(conf.section("synth"));
      SynthParams params = SynthParams.fromConfig(synthConf);
      steps.add(new Step(Stage.SYNTH, name + ": " + String.format("%,d", params.ratings()) + " synthetic ratings",
          raw, json(synthConf), List.of(), List.of(), cfg -> {
            SyntheticMovieLens.Result r = new SyntheticMovieLens(params).writeTo(raw.toString(), true, hadoop);
            new Manifest("synth").config(cfg).rows("ratings", params.ratings())
                .property("users", Integer.toString(r.users())).property("items", Integer.toString(r.items()))
                .write(raw, hadoop);
          }));
      rawUpstream.add(raw);
      synthRaw.put(name, raw);
    } else {
      input = ds.hasPath("input") ? ds.getString("input") : null;
    }
    String ratings = ds.hasPath("ratings") ? ds.getString("ratings") : null;
    String items = ds.hasPath("items") ? ds.getString("items") : null;
    List<Path> rawFiles = new ArrayList<>();
    if (rawUpstream.isEmpty()) {
      Config sc = sources.getConfig(source);
      if (input == null && (ratings == null || items == null)) {
        throw new IllegalArgumentException("experiment.datasets." + name + ": give input (a directory) or ratings and items");
      }
      rawFiles.add(new Path(ratings != null ? ratings : new Path(input, sc.getString("ratings-file")).toString()));
      rawFiles.add(new Path(items != null ? items : new Path(input, sc.getString("items-file")).toString()));
    }
    Map<String, Object> ingestSettings = new LinkedHashMap<>();
    ingestSettings.put("source", source);
    ingestSettings.put("input", input == null ? "" : input);
    ingestSettings.put("ratings", ratings == null ? "" : ratings);
    ingestSettings.put("items", items == null ? "" : items);
    ingestSettings.put("sources", sources.getConfig(source).root().unwrapped());
    ingestSettings.put("ingest", conf.section("ingest").root().unwrapped());
    ingestSettings.put("domain", conf.section("domains").getConfig(domain).root().unwrapped());
    String inputDir = input;
    steps.add(new Step(Stage.INGEST, name + " (" + source + ")", new Path(data, "interactions"),
        json(ingestSettings), rawUpstream, rawFiles, cfg -> {
          RawSource raw = RawSources.resolve(source, sources, inputDir, ratings, items, hadoop);
          Ingest.Settings s = Ingest.Settings.from(conf, domain);
          Ingest.Result r = Ingest.run(spark, raw, s, data, cfg);
          log.printf("      %,d interactions, %,d items, %,d rejects%n", r.interactions(), r.items(), r.rejects());
        }));

    Config instr = instructionsConfig(ds);
    SelectionMode mode = SelectionMode.parse(instr.getString("mode"));
    Map<String, Object> instrSettings = new LinkedHashMap<>();
    instrSettings.put("instructions", instr.root().unwrapped());
    instrSettings.put("domain", conf.section("domains").getConfig(domain).root().unwrapped());
    steps.add(new Step(Stage.INSTRUCTIONS, name + " (" + instr.getString("mode") + " mode)", new Path(data, "samples"),
        json(instrSettings), List.of(new Path(data, "interactions"), new Path(data, "items")), List.of(), cfg -> {
          Instructions.Result r = Instructions.run(spark, data, data, mode, spec, InstructionSettings.from(instr), null, cfg);
          log.printf("      samples %s, %,d K-shot rows%n", r.splitCounts(), r.kshotRows());
        }));

    int limit = exp.getInt("rec-tuning.valid-limit");
    if (limit > 0 && !exp.getStringList("rec-tuning.variants").isEmpty()) {
      Path valid = validPath(name);
      steps.add(new Step(Stage.VALID, name + ": " + limit + " validation samples for early stopping", valid,
          "{\"limit\":" + limit + "}", List.of(new Path(data, "samples")), List.of(),
          cfg -> ValidationSubset.write(spark, new Path(data, "samples"), valid, limit, cfg)));
    }
  }

  /** The dataset's instructions settings: its own mode, and K-shot sets for every K and seed the experiment uses. */
  private Config instructionsConfig(Config ds) {
    Config c = conf.section("instructions");
    if (ds.hasPath("mode")) {
      c = c.withValue("mode", ConfigValueFactory.fromAnyRef(ds.getString("mode")));
    }
    if (ds.hasPath("instructions")) {
      c = ds.getConfig("instructions").withFallback(c);
    }
    Set<Integer> ks = new TreeSet<>(atLeast(exp, "rec-tuning.k", 1, "experiment."));
    Set<Integer> seeds = new TreeSet<>(atLeast(exp, "rec-tuning.seeds", 0, "experiment."));
    // A grid shares its datasets: every entry asks for the union of the grid's K-shot sets.
    ks.addAll(atLeast(exp, "kshot.k", 1, "experiment."));
    seeds.addAll(atLeast(exp, "kshot.seeds", 0, "experiment."));
    if (exp.getBoolean("baselines.enabled")) {
      ks.addAll(atLeast(baselinesConfig(), "k", 1, "experiment.baselines."));
      seeds.addAll(atLeast(baselinesConfig(), "seeds", 0, "experiment.baselines."));
    }
    return c.withValue("kshot.k", ConfigValueFactory.fromIterable(ks))
        .withValue("kshot.seeds", ConfigValueFactory.fromIterable(seeds));
  }

  /** The integers of {@code key}, each at least {@code min}; checked while planning, before any work. */
  private static List<Integer> atLeast(Config c, String key, int min, String prefix) {
    List<Integer> values = c.getIntList(key);
    for (int v : values) {
      if (v < min) {
        throw new IllegalArgumentException(prefix + key + ": " + v + " is not allowed (each must be at least " + min
            + ")");
      }
    }
    return values;
  }

  private Path validPath(String dataset) {
    int limit = exp.getInt("rec-tuning.valid-limit");
    return limit > 0 ? new Path(out, "data/" + dataset + "/valid-" + limit) : new Path(out, "data/" + dataset + "/samples");
  }

  // ---- model ----

  private void planModel() {
    Config m = exp.getConfig("model");
    String path = m.getString("path");
    if (path.isBlank()) {
      throw new IllegalArgumentException("experiment.model.path is not set (a Hugging Face model directory, a llama2.c"
          + " .bin with model.tokenizer, or \"random\"); or set experiment.rec-tuning.variants = [] for baselines only");
    }
    tokenizer = m.getString("tokenizer").isBlank() ? null : m.getString("tokenizer");
    if (RANDOM_MODEL.equals(path)) {
      Path dir = new Path(out, "model");
      Config r = m.getConfig("random");
      RandomCheckpoint.Shape shape = RandomCheckpoint.Shape.from(r);
      long seed = r.getLong("seed");
      modelStepOutput = dir;
      modelPath = localPath(dir);
      modelName = m.getString("name").isBlank() ? "tiny-llama-random" : m.getString("name");
      backbone = modelName + " (random initial weights, byte tokenizer, " + shape + ", built by this run)";
      steps.add(new Step(Stage.MODEL, "tiny LLaMA-shaped model, random initial weights, byte tokenizer", dir,
          json(r), List.of(), List.of(), cfg -> writeRandomModel(dir, shape, seed, cfg)));
    } else if (PRETRAINED_ON_SYNTH.equals(path)) {
      planPretrained(m);
    } else {
      modelPath = path;
      modelName = m.getString("name").isBlank() ? new Path(path).getName() : m.getString("name");
      backbone = modelName + " (" + path + ")";
    }
  }

  /**
   * The pretrain stage: a small LLaMA-shaped model pretrained on a synthetic dataset's
   * {@code corpus.txt} ({@link CorpusPretraining}), written to OUT/model as a Hugging Face directory.
   */
  private void planPretrained(Config m) {
    String key = "experiment.model." + PRETRAINED_ON_SYNTH;
    Config p = m.getConfig(PRETRAINED_ON_SYNTH);
    String dataset = p.getString("dataset");
    if (dataset.isBlank()) {
      if (synthRaw.size() != 1) {
        throw new IllegalArgumentException(key + ".dataset: name the synthetic dataset whose corpus to pretrain on"
            + (synthRaw.isEmpty() ? " (none of experiment.datasets has a synth section)" : "; synthetic: "
            + synthRaw.keySet()));
      }
      dataset = synthRaw.keySet().iterator().next();
    }
    Path raw = synthRaw.get(dataset);
    if (raw == null) {
      throw new IllegalArgumentException(key + ".dataset: '" + dataset + "' is not a synthetic dataset of this"
          + " experiment; synthetic: " + synthRaw.keySet());
    }
    List<String> nouns = new ArrayList<>();
    for (String domain : new TreeSet<>(domains.values())) {
      nouns.add(Domains.from(conf).require(domain).noun());
    }
    CorpusPretraining.Settings settings = CorpusPretraining.Settings.from(p, nouns);
    Path dir = new Path(out, "model");
    modelStepOutput = dir;
    modelPath = localPath(dir);
    modelName = m.getString("name").isBlank() ? "tiny-llama-" + PRETRAINED_ON_SYNTH : m.getString("name");
    backbone = modelName + " (" + ReportRenderer.SYNTHETIC_BACKBONE + " " + dataset
        + " corpus, word-level tokenizer, "
        + settings.shape() + ")";
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dataset", dataset);
    json.put("pretrain", p.withoutPath("dataset").root().unwrapped());
    json.put("nouns", nouns);
    String corpus = dataset;
    steps.add(new Step(Stage.PRETRAIN, "tiny LLaMA-shaped model pretrained on the " + dataset + " corpus", dir,
        json(json), List.of(raw), List.of(), cfg -> writePretrainedModel(dir, new Path(raw,
            SyntheticMovieLens.CORPUS_FILE), corpus, settings, cfg)));
  }

  private void writePretrainedModel(Path dir, Path corpusFile, String dataset, CorpusPretraining.Settings settings,
      String cfg) throws IOException {
    List<String> corpus = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.of(corpusFile, hadoop).open(corpusFile),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          corpus.add(line);
        }
      }
    }
    if (settings.withInstructions()) {
      Path alpaca = new Path(corpusFile.getParent(), SyntheticMovieLens.ALPACA_FILE);
      try (InputStream in = Fs.of(alpaca, hadoop).open(alpaca)) {
        corpus.addAll(CorpusPretraining.instructionDocuments(new String(in.readAllBytes(), StandardCharsets.UTF_8),
            alpaca.toString()));
      }
    }
    commitModelDir(dir, "pretrain", staging -> {
      CorpusPretraining.Outcome o = CorpusPretraining.build(corpus, settings, staging, log);
      log.printf("      %,d parameters, %,d-word vocabulary, %,d sentences; loss %.3f (first epoch) -> %.3f (last)"
          + " in %.1f s (%,.0f tokens/s)%n", o.parameters(), o.vocabulary(), o.sentences(),
          o.result().firstEpochLoss(), o.result().lastEpochLoss(), o.result().seconds(),
          o.result().tokens() / o.result().seconds());
      return new Manifest("pretrain").config(cfg).rows("sentences", o.sentences())
          .property("parameters", Long.toString(o.parameters()))
          .property("vocabulary", Integer.toString(o.vocabulary()))
          .property("corpus", corpusFile.toString())
          .property("dataset", dataset)
          .property("loss_first_epoch", String.format(Locale.ROOT, "%.4f", o.result().firstEpochLoss()))
          .property("loss_last_epoch", String.format(Locale.ROOT, "%.4f", o.result().lastEpochLoss()));
    });
  }

  /** What builds a model directory into a staging path and says what to record. */
  private interface ModelBuilder {
    Manifest build(java.nio.file.Path staging) throws IOException;
  }

  /** Builds a model directory in a staging path and renames it into place, with its manifest. */
  private void commitModelDir(Path dir, String stage, ModelBuilder builder) throws IOException {
    java.nio.file.Path target = Paths.get(localPath(dir));
    // Named as StagedCommit names its directories, so that what a killed attempt left goes too.
    String prefix = StagedCommit.stagingPrefix(target.getFileName().toString(), stage);
    long start = System.currentTimeMillis();
    StagedCommit.removeStale(hadoop, new Path(target.getParent().toUri()), prefix, start);
    java.nio.file.Path staging = target.resolveSibling(prefix + start + "-" + UUID.randomUUID());
    try {
      builder.build(staging).write(new Path(staging.toUri()), hadoop);
      if (Files.exists(target)) {
        Fs.deleteRecursively(new Path(target.toUri()), hadoop);
      }
      Files.move(staging, target);
    } finally {
      if (Files.exists(staging)) {
        Fs.deleteRecursively(new Path(staging.toUri()), hadoop);
      }
    }
  }

  /** Builds the random model in a staging directory and renames it into place, with its manifest. */
  private void writeRandomModel(Path dir, RandomCheckpoint.Shape shape, long seed, String cfg) throws IOException {
    commitModelDir(dir, "model", staging -> {
      long params = RandomCheckpoint.write(staging, shape, seed);
      log.printf("      %,d parameters%n", params);
      return new Manifest("model").config(cfg).property("parameters", Long.toString(params))
          .property("weights", "random initial weights (N(0, 0.02)), seed " + seed);
    });
  }

  /** DJL reads weights memory-mapped from a local path: model directories must be local (or on a shared mount). */
  private static String localPath(Path p) {
    String s = p.toString();
    if (s.startsWith("file:")) {
      return Paths.get(p.toUri()).toString();
    }
    if (s.contains("://")) {
      throw new IllegalArgumentException("the model directory must be on a local or mounted file system: " + p);
    }
    return s;
  }

  private List<Path> modelUpstream() {
    return modelStepOutput == null ? List.of() : List.of(modelStepOutput);
  }

  private Map<String, Object> modelSettings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", modelPath);
    m.put("tokenizer", tokenizer == null ? "" : tokenizer);
    m.put("name", modelName);
    m.put("precision", precision());
    return m;
  }

  /** {@code tallrec.model.precision} (f32, f16, bf16, auto), as tune and score load the backbone. */
  private String precision() {
    return conf.section("model").getString("precision");
  }

  // ---- tuning and scoring ----

  private Path planAlpaca() {
    Config a = exp.getConfig("alpaca");
    String data = a.getString("data");
    if (data.isBlank()) {
      throw new IllegalArgumentException("variants tallrec and at need alpaca tuning: set experiment.alpaca.data to an"
          + " Alpaca JSON file (e.g. ../shared/data/alpaca/...), or use variant rt (rec-tuning only)");
    }
    String valid = a.getString("valid");
    Config tune = a.getConfig("tune").withFallback(conf.section("tune"));
    Path adapter = new Path(out, "tune/alpaca");
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("model", modelSettings());
    settings.put("tune", tune.root().unwrapped());
    List<Path> upstream = new ArrayList<>(modelUpstream());
    List<Path> raw = new ArrayList<>();
    String label;
    if (data.startsWith(SYNTH_ALPACA)) {
      // The instructions a synth step writes beside its ratings: an upstream output (its manifest
      // stands for the content in the run key), not a raw file checksummed while planning.
      String dataset = data.substring(SYNTH_ALPACA.length());
      Path synth = synthRaw.get(dataset);
      if (synth == null) {
        throw new IllegalArgumentException("experiment.alpaca.data = " + data + ": '" + dataset
            + "' is not a synthetic dataset of this experiment; synthetic: " + synthRaw.keySet());
      }
      upstream.add(synth);
      data = new Path(synth, SyntheticMovieLens.ALPACA_FILE).toString();
      label = "the synthetic " + dataset + " instructions";
    } else {
      raw.add(new Path(data));
      label = new Path(data).getName();
    }
    if (!valid.isBlank()) {
      raw.add(new Path(valid));
    }
    String trainFile = data;
    steps.add(new Step(Stage.ALPACA, "alpaca tuning on " + label, adapter, json(settings),
        upstream, raw, Step.Body.resumable((cfg, forced) -> tune("alpaca", List.of(trainFile),
            valid.isBlank() ? List.of() : List.of(valid), adapter, null, tune, cfg, forced))));
    return adapter;
  }

  private void planRecTuning(String variant, Path alpaca) {
    Config rec = exp.getConfig("rec-tuning");
    Config tuneBase = rec.getConfig("tune").withFallback(conf.section("tune"));
    for (List<String> train : trainDomainSets(rec)) {
      String trainLabel = String.join("+", train);
      for (int k : rec.getIntList("k")) {
        for (int seed : rec.getIntList("seeds")) {
          // The K-shot draw and the tuning (shuffle, LoRA init, dropout) both follow the seed, as in the reference.
          Config tune = tuneBase.withValue("seed", ConfigValueFactory.fromAnyRef(seed));
          Path adapter = new Path(out, "tune/" + variant + "/" + trainLabel + "/k" + k + "/seed" + seed);
          List<String> trainPaths = new ArrayList<>();
          List<String> validPaths = new ArrayList<>();
          List<Path> upstream = new ArrayList<>(modelUpstream());
          List<Supplier<String>> content = new ArrayList<>();
          for (String d : train) {
            String kshot = new Path(out, "data/" + d + "/kshot/k=" + k + "/seed=" + seed).toString();
            String valid = validPath(d).toString();
            trainPaths.add(kshot);
            validPaths.add(valid);
            // The rows tuned and validated on, not the K-shot directory's manifest (see ContentKey).
            content.add(() -> ContentKey.of(spark, kshot, List.of()));
            content.add(() -> ContentKey.of(spark, valid, List.of("valid")));
          }
          if (alpaca != null) {
            upstream.add(alpaca);
          }
          Map<String, Object> settings = new LinkedHashMap<>();
          settings.put("model", modelSettings());
          settings.put("variant", variant);
          settings.put("tune", tune.root().unwrapped());
          String label = variant + " train=" + trainLabel + " K=" + k + " seed=" + seed;
          steps.add(new Step(Stage.TUNE, label, adapter, json(settings), upstream, List.of(),
              Step.Body.resumable((cfg, forced) -> tune("rec", trainPaths, validPaths, adapter, alpaca, tune, cfg,
                  forced)), content));
          planScores(variant, adapter, trainLabel, k, seed, List.of(adapter), scoreDomains(rec, train));
        }
      }
    }
  }

  /**
   * {@code rec-tuning.score-on}: {@code all} scores every tuned adapter on every dataset (what the
   * cross-domain study needs); {@code trained} only on the datasets it was tuned on, which halves
   * scoring in a two-domain grid whose entries do not compare domains.
   */
  private List<String> scoreDomains(Config rec, List<String> trained) {
    String on = rec.getString("score-on");
    return switch (on) {
      case "all" -> List.copyOf(domains.keySet());
      case "trained" -> trained;
      default -> throw new IllegalArgumentException(
          "experiment.rec-tuning.score-on: unknown '" + on + "'; expected all or trained");
    };
  }

  /** AT and ICL are tuned on no K-shot set: with score-on = trained they go where train-domains' sets go. */
  private List<String> untunedScoreDomains(Config rec) {
    Set<String> union = new LinkedHashSet<>();
    trainDomainSets(rec).forEach(union::addAll);
    return scoreDomains(rec, List.copyOf(union));
  }

  /** {@code rec-tuning.train-domains}: lists of dataset names tuned on together; empty = each dataset alone. */
  private List<List<String>> trainDomainSets(Config rec) {
    List<List<String>> sets = new ArrayList<>();
    for (Object o : rec.getList("train-domains").unwrapped()) {
      List<String> set = new ArrayList<>();
      for (Object d : (List<?>) o) {
        String name = d.toString();
        if (!domains.containsKey(name)) {
          throw new IllegalArgumentException("experiment.rec-tuning.train-domains names '" + name
              + "', which is not a dataset of this experiment " + domains.keySet());
        }
        set.add(name);
      }
      if (!set.isEmpty()) {
        sets.add(set);
      }
    }
    if (sets.isEmpty()) {
      domains.keySet().forEach(d -> sets.add(List.of(d)));
    }
    return sets;
  }

  /**
   * A killed tuning continues from its last checkpoint when the stage runs again with the same run
   * key (cfg's run_key: settings, inputs, code version); a forced stage starts over.
   */
  private void tune(String stage, List<String> train, List<String> valid, Path adapter, Path init, Config tune,
      String cfg, boolean forced) {
    Tuning.Request q = new Tuning.Request(stage, modelPath, tokenizer, train, valid, adapter.toString(),
        init == null ? null : init.toString(), forced ? Trainer.Resume.NEVER : Trainer.Resume.IF_MATCHING,
        workDir(adapter), tune.getString("device"),
        TuneSettings.from(tune), nouns(), cfg, precision());
    Tuning.Outcome o = Tuning.run(spark, q, log);
    log.printf("      %d steps%s, best %s %.4f at step %d (untuned %.4f), %.1f s%n", o.result().steps(),
        o.result().stoppedEarly() ? " (early stop)" : "", "rec".equals(stage) ? "valid AUC" : "held-out loss",
        o.result().bestMetric(), o.result().bestStep(), o.initialMetric(), o.result().seconds());
  }

  /** Checkpoints of a tuning step live beside the experiment, not beside the adapter (which is committed atomically). */
  private String workDir(Path adapter) {
    String rel = adapter.toString().substring(out.toString().length()).replaceAll("^/+", "").replace('/', '_');
    return localPath(new Path(out, "work/" + rel));
  }

  /** Scores one adapter (or the base model) on the evaluation splits of the given datasets. */
  private void planScores(String variant, Path adapter, String trainLabel, int k, int seed, List<Path> tuned,
      List<String> on) {
    Config score = exp.getConfig("score").withFallback(conf.section("score"));
    for (String d : on) {
      Path samples = new Path(out, "data/" + d + "/samples");
      Path scores = new Path(out, "scores/" + variant + "/" + trainLabel + "/k" + k + "/seed" + seed + "/" + d);
      List<Path> upstream = new ArrayList<>(tuned);
      upstream.addAll(modelUpstream());
      List<String> keySplits = score.getStringList("splits").contains("all") ? List.of() : score.getStringList("splits");
      Map<String, Object> settings = new LinkedHashMap<>();
      settings.put("model", modelSettings());
      settings.put("variant", variant);
      settings.put("score", score.root().unwrapped());
      steps.add(new Step(Stage.SCORE, variant + " train=" + trainLabel + " K=" + k + " seed=" + seed + " on " + d,
          scores, json(settings), upstream, List.of(), cfg -> {
            List<String> splits = score.getStringList("splits");
            var rows = Scoring.prepare(spark, Scoring.readSamples(spark, samples.toString(),
                splits.contains("all") ? List.of() : splits, domains.get(d)), score.getInt("limit"),
                score.getInt("partitions"));
            Scoring.Settings s = Scoring.Settings.builder(modelPath).tokenizer(tokenizer).scoring(score)
                .label(modelName, variant, trainLabel, k, seed).adapter(adapter == null ? null : adapter.toString())
                .precision(precision()).build();
            Scoring.Result r = Scoring.run(spark, rows, samples.toString(), scores, s, nouns(), cfg);
            log.printf("      %,d scores; rows per executor %s%s%n", r.rows(), r.rowsByExecutor(),
                r.skippedTooLong().isEmpty() ? "" : "; skipped as too long: " + r.skippedTooLong().size());
          }, List.of(() -> ContentKey.of(spark, samples.toString(), keySplits))));
      scoreOutputs.add(scores);
    }
  }

  private Map<String, String> nouns() {
    return Domains.from(conf).nouns();
  }

  // ---- baselines and evaluation ----

  private Config baselinesConfig() {
    Config b = exp.getConfig("baselines").withoutPath("enabled").withFallback(conf.section("baselines"))
        // The prompt nouns, for a baseline that renders prompts (icl); see BaselineRegistry.resolve.
        .withValue("domains", conf.section("domains").root());
    Config rec = exp.getConfig("rec-tuning");
    // The baselines see the same K-shot sets as rec-tuning unless the experiment says otherwise.
    if (!exp.hasPath("baselines.k")) {
      b = b.withValue("k", ConfigValueFactory.fromIterable(rec.getIntList("k")));
    }
    if (!exp.hasPath("baselines.seeds")) {
      b = b.withValue("seeds", ConfigValueFactory.fromIterable(rec.getIntList("seeds")));
    }
    return b;
  }

  private void planBaselines(String d) {
    Config b = baselinesConfig();
    List<String> only = b.getStringList("only");
    BaselineRegistry.resolve(only, b); // unknown names fail before anything runs
    Path samples = new Path(out, "data/" + d + "/samples");
    Path dir = new Path(out, "baselines/" + d);
    steps.add(new Step(Stage.BASELINES, d + ": " + String.join(", ", only), new Path(dir, "scores"), json(b),
        List.of(samples, new Path(out, "data/" + d + "/kshot")), List.of(), cfg -> {
          Baselines.Plan plan = new Baselines.Plan(BaselineRegistry.resolve(only, b), b.getIntList("k"),
              b.getIntList("seeds"), b.getStringList("splits"));
          Baselines.run(spark, samples, dir, plan, cfg, line -> log.println("    " + line));
        }));
    scoreOutputs.add(new Path(dir, "scores"));
  }

  private void planEvaluate() {
    if (scoreOutputs.isEmpty()) {
      throw new IllegalArgumentException("the experiment scores nothing: set experiment.rec-tuning.variants or"
          + " experiment.baselines.enabled = true");
    }
    Config e = conf.section("evaluate");
    List<Path> inputs = List.copyOf(scoreOutputs);
    steps.add(new Step(Stage.EVALUATE, "AUC of " + inputs.size() + " scores datasets", metricsPath(), json(e), inputs,
        List.of(), cfg -> Evaluate.run(spark, inputs, evaluationDir(), Evaluate.Settings.from(e), cfg)));
  }

  /** The report of this experiment (Markdown, charts, CSV) from its metrics and everything under out. */
  private void planReport() {
    String where = exp.getString("report-dir");
    Path dir = where.isBlank() ? new Path(evaluationDir(), "report") : new Path(where);
    Config r = conf.section("report");
    String title = "TALLRec experiment " + name() + " (backbone: " + backbone + ")";
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("report", r.root().unwrapped());
    settings.put("title", title);
    steps.add(new Step(Stage.REPORT, "Markdown, charts and CSV", dir, json(settings), List.of(metricsPath()),
        List.of(), cfg -> {
          Report.run(spark, new Report.Request(List.of(metricsPath().toString()),
              List.of(out.toString()), dir.toString(), title), Report.Settings.from(r));
          // The report writes plain files; its manifest marks it complete for the next run.
          new Manifest("report").inputDataset("metrics", metricsPath(), hadoop).config(cfg).write(dir, hadoop);
          log.printf("      %s/README.md%n", dir);
        }));
  }

  private static String json(Config c) {
    return c.root().render(ConfigRenderOptions.concise());
  }

  private static String json(Map<String, Object> m) {
    return ConfigFactory.parseMap(flattenSafe(m)).root().render(ConfigRenderOptions.concise());
  }

  /** parseMap reads dotted keys as paths; quote keys so names like "k=64" stay literal. */
  private static Map<String, Object> flattenSafe(Map<String, Object> m) {
    Map<String, Object> outMap = new LinkedHashMap<>();
    m.forEach((k, v) -> outMap.put(ConfigUtil.quoteString(k), v));
    return outMap;
  }
}
