package tallrec.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ExecutorResourceRequests;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;
import tallrec.llm.DtypeCasts;
import tallrec.llm.GradMode;
import tallrec.llm.LlamaCheckpoints;
import tallrec.lora.LoraAdapter;

/**
 * The {@code tune} stage: LoRA-tunes a LLaMA checkpoint on Alpaca data ({@code alpaca}, validation
 * metric held-out loss) or on TALLRec samples ({@code rec}, validation AUC, optional --init adapter
 * for AT→RT), and writes the best adapter in PEFT format, its training log and a manifest,
 * atomically.
 *
 * <p>The inputs are read through Spark on the driver (K-shot sets are tiny) and shipped to exactly
 * one Spark task, which trains and commits the output. On a cluster that task's stage carries a
 * stage-level resource profile (gpu = 1 per task and executor) and the task trains on the GPU
 * Spark assigned it ({@code TaskContext.resources()}); in local mode the same code path runs on
 * the CPU.
 */
public final class Tuning {

  public static final String STAGE = "tune";

  /**
   * What to tune. {@code workDir} null = {@code <out>.work} for a local out, else a temp dir;
   * {@code resume} says what to do with a checkpoint found there (the run key it compares is
   * {@code configJson}'s {@code run_key}, which {@code run} puts there). Built by {@link #builder}.
   */
  public record Request(String stage, String model, String tokenizer, List<String> train, List<String> valid,
      String out, String init, Trainer.Resume resume, String workDir, TuneSettings settings,
      Map<String, String> nouns, String configJson, String precision) implements Serializable {

    public Request {
      train = new ArrayList<>(train);
      valid = new ArrayList<>(valid);
      nouns = new LinkedHashMap<>(nouns);
    }

    /**
     * A request to tune {@code model} ({@code stage} rec or alpaca) with {@code settings}, writing
     * the adapter to {@code out}; the rest defaults to: the model directory's tokenizer, no data
     * (set {@link Builder#train}), no init adapter, {@link Trainer.Resume#NEVER}, the default work
     * directory, no prompt nouns, an empty config record and precision {@code auto}.
     */
    public static Builder builder(String stage, String model, TuneSettings settings, String out) {
      return new Builder(stage, model, settings, out);
    }

    /** {@code tune.device}: auto, cpu, gpu or gpu:N. */
    public String device() {
      return settings.device();
    }
  }

  /** Builds a {@link Request} by name. */
  public static final class Builder {
    private final String stage;
    private final String model;
    private final TuneSettings settings;
    private final String out;
    private String tokenizer;
    private List<String> train = List.of();
    private List<String> valid = List.of();
    private String init;
    private Trainer.Resume resume = Trainer.Resume.NEVER;
    private String workDir;
    private Map<String, String> nouns = Map.of();
    private String configJson = "{}";
    private String precision = "auto";

    private Builder(String stage, String model, TuneSettings settings, String out) {
      this.stage = stage;
      this.model = model;
      this.settings = settings;
      this.out = out;
    }

    /** The tokenizer file or directory; null = the model directory's own. */
    public Builder tokenizer(String t) {
      tokenizer = t;
      return this;
    }

    /** Training data (K-shot sample directories, or Alpaca JSON files) and validation data. */
    public Builder data(List<String> trainPaths, List<String> validPaths) {
      train = trainPaths;
      valid = validPaths;
      return this;
    }

    /** An adapter to start from (AT→RT: the alpaca adapter); null = fresh LoRA weights. */
    public Builder init(String adapter) {
      init = adapter;
      return this;
    }

    /** Where checkpoints go while training, and what to do with one found there. */
    public Builder checkpoints(String dir, Trainer.Resume r) {
      workDir = dir;
      resume = r;
      return this;
    }

    /** Prompt noun per domain, to render the samples' prompts. */
    public Builder nouns(Map<String, String> n) {
      nouns = n;
      return this;
    }

    /** What the output's manifest records as its config (for {@code run}: with its run key). */
    public Builder configJson(String json) {
      configJson = json;
      return this;
    }

    /** The base weights' precision ({@code tallrec.model.precision}). */
    public Builder precision(String p) {
      precision = p;
      return this;
    }

    public Request build() {
      return new Request(stage, model, tokenizer, train, valid, out, init, resume, workDir, settings, nouns,
          configJson, precision);
    }
  }

  /** What the stage did. */
  public record Outcome(Path out, Trainer.Result result, int trainExamples, int validExamples, int skipped,
      double initialMetric, long loraParameters) implements Serializable {}

  private Tuning() {}

  public static Outcome run(SparkSession spark, Request q, PrintStream progress) {
    if (!q.stage().equals("rec") && !q.stage().equals("alpaca")) {
      throw new IllegalArgumentException("--stage must be rec or alpaca, got '" + q.stage() + "'");
    }
    boolean rec = q.stage().equals("rec");
    TuneSettings s = q.settings();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<TuneData.Labeled> trainData = new ArrayList<>();
    for (String p : q.train()) {
      trainData.addAll(TuneData.read(spark, p, "train", q.nouns()));
    }
    List<TuneData.Labeled> validData = new ArrayList<>();
    for (String p : q.valid()) {
      validData.addAll(TuneData.read(spark, p, "valid", q.nouns()));
    }
    if (rec && validData.isEmpty()) {
      throw new IllegalArgumentException("--stage rec needs --valid (samples with a valid split) for early stopping");
    }
    TuneTaskInput in = new TuneTaskInput(q, trainData, validData, new SerializableConfiguration(conf));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Integer> one = jsc.parallelize(List.of(0), 1);
    boolean local = spark.sparkContext().master().startsWith("local");
    if (!local && !"cpu".equals(q.device())) {
      // One task holding one GPU: a stage-level profile asks the cluster manager for an executor
      // with a GPU for this stage only (scoring stages keep the default profile).
      one = one.withResources(gpuProfile());
    }
    spark.sparkContext().setJobDescription("tune " + q.stage() + " -> " + q.out());
    progress.printf("tune %s: %d training and %d validation samples read; training in one Spark task%s%n", q.stage(),
        trainData.size(), validData.size(), local ? " (local: CPU unless --device says otherwise)" : " with gpu=1");
    List<Outcome> r = one.map(i -> trainInTask(in)).collect();
    return r.get(0);
  }

  /** What the single training task needs; shipped with the task (K-shot sets are small). */
  record TuneTaskInput(Request q, List<TuneData.Labeled> train, List<TuneData.Labeled> valid,
      SerializableConfiguration conf) implements Serializable {}

  /** The stage-level resource profile of the tuning stage: 1 GPU per task and per executor. */
  public static ResourceProfile gpuProfile() {
    ExecutorResourceRequests er = new ExecutorResourceRequests().resource("gpu", 1, "", "");
    TaskResourceRequests tr = new TaskResourceRequests().cpus(1).resource("gpu", 1.0);
    return new ResourceProfileBuilder().require(er).require(tr).build();
  }

  /** The device for this task: the GPU Spark assigned to it, else what the request says. */
  static String taskDevice(String requested) {
    TaskContext tc = TaskContext.get();
    if (tc != null && !"cpu".equals(requested) && tc.resourcesJMap().containsKey("gpu")) {
      String[] addresses = tc.resourcesJMap().get("gpu").addresses();
      if (addresses.length > 0) {
        return "gpu:" + addresses[0];
      }
    }
    return requested;
  }

  static Outcome trainInTask(TuneTaskInput in) {
    Request q = in.q();
    String device = taskDevice(q.device());
    System.err.printf("tune task: device %s%n", device == null ? "auto" : device);
    return train(q, in.train(), in.valid(), in.conf().value(), device, System.err);
  }

  /** Trains and commits in this process (the Spark task, or any caller that has the data). */
  public static Outcome train(Request q, List<TuneData.Labeled> trainData, List<TuneData.Labeled> validData,
      Configuration conf, String deviceName, PrintStream progress) {
    return train(q, trainData, validData, conf, deviceName, progress, null);
  }

  /** As above; {@code listener}, when not null, sees every optimizer step (fidelity tests take A/B there). */
  public static Outcome train(Request q, List<TuneData.Labeled> trainData, List<TuneData.Labeled> validData,
      Configuration conf, String deviceName, PrintStream progress, TrainingListener listener) {
    boolean rec = q.stage().equals("rec");
    TuneSettings s = q.settings();
    GradMode.off();
    java.nio.file.Path work = workDir(q);
    try (NDManager root = NDManager.newBaseManager(device(deviceName))) {
      LlamaCheckpoints.Options lo = new LlamaCheckpoints.Options().precision(q.precision());
      if (q.tokenizer() != null) {
        lo.tokenizer(Paths.get(q.tokenizer()));
      }
      LlamaCheckpoints.Loaded loaded = LlamaCheckpoints.load(localPath(q.model()), lo, root);
      int cutoff = Math.min(s.cutoffLen(), loaded.model.config().maxPositions);
      int[] skipped = {0};
      List<String> domains = new ArrayList<>();
      List<TrainExample> train = TuneData.examples(trainData, loaded.tokenizer, cutoff, skipped, domains,
          s.promptTemplate(), s.truncation());
      int pad = loaded.tokenizer.padId() >= 0 ? loaded.tokenizer.padId() : loaded.tokenizer.eosId();
      LoraAdapter adapter = q.init() != null
          ? LoraAdapter.load(loaded.model, localPath(q.init()))
          : LoraAdapter.attach(loaded.model, s.lora().withBaseModel(q.model()), s.seed());
      if (q.init() != null) {
        progress.printf("initialised from adapter %s (%s)%n", q.init(), adapter.config());
      }
      Validator validator;
      int validCount;
      if (rec) {
        validator = Validators.recAuc(validData, loaded.tokenizer,
            // cut-tail never shortens a prompt's history (the reference's validation does not
            // either): validation prompts get the model's whole context, as the score stage's do.
            s.truncation() == Truncation.CUT_TAIL ? loaded.model.config().maxPositions : cutoff, s.evalBatch(),
            s.promptTemplate(), s.validReferenceFp16());
        validCount = validData.size();
      } else {
        List<TrainExample> v = TuneData.examples(validData, loaded.tokenizer, cutoff, skipped, null,
            s.promptTemplate(), s.truncation());
        validator = v.isEmpty() ? null : Validators.heldOutLoss(v, s.trainOnInputs(), pad, s.evalBatch());
        validCount = v.size();
      }
      double initial = validator == null ? Double.NaN : validator.evaluate(loaded.model, adapter);
      progress.printf("base weights %s on %s%s%n", loaded.model.dataType(), root.getDevice(),
          DtypeCasts.isHalf(loaded.model.dataType())
              ? " (norms, softmax, logits, loss and LoRA in F32; dynamic loss scaling)" : "");
      progress.printf("tune %s: %d training examples (%d skipped: too long for cutoff %d), %d validation; LoRA %s,"
              + " %,d trainable parameters; untuned %s %.4f%n", q.stage(), train.size(), skipped[0], cutoff, validCount,
          adapter.config(), adapter.parameterCount(), validator == null ? "-" : validator.metric(), initial);
      Trainer.Options options = new Trainer.Options();
      if (listener != null) {
        options.listener(listener);
      }
      extraListeners().forEach(options::listener);
      Trainer trainer = new Trainer(loaded.model, adapter, train, validator, s, pad,
          options.workDir(work).resume(q.resume()).runKey(runKey(q.configJson())).progress(progress).groups(domains));
      Trainer.Result r = trainer.run();
      Map<String, Integer> trainedByDomain = trainer.examplesByGroup(r.steps());
      Map<String, Integer> trainByDomain = counts(domains);
      List<String> validDomains = new ArrayList<>();
      for (TuneData.Labeled l : validData) {
        validDomains.add(String.valueOf(l.domain()));
      }
      Map<String, Integer> validByDomain = counts(validDomains);
      if (trainByDomain.size() > 1 || validByDomain.size() > 1) {
        progress.printf("domains: training examples %s, trained on (with repeats) %s, validation %s%n", trainByDomain,
            trainedByDomain, validByDomain);
      }
      java.nio.file.Path local = work.resolve("adapter");
      TrainerCheckpoint.deleteTree(local);
      adapter.save(local);
      Files.copy(work.resolve(Trainer.LOG_FILE), local.resolve(Trainer.LOG_FILE));
      Path out = commit(conf, q, local, r, train.size(), validCount, adapter.parameterCount(), initial, trainByDomain,
          trainedByDomain, validByDomain);
      loaded.close();
      return new Outcome(out, r, train.size(), validCount, skipped[0], initial, adapter.parameterCount());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Integer> counts(List<String> keys) {
    Map<String, Integer> m = new TreeMap<>();
    for (String k : keys) {
      m.merge(k, 1, Integer::sum);
    }
    return m;
  }

  private static Path commit(Configuration conf, Request q, java.nio.file.Path local, Trainer.Result r, int trainN,
      int validN, long params, double initial, Map<String, Integer> trainByDomain, Map<String, Integer> trainedByDomain,
      Map<String, Integer> validByDomain) throws IOException {
    Path out = new Path(q.out());
    Path target = Fs.of(out, conf).makeQualified(out);
    try (StagedCommit commit = StagedCommit.begin(conf, target.getParent(), STAGE)) {
      Path staged = commit.staging(target.getName());
      FileSystem fs = Fs.of(staged, conf);
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), staged);
      Manifest m = new Manifest(STAGE).config(q.configJson())
          .property("stage", q.stage())
          .property("model", q.model())
          .property("init", q.init() == null ? "" : q.init())
          .property("precision", q.precision())
          .property("steps", Integer.toString(r.steps()))
          .property("best_step", Integer.toString(r.bestStep()))
          .property("best_metric", Double.toString(r.bestMetric()))
          .property("untuned_metric", Double.toString(initial))
          .property("stopped_early", Boolean.toString(r.stoppedEarly()))
          .property("lora_parameters", Long.toString(params))
          .property("trained_examples_by_domain", new Gson().toJson(trainedByDomain))
          .rows("train_examples", trainN)
          .rows("valid_examples", validN);
      // Per domain (the samples' domain column; a JSON file's name): the cross-domain study's inputs.
      trainByDomain.forEach((d, n) -> m.rows("train_examples:" + d, n));
      validByDomain.forEach((d, n) -> m.rows("valid_examples:" + d, n));
      for (String p : q.train()) {
        input(m, "train", p, conf);
      }
      for (String p : q.valid()) {
        input(m, "valid", p, conf);
      }
      commit.commit(m);
    }
    return target;
  }

  private static void input(Manifest m, String role, String p, Configuration conf) {
    Path path = new Path(p);
    if (p.endsWith(".json")) {
      m.inputFile(role + ":" + p, path, conf);
    } else {
      m.inputDataset(role + ":" + p, path, conf);
    }
  }

  /** The {@code run_key} a {@code run} stage puts into its config JSON; null when there is none. */
  static String runKey(String configJson) {
    try {
      JsonElement e = JsonParser.parseString(configJson);
      if (e.isJsonObject() && e.getAsJsonObject().has("run_key")) {
        return e.getAsJsonObject().get("run_key").getAsString();
      }
    } catch (RuntimeException notJson) {
      // A config that is not a JSON object has no run key.
    }
    return null;
  }

  /** The JVM system property naming extra listeners for every tuning run in this JVM. */
  public static final String EXTRA_LISTENERS = "tallrec-train.extra-listeners";

  /**
   * The listeners {@value #EXTRA_LISTENERS} names (class names, comma-separated, each with a public
   * no-argument constructor), added to every tuning run in this JVM, as Spark's
   * {@code spark.extraListeners}: how an operator attaches a metrics exporter, and how a test ends a
   * child JVM at a chosen step (TuneCommandTest). Named outside "tallrec.", where system properties
   * become settings (TallRecConf) and would change the run key of the very stage it watches.
   */
  static List<TrainingListener> extraListeners() {
    List<TrainingListener> out = new ArrayList<>();
    String names = System.getProperty(EXTRA_LISTENERS, "").trim();
    for (String name : names.isEmpty() ? new String[0] : names.split(",")) {
      try {
        Object l = Class.forName(name.trim()).getConstructor().newInstance();
        if (!(l instanceof TrainingListener t)) {
          throw new IllegalArgumentException(EXTRA_LISTENERS + ": " + name.trim() + " is not a " + TrainingListener.class.getName());
        }
        out.add(t);
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException(EXTRA_LISTENERS + ": cannot make a " + name.trim() + " (" + e + ")", e);
      }
    }
    return out;
  }

  static java.nio.file.Path workDir(Request q) {
    if (q.workDir() != null) {
      return Paths.get(q.workDir());
    }
    String out = q.out();
    if (out.startsWith("file:")) {
      return Paths.get(URI.create(out + ".work"));
    }
    if (!out.contains("://")) {
      return Paths.get(out + ".work");
    }
    return Paths.get(System.getProperty("java.io.tmpdir"), "tallrec-tune-" + Integer.toHexString(out.hashCode()));
  }

  /** cpu, gpu, gpu:N or auto (the engine's default device). */
  public static Device device(String name) {
    if (name == null || name.isEmpty() || name.equals("auto")) {
      return null;
    }
    if (name.equals("cpu")) {
      return Device.cpu();
    }
    if (name.equals("gpu") || name.equals("cuda")) {
      return Device.gpu();
    }
    if (name.startsWith("gpu:") || name.startsWith("cuda:")) {
      return Device.gpu(Integer.parseInt(name.substring(name.indexOf(':') + 1)));
    }
    throw new IllegalArgumentException("unknown device '" + name + "' (cpu, gpu, gpu:N, auto)");
  }

  static java.nio.file.Path localPath(String p) {
    return p.startsWith("file:") ? Paths.get(URI.create(p)) : Paths.get(p);
  }
}
