package tallrec.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tallrec.baselines.Baselines;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.dataset.DomainSpec;
import tallrec.dataset.InstructionSettings;
import tallrec.dataset.Instructions;
import tallrec.dataset.ValidationSubset;
import tallrec.eval.Evaluate;
import tallrec.io.Manifest;
import tallrec.llm.Precision;
import tallrec.report.Report;
import tallrec.score.Scoring;
import tallrec.synth.SyntheticMovieLens;
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

  /** The backbone tune and score load; null when the experiment runs baselines only. */
  private Backbone model;

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
    return model == null ? "none" : model.description();
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
    Path data = new Path(out, "data/" + name);
    RawDataSteps raw = RawDataSteps.plan(name, ds, conf, new Path(out, "raw/" + name), data, spark, log);
    steps.addAll(raw.steps());
    domains.put(name, raw.domain());
    if (raw.synthRaw() != null) {
      synthRaw.put(name, raw.synthRaw());
    }
    String domain = raw.domain();
    DomainSpec spec = DomainSpec.of(domain, conf.section("domains"));

    TallRecConf instr = instructionsConf(ds);
    InstructionSettings instructions = InstructionSettings.from(instr);
    Map<String, Object> instrSettings = new LinkedHashMap<>();
    instrSettings.put("instructions", instr.section(InstructionSettings.SECTION).root().unwrapped());
    instrSettings.put("domain", conf.section("domains").getConfig(domain).root().unwrapped());
    steps.add(new Step(Stage.INSTRUCTIONS, name + " (" + instructions.mode().name().toLowerCase(Locale.ROOT)
        + " mode)", new Path(data, "samples"), Step.json(instrSettings),
        List.of(new Path(data, "interactions"), new Path(data, "items")), List.of(), cfg -> {
          Instructions.Result r = Instructions.run(spark, data, data, spec, instructions, null, cfg);
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

  /**
   * The dataset's instructions settings: {@code tallrec.instructions} with the dataset's own mode
   * and {@code instructions} over it, and K-shot sets for every K and seed the experiment uses.
   */
  private TallRecConf instructionsConf(Config ds) {
    Config c = ds.hasPath("instructions") ? ds.getConfig("instructions") : ConfigFactory.empty();
    if (ds.hasPath("mode") && !c.hasPath(InstructionSettings.MODE)) { // the dataset's instructions.mode wins
      c = c.withValue(InstructionSettings.MODE, ConfigValueFactory.fromAnyRef(ds.getString("mode")));
    }
    Set<Integer> ks = new TreeSet<>(atLeast(exp, "rec-tuning.k", 1, "experiment."));
    Set<Integer> seeds = new TreeSet<>(atLeast(exp, "rec-tuning.seeds", 0, "experiment."));
    // A grid shares its datasets: every entry asks for the union of the grid's K-shot sets.
    ks.addAll(atLeast(exp, "kshot.k", 1, "experiment."));
    seeds.addAll(atLeast(exp, "kshot.seeds", 0, "experiment."));
    if (exp.getBoolean("baselines.enabled")) {
      Baselines.Settings b = baselineSettings();
      ks.addAll(b.ks());
      seeds.addAll(b.seeds());
    }
    return conf.overlay(InstructionSettings.SECTION, c
        .withValue(InstructionSettings.KSHOT_K, ConfigValueFactory.fromIterable(ks))
        .withValue(InstructionSettings.KSHOT_SEEDS, ConfigValueFactory.fromIterable(seeds)));
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
    List<String> nouns = new ArrayList<>();
    for (String domain : new TreeSet<>(domains.values())) {
      nouns.add(Domains.from(conf).require(domain).noun());
    }
    model = Backbone.plan(exp.getConfig("model"), out, synthRaw, nouns, hadoop, log);
    if (model.step() != null) {
      steps.add(model.step());
    }
  }

  private Map<String, Object> modelSettings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", model.path());
    m.put("tokenizer", model.tokenizer() == null ? "" : model.tokenizer());
    m.put("name", model.name());
    m.put("precision", Precision.configured(conf));
    return m;
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
    TallRecConf tune = conf.overlay(TuneSettings.SECTION, a.getConfig("tune"));
    TuneSettings alpacaSettings = TuneSettings.from(tune);
    Path adapter = new Path(out, "tune/alpaca");
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("model", modelSettings());
    settings.put("tune", tune.section(TuneSettings.SECTION).root().unwrapped());
    List<Path> upstream = new ArrayList<>(model.upstream());
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
    steps.add(new Step(Stage.ALPACA, "alpaca tuning on " + label, adapter, Step.json(settings),
        upstream, raw, Step.Body.resumable((cfg, forced) -> tune("alpaca", List.of(trainFile),
            valid.isBlank() ? List.of() : List.of(valid), adapter, null, alpacaSettings, cfg, forced))));
    return adapter;
  }

  private void planRecTuning(String variant, Path alpaca) {
    Config rec = exp.getConfig("rec-tuning");
    for (List<String> train : trainDomainSets(rec)) {
      String trainLabel = String.join("+", train);
      for (int k : rec.getIntList("k")) {
        for (int seed : rec.getIntList("seeds")) {
          // The K-shot draw and the tuning (shuffle, LoRA init, dropout) both follow the seed, as in the reference.
          TallRecConf tune = conf.overlay(TuneSettings.SECTION, rec.getConfig("tune")
              .withValue(TuneSettings.SEED, ConfigValueFactory.fromAnyRef(seed)));
          TuneSettings tuneSettings = TuneSettings.from(tune);
          Path adapter = new Path(out, "tune/" + variant + "/" + trainLabel + "/k" + k + "/seed" + seed);
          List<String> trainPaths = new ArrayList<>();
          List<String> validPaths = new ArrayList<>();
          List<Path> upstream = new ArrayList<>(model.upstream());
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
          settings.put("tune", tune.section(TuneSettings.SECTION).root().unwrapped());
          String label = variant + " train=" + trainLabel + " K=" + k + " seed=" + seed;
          steps.add(new Step(Stage.TUNE, label, adapter, Step.json(settings), upstream, List.of(),
              Step.Body.resumable((cfg, forced) -> tune("rec", trainPaths, validPaths, adapter, alpaca, tuneSettings,
                  cfg, forced)), content));
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
  private void tune(String stage, List<String> train, List<String> valid, Path adapter, Path init,
      TuneSettings settings, String cfg, boolean forced) {
    Tuning.Request q = Tuning.Request.builder(stage, model.path(), settings, adapter.toString())
        .tokenizer(model.tokenizer()).data(train, valid).init(init == null ? null : init.toString())
        .checkpoints(workDir(adapter), forced ? Trainer.Resume.NEVER : Trainer.Resume.IF_MATCHING)
        .nouns(nouns()).configJson(cfg).precision(Precision.configured(conf)).build();
    Tuning.Outcome o = Tuning.run(spark, q, log);
    log.printf("      %d steps%s, best %s %.4f at step %d (untuned %.4f), %.1f s%n", o.result().steps(),
        o.result().stoppedEarly() ? " (early stop)" : "", "rec".equals(stage) ? "valid AUC" : "held-out loss",
        o.result().bestMetric(), o.result().bestStep(), o.initialMetric(), o.result().seconds());
  }

  /** Checkpoints of a tuning step live beside the experiment, not beside the adapter (which is committed atomically). */
  private String workDir(Path adapter) {
    String rel = adapter.toString().substring(out.toString().length()).replaceAll("^/+", "").replace('/', '_');
    return Backbone.localPath(new Path(out, "work/" + rel));
  }

  /** Scores one adapter (or the base model) on the evaluation splits of the given datasets. */
  private void planScores(String variant, Path adapter, String trainLabel, int k, int seed, List<Path> tuned,
      List<String> on) {
    TallRecConf scoreConf = conf.overlay(Scoring.SECTION, exp.getConfig("score"));
    Scoring.Selection selection = Scoring.Selection.from(scoreConf);
    Scoring.Settings s = Scoring.Settings.builder(model.path()).tokenizer(model.tokenizer()).scoring(scoreConf)
        .label(model.name(), variant, trainLabel, k, seed).adapter(adapter == null ? null : adapter.toString())
        .build();
    for (String d : on) {
      Path samples = new Path(out, "data/" + d + "/samples");
      Path scores = new Path(out, "scores/" + variant + "/" + trainLabel + "/k" + k + "/seed" + seed + "/" + d);
      List<Path> upstream = new ArrayList<>(tuned);
      upstream.addAll(model.upstream());
      Map<String, Object> settings = new LinkedHashMap<>();
      settings.put("model", modelSettings());
      settings.put("variant", variant);
      // Less cpu-parallelism, which changes how fast the scores come, not what they are.
      settings.put("score", scoreConf.section(Scoring.SECTION).withoutPath(Scoring.CPU_PARALLELISM).root().unwrapped());
      steps.add(new Step(Stage.SCORE, variant + " train=" + trainLabel + " K=" + k + " seed=" + seed + " on " + d,
          scores, Step.json(settings), upstream, List.of(), cfg -> {
            Dataset<Row> rows = selection.read(spark, samples.toString(), domains.get(d));
            Scoring.Result r = Scoring.run(spark, rows, samples.toString(), scores, s, nouns(), cfg);
            log.printf("      %,d scores; rows per executor %s%s%n", r.rows(), r.rowsByExecutor(),
                r.skippedTooLong().isEmpty() ? "" : "; skipped as too long: " + r.skippedTooLong().size());
          }, List.of(() -> ContentKey.of(spark, samples.toString(), selection.splits()))));
      scoreOutputs.add(scores);
    }
  }

  private Map<String, String> nouns() {
    return Domains.from(conf).nouns();
  }

  // ---- baselines and evaluation ----

  /**
   * {@code tallrec.baselines} with the experiment's {@code baselines} over it; K and seeds default to
   * rec-tuning's, so the baselines see the same K-shot sets unless the experiment says otherwise.
   */
  private TallRecConf baselinesConf() {
    Config b = exp.getConfig("baselines").withoutPath("enabled");
    Config rec = exp.getConfig("rec-tuning");
    if (!exp.hasPath("baselines.k")) {
      b = b.withValue(Baselines.Settings.K, ConfigValueFactory.fromIterable(rec.getIntList("k")));
    }
    if (!exp.hasPath("baselines.seeds")) {
      b = b.withValue(Baselines.Settings.SEEDS, ConfigValueFactory.fromIterable(rec.getIntList("seeds")));
    }
    return conf.overlay(Baselines.Settings.SECTION, b);
  }

  /** Resolved while planning, so that an unknown name fails before anything runs. */
  private Baselines.Settings baselineSettings() {
    return Baselines.Settings.from(baselinesConf());
  }

  private void planBaselines(String d) {
    TallRecConf b = baselinesConf();
    Baselines.Settings settings = Baselines.Settings.from(b);
    Path samples = new Path(out, "data/" + d + "/samples");
    Path dir = new Path(out, "baselines/" + d);
    steps.add(new Step(Stage.BASELINES, d + ": " + String.join(", ", settings.names()), new Path(dir, "scores"),
        Step.json(baselinesKey(b)), List.of(samples, new Path(out, "data/" + d + "/kshot")), List.of(),
        cfg -> Baselines.run(spark, samples, dir, settings, cfg, line -> log.println("    " + line))));
    scoreOutputs.add(new Path(dir, "scores"));
  }

  /**
   * What the baselines' run key covers: their section and the prompt nouns (icl renders prompts with
   * them), less {@code parallel-fits}, which changes how fast the scores come, not what they are.
   */
  private static Config baselinesKey(TallRecConf b) {
    return b.section(Baselines.Settings.SECTION).withoutPath(Baselines.Settings.PARALLEL_FITS)
        .withValue("domains", b.section("domains").root());
  }

  private void planEvaluate() {
    if (scoreOutputs.isEmpty()) {
      throw new IllegalArgumentException("the experiment scores nothing: set experiment.rec-tuning.variants or"
          + " experiment.baselines.enabled = true");
    }
    Evaluate.Settings settings = Evaluate.Settings.from(conf);
    List<Path> inputs = List.copyOf(scoreOutputs);
    steps.add(new Step(Stage.EVALUATE, "AUC of " + inputs.size() + " scores datasets", metricsPath(),
        Step.json(conf.section(Evaluate.Settings.SECTION)), inputs, List.of(),
        cfg -> Evaluate.run(spark, inputs, evaluationDir(), settings, cfg)));
  }

  /** The report of this experiment (Markdown, charts, CSV) from its metrics and everything under out. */
  private void planReport() {
    String where = exp.getString("report-dir");
    Path dir = where.isBlank() ? new Path(evaluationDir(), "report") : new Path(where);
    Report.Settings reportSettings = Report.Settings.from(conf);
    String title = "TALLRec experiment " + name() + " (backbone: " + backbone() + ")";
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("report", conf.section(Report.Settings.SECTION).root().unwrapped());
    settings.put("title", title);
    steps.add(new Step(Stage.REPORT, "Markdown, charts and CSV", dir, Step.json(settings), List.of(metricsPath()),
        List.of(), cfg -> {
          Report.run(spark, new Report.Request(List.of(metricsPath().toString()),
              List.of(out.toString()), dir.toString(), title), reportSettings);
          // The report writes plain files; its manifest marks it complete for the next run.
          new Manifest("report").inputDataset("metrics", metricsPath(), hadoop).config(cfg).write(dir, hadoop);
          log.printf("      %s/README.md%n", dir);
        }));
  }
}
