package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import tallrec.llm.DtypeCasts;
import tallrec.llm.GradMode;
import tallrec.llm.LlamaModel;
import tallrec.llm.SafetensorsFile;
import tallrec.llm.SafetensorsWriter;
import tallrec.lora.InPlace;
import tallrec.lora.LoraAdapter;

/**
 * The LoRA training loop (alpaca-lora / TALLRec's HF Trainer setup, in NDArray code): per step one
 * batch of examples (shuffled per epoch from the seed), split into micro-batches whose gradients
 * accumulate (each micro-batch's mean token loss divided as {@link LossDivisor} says), optional global-norm
 * clipping, PyTorch AdamW with a linear warm-up/decay schedule; validation every few steps with
 * early stopping, and the best adapter restored at the end.
 *
 * <p>Repeatable: the shuffle of epoch e and the dropout masks of step s are functions of the seed,
 * e and s only, so a run resumed from a checkpoint takes exactly the steps an uninterrupted run
 * takes (CPU torch kernels are deterministic at fixed thread counts).
 */
public final class Trainer {

  /** What a run does with a checkpoint it finds in its work directory. */
  public enum Resume {
    /** Start over; the checkpoint is overwritten ({@code tune} without {@code --resume}, {@code run --force}). */
    NEVER,
    /** Continue from it, and fail when it belongs to another run ({@code tune --resume}). */
    STRICT,
    /**
     * Continue from it when it was written for this run (same run key, examples and settings);
     * otherwise say why and start over ({@code run}, whose stage keys say what "this run" is).
     */
    IF_MATCHING
  }

  /** Where checkpoints and the log go, and run controls. */
  public static final class Options {
    public Path workDir;
    public Resume resume = Resume.NEVER;
    /** The stage's run key, recorded in each checkpoint and compared on {@link Resume#IF_MATCHING}; null = none. */
    public String runKey;
    /** Test hook: throw {@link SimulatedCrash} right after step N (and its checkpoint). */
    public int crashAfterStep = -1;
    /**
     * Test hook: end the JVM abruptly ({@code Runtime.halt(137)}: no finally blocks, no shutdown
     * hooks, as {@code kill -9}) right after step N and its checkpoint, if any.
     */
    public int haltAfterStep = -1;
    /** Domain (or source) of each training example, parallel to the training list; null = one group. */
    public List<String> groups;
    public PrintStream progress = System.err;
    /** Called after every optimizer step, in order (DJL EasyTrain's TrainingListener, reduced to what we need). */
    public List<StepListener> listeners = new ArrayList<>();

    public Options listener(StepListener l) {
      this.listeners.add(l);
      return this;
    }

    public Options haltAfterStep(int s) {
      this.haltAfterStep = s;
      return this;
    }

    public Options groups(List<String> g) {
      this.groups = g == null ? null : List.copyOf(g);
      return this;
    }

    public Options workDir(Path p) {
      this.workDir = p;
      return this;
    }

    /** {@code true}: {@link Resume#STRICT}; {@code false}: {@link Resume#NEVER}. */
    public Options resume(boolean b) {
      return resume(b ? Resume.STRICT : Resume.NEVER);
    }

    public Options resume(Resume r) {
      this.resume = r;
      return this;
    }

    public Options runKey(String key) {
      this.runKey = key;
      return this;
    }

    public Options crashAfterStep(int s) {
      this.crashAfterStep = s;
      return this;
    }

    public Options progress(PrintStream p) {
      this.progress = p;
      return this;
    }
  }

  /**
   * Sees each optimizer step as it completes: the step (1-based), its logged values and the adapter
   * as the step left it (read it, do not train it). Fidelity tests take the LoRA tensors here.
   */
  @FunctionalInterface
  public interface StepListener {
    void afterStep(int step, double loss, double gradNorm, double lr, LoraAdapter adapter);
  }

  /** Thrown by the {@link Options#crashAfterStep} hook, as a kill would end the process. */
  public static final class SimulatedCrash extends RuntimeException {
    /** Step losses up to the crash. */
    public final List<Double> losses;

    SimulatedCrash(int step, List<Double> losses) {
      super("simulated crash after step " + step);
      this.losses = List.copyOf(losses);
    }
  }

  /** What a run did. */
  public record Result(int steps, int totalSteps, int bestStep, double bestMetric, boolean stoppedEarly,
      List<Double> losses, double seconds, long tokens, int resumedFrom) implements Serializable {

    public Result {
      losses = new ArrayList<>(losses);
    }
  }

  public static final String LOG_FILE = "train_log.jsonl";
  static final String CHECKPOINT = "checkpoint";

  private final LlamaModel model;
  private final LoraAdapter adapter;
  private final List<TrainExample> train;
  private final Validator validator;
  private final TuneSettings s;
  private final int padId;
  private final Options o;

  public Trainer(LlamaModel model, LoraAdapter adapter, List<TrainExample> train, Validator validator,
      TuneSettings settings, int padId, Options options) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no training examples");
    }
    if (options.groups != null && options.groups.size() != train.size()) {
      throw new IllegalArgumentException("groups (" + options.groups.size() + ") must parallel the training examples ("
          + train.size() + ")");
    }
    this.model = model;
    this.adapter = adapter;
    this.train = train;
    this.validator = validator;
    this.s = settings;
    this.padId = padId;
    this.o = options;
  }

  /** Mutable run state (what a checkpoint holds besides the arrays). */
  private static final class State {
    int step;
    double best = Double.NaN;
    int bestStep = -1;
    int sinceBest;
    boolean stopped;
    double elapsed;
    long tokens;
    List<double[]> bestValues;
    List<Double> losses = new ArrayList<>();
    LossScaler scaler;
  }

  public Result run() {
    int n = train.size();
    int spe = s.stepsPerEpoch(n);
    int total = s.totalSteps(n);
    int evalEvery = s.evalEvery(n);
    LrSchedule schedule = new LrSchedule(s.lr(), s.warmupSteps(), total);
    NDManager root = adapter.manager();
    // This thread may be new to torch (a Spark task): autograd only inside the collectors.
    GradMode.off();
    AdamW opt = new AdamW(adapter.parameters(), root, s.beta1(), s.beta2(), s.eps(), s.weightDecay());
    try {
      opt.zeroGradients();
      State st = new State();
      st.scaler = new LossScaler(DtypeCasts.isHalf(model.dataType()));
      int resumedFrom = -1;
      Path ckpt = o.workDir == null ? null : o.workDir.resolve(CHECKPOINT);
      boolean resuming = false;
      if (o.resume != Resume.NEVER && ckpt != null && Files.isDirectory(ckpt)) {
        String other = otherRun(ckpt);
        if (other == null) {
          resuming = true;
        } else if (o.resume == Resume.STRICT) {
          throw new IllegalArgumentException("checkpoint " + ckpt + " belongs to another run (" + other
              + "); remove it or run without --resume");
        } else {
          o.progress.printf("not resuming from %s: %s; starting over%n", ckpt, other);
          deleteTree(ckpt);
        }
      }
      if (resuming) {
        load(ckpt, st, opt);
        resumedFrom = st.step;
        truncateLog(st.step);
        o.progress.printf("resuming from step %d of %d (%s)%n", st.step, total, ckpt);
      } else if (o.workDir != null) {
        Files.createDirectories(o.workDir);
        Files.deleteIfExists(o.workDir.resolve(LOG_FILE));
      }
      int[] order = null;
      int orderEpoch = -1;
      long runStart = System.nanoTime();
      double elapsedBefore = st.elapsed;
      int firstStep = st.step;
      while (st.step < total && !st.stopped) {
        long t0 = System.nanoTime();
        int epoch = st.step / spe;
        int pos = st.step % spe;
        if (epoch != orderEpoch) {
          order = permutation(n, s.seed(), epoch);
          orderEpoch = epoch;
        }
        int from = pos * s.batch();
        int to = Math.min(n, from + s.batch());
        int micro = (to - from + s.microBatch() - 1) / s.microBatch();
        double lossSum = 0;
        long stepTokens = 0;
        Map<String, Integer> stepGroups = new TreeMap<>();
        if (o.groups != null) {
          for (int i = from; i < to; i++) {
            stepGroups.merge(o.groups.get(order[i]), 1, Integer::sum);
          }
        }
        double norm;
        double lossScale;
        do {
          // Half weights: the loss is scaled up for backward (gradients through F16 activations would
          // underflow) and the F32 gradients scaled down again; an overflow redoes the step lower.
          lossScale = st.scaler.scale();
          lossSum = 0;
          stepTokens = 0;
          adapter.train(true);
          for (int j = 0; j < micro; j++) {
            List<TrainExample> chunk = new ArrayList<>();
            for (int i = from + j * s.microBatch(); i < Math.min(to, from + (j + 1) * s.microBatch()); i++) {
              chunk.add(train.get(order[i]));
            }
            try (NDManager scope = root.getParentManager().newSubManager()) {
              double divisor = s.lossDivisor().divisor(micro, s.batch(), s.microBatch());
              CausalLmLoss.Result r = CausalLmLoss.forwardBackward(model, scope, chunk, s.trainOnInputs(), padId,
                  lossScale / divisor, s.activationCheckpointing(), dropoutSeed(s.seed(), st.step, j));
              lossSum += r.lossValue() / lossScale;
              stepTokens += r.tokens();
            }
          }
          adapter.train(false);
          norm = opt.gradNorm() / lossScale;
          if (st.scaler.overflowed(norm)) {
            opt.zeroGradients();
            o.progress.printf("step %d: half-precision gradients overflowed at loss scale %.0f; redoing it at %.0f%n",
                st.step + 1, lossScale, st.scaler.scale());
            continue;
          }
          break;
        } while (true);
        double lr = schedule.at(st.step);
        double scale = s.maxGradNorm() > 0 && norm > s.maxGradNorm() ? s.maxGradNorm() / (norm + 1e-6) : 1.0;
        opt.step(lr, scale / lossScale);
        st.scaler.stepped();
        st.step++;
        st.tokens += stepTokens;
        st.losses.add(lossSum);
        double stepSeconds = (System.nanoTime() - t0) / 1e9;
        Double metric = null;
        if (validator != null && (st.step % evalEvery == 0 || st.step == total)) {
          metric = validator.evaluate(model, adapter);
          boolean better = Double.isNaN(st.best)
              || (validator.higherIsBetter() ? metric > st.best : metric < st.best);
          if (better) {
            st.best = metric;
            st.bestStep = st.step;
            st.bestValues = adapter.snapshot();
            st.sinceBest = 0;
          } else {
            st.sinceBest++;
            if (s.patience() > 0 && st.sinceBest >= s.patience()) {
              st.stopped = true;
            }
          }
        }
        st.elapsed = elapsedBefore + (System.nanoTime() - runStart) / 1e9;
        log(st, epoch, lossSum, lr, norm, stepTokens / stepSeconds, metric, stepSeconds, stepGroups);
        for (StepListener l : o.listeners) {
          l.afterStep(st.step, lossSum, norm, lr, adapter);
        }
        progress(st, total, epoch, lossSum, lr, stepTokens / stepSeconds, metric, firstStep);
        boolean last = st.step >= total || st.stopped;
        if (ckpt != null && ((s.checkpointEvery() > 0 && st.step % s.checkpointEvery() == 0) || last)) {
          save(ckpt, st, opt);
        }
        if (st.step == o.crashAfterStep) {
          throw new SimulatedCrash(st.step, st.losses);
        }
        if (st.step == o.haltAfterStep) {
          o.progress.printf("halting the JVM after step %d (test hook)%n", st.step);
          o.progress.flush();
          Runtime.getRuntime().halt(137);
        }
      }
      if (st.bestValues != null) {
        adapter.restore(st.bestValues);
      }
      return new Result(st.step, total, st.bestStep, st.best, st.stopped, st.losses, st.elapsed, st.tokens, resumedFrom);
    } catch (IOException e) {
      throw new UncheckedIOException("tuning work directory " + o.workDir, e);
    } finally {
      adapter.train(false);
      opt.close();
    }
  }

  /**
   * How many examples of each group the first {@code steps} optimizer steps trained on (replays
   * the seeded per-epoch shuffles, so it holds for resumed runs too).
   */
  public Map<String, Integer> examplesByGroup(int steps) {
    Map<String, Integer> out = new TreeMap<>();
    if (o.groups == null) {
      return out;
    }
    int n = train.size();
    int spe = s.stepsPerEpoch(n);
    for (int step = 0; step < steps; step++) {
      int[] order = permutation(n, s.seed(), step / spe);
      int from = (step % spe) * s.batch();
      for (int i = from; i < Math.min(n, from + s.batch()); i++) {
        out.merge(o.groups.get(order[i]), 1, Integer::sum);
      }
    }
    return out;
  }

  static int[] permutation(int n, long seed, int epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    Random r = new Random(seed * 1_000_003L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  static int dropoutSeed(long seed, int step, int micro) {
    long h = seed * 0x9E3779B97F4A7C15L + step * 1_000_003L + micro;
    h ^= h >>> 31;
    return (int) (h & 0x7fffffff);
  }

  private void log(State st, int epoch, double loss, double lr, double norm, double tokPerSec, Double metric,
      double stepSeconds, Map<String, Integer> groups) throws IOException {
    if (o.workDir == null) {
      return;
    }
    JsonObject j = stepRecord(st.step, epoch, loss, lr, norm, tokPerSec, stepSeconds);
    if (st.scaler.enabled()) {
      j.addProperty("loss_scale", st.scaler.scale());
    }
    if (!groups.isEmpty()) {
      j.add("examples_by_domain", new Gson().toJsonTree(groups));
    }
    if (metric != null) {
      j.addProperty(validator.metric(), metric);
      Map<String, Double> byGroup = validator.lastByGroup();
      if (!byGroup.isEmpty()) {
        j.add(validator.metric() + "_by_domain", new Gson().toJsonTree(byGroup));
      }
      j.addProperty("best_" + validator.metric(), st.best);
      j.addProperty("best_step", st.bestStep);
    }
    appendLog(o.workDir.resolve(LOG_FILE), j, st.elapsed);
  }

  /** The fields every train_log.jsonl line starts with (LoRA tuning and pretraining alike). */
  static JsonObject stepRecord(int step, int epoch, double loss, double lr, double norm, double tokPerSec,
      double stepSeconds) {
    JsonObject j = new JsonObject();
    j.addProperty("step", step);
    j.addProperty("epoch", epoch);
    j.addProperty("loss", loss);
    j.addProperty("lr", lr);
    j.addProperty("grad_norm", norm);
    j.addProperty("tokens_per_s", Math.round(tokPerSec * 10) / 10.0);
    j.addProperty("step_s", Math.round(stepSeconds * 1000) / 1000.0);
    return j;
  }

  /** Ends a record with the elapsed time and appends it to {@code log} as one line. */
  static void appendLog(Path log, JsonObject record, double elapsedSeconds) throws IOException {
    record.addProperty("elapsed_s", Math.round(elapsedSeconds * 100) / 100.0);
    Files.writeString(log, new Gson().toJson(record) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private void progress(State st, int total, int epoch, double loss, double lr, double tokPerSec, Double metric,
      int firstStep) {
    double perStep = st.elapsed / Math.max(1, st.step);
    double eta = perStep * (total - st.step);
    o.progress.printf("step %d/%d epoch %d loss %.4f lr %.2e %.0f tok/s%s elapsed %s ETA %s%n", st.step, total,
        epoch, loss, lr, tokPerSec,
        metric == null ? "" : String.format(" %s %.4f (best %.4f @%d)", validator.metric(), metric, st.best, st.bestStep),
        hms(st.elapsed), st.stopped ? "0:00 (early stop)" : hms(eta));
  }

  static String hms(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }

  // ---- checkpoints -------------------------------------------------------------------------

  private void save(Path ckpt, State st, AdamW opt) throws IOException {
    Path tmp = ckpt.resolveSibling(CHECKPOINT + ".tmp");
    deleteTree(tmp);
    Files.createDirectories(tmp);
    SafetensorsWriter w = new SafetensorsWriter();
    List<NDArray> ps = adapter.parameters();
    List<double[]> values = adapter.snapshot();
    for (int i = 0; i < ps.size(); i++) {
      long[] shape = ps.get(i).getShape().getShape();
      w.add("param." + i, "F32", shape, toFloat(values.get(i)));
      w.add("adam_m." + i, "F32", shape, toFloat(values(opt.firstMoments().get(i))));
      w.add("adam_v." + i, "F32", shape, toFloat(values(opt.secondMoments().get(i))));
      if (st.bestValues != null) {
        w.add("best." + i, "F32", shape, toFloat(st.bestValues.get(i)));
      }
    }
    w.write(tmp.resolve("state.safetensors"));
    JsonObject j = new JsonObject();
    j.addProperty("step", st.step);
    j.addProperty("adam_steps", opt.steps());
    j.addProperty("best", Double.isNaN(st.best) ? null : st.best);
    j.addProperty("best_step", st.bestStep);
    j.addProperty("since_best", st.sinceBest);
    j.addProperty("stopped", st.stopped);
    j.addProperty("elapsed_s", st.elapsed);
    j.addProperty("tokens", st.tokens);
    j.addProperty("loss_scale", st.scaler.scale());
    j.addProperty("loss_scale_clean_steps", st.scaler.cleanSteps());
    j.addProperty("loss_scale_overflows", st.scaler.overflows());
    j.add("losses", new Gson().toJsonTree(st.losses));
    j.addProperty("examples", train.size());
    j.addProperty("settings", s.toString());
    if (o.runKey != null) {
      j.addProperty("run_key", o.runKey);
    }
    Files.writeString(tmp.resolve("state.json"), new Gson().toJson(j), StandardCharsets.UTF_8);
    Path old = ckpt.resolveSibling(CHECKPOINT + ".old");
    deleteTree(old);
    if (Files.exists(ckpt)) {
      Files.move(ckpt, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(tmp, ckpt, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(old);
  }

  /**
   * Why the checkpoint in {@code ckpt} is not this run's, or null when it is: a run may continue
   * only from a checkpoint of the same examples and settings, and (when the caller has one) the
   * same run key, which also covers the model, the data and the code version.
   */
  private String otherRun(Path ckpt) {
    JsonObject j;
    try {
      j = JsonParser.parseString(Files.readString(ckpt.resolve("state.json"), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      return "its state.json cannot be read: " + e.getMessage();
    }
    if (!Files.isRegularFile(ckpt.resolve("state.safetensors"))) {
      return "it has no state.safetensors";
    }
    if (o.runKey != null) {
      if (!j.has("run_key")) {
        return "it records no run key (written by `tune`, not by this stage)";
      }
      if (!j.get("run_key").getAsString().equals(o.runKey)) {
        return "it was written under another run key (the stage's settings, inputs or code version changed)";
      }
    }
    if (!j.has("examples") || j.get("examples").getAsInt() != train.size()) {
      return "it was written for " + (j.has("examples") ? j.get("examples").getAsInt() : "?")
          + " training examples, this run has " + train.size();
    }
    if (!j.has("settings") || !j.get("settings").getAsString().equals(s.toString())) {
      return "it was written with other tuning settings";
    }
    return null;
  }

  private void load(Path ckpt, State st, AdamW opt) throws IOException {
    JsonObject j = JsonParser.parseString(Files.readString(ckpt.resolve("state.json"), StandardCharsets.UTF_8))
        .getAsJsonObject();
    st.step = j.get("step").getAsInt();
    opt.setSteps(j.get("adam_steps").getAsInt());
    // Gson drops null members: a run without validation (alpaca) has no "best".
    st.best = !j.has("best") || j.get("best").isJsonNull() ? Double.NaN : j.get("best").getAsDouble();
    st.bestStep = j.get("best_step").getAsInt();
    st.sinceBest = j.get("since_best").getAsInt();
    st.stopped = j.get("stopped").getAsBoolean();
    st.elapsed = j.get("elapsed_s").getAsDouble();
    st.tokens = j.get("tokens").getAsLong();
    j.get("losses").getAsJsonArray().forEach(e -> st.losses.add(e.getAsDouble()));
    if (j.has("loss_scale")) {
      st.scaler.restore(j.get("loss_scale").getAsDouble(), j.get("loss_scale_clean_steps").getAsInt(),
          j.get("loss_scale_overflows").getAsInt());
    }
    List<NDArray> ps = adapter.parameters();
    List<double[]> params = new ArrayList<>();
    List<double[]> best = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(ckpt.resolve("state.safetensors"));
        NDManager scope = adapter.manager().newSubManager()) {
      for (int i = 0; i < ps.size(); i++) {
        long[] shape = ps.get(i).getShape().getShape();
        params.add(toDouble(f.load("param." + i, shape, scope).toFloatArray()));
        InPlace.copy(f.load("adam_m." + i, shape, scope), opt.firstMoments().get(i));
        InPlace.copy(f.load("adam_v." + i, shape, scope), opt.secondMoments().get(i));
        if (f.tensors().containsKey("best." + i)) {
          best.add(toDouble(f.load("best." + i, shape, scope).toFloatArray()));
        }
      }
    }
    adapter.restore(params);
    st.bestValues = best.isEmpty() ? null : best;
  }

  private void truncateLog(int step) throws IOException {
    Path log = o.workDir.resolve(LOG_FILE);
    if (!Files.exists(log)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && JsonParser.parseString(line).getAsJsonObject().get("step").getAsInt() <= step) {
        keep.add(line);
      }
    }
    Files.write(log, keep, StandardCharsets.UTF_8);
  }

  private static double[] values(NDArray a) {
    try (NDArray d = a.toType(DataType.FLOAT64, true)) {
      return d.toDoubleArray();
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
