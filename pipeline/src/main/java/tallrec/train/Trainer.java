package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import tallrec.llm.DtypeCasts;
import tallrec.llm.GradMode;
import tallrec.llm.LlamaModel;
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
    /** Domain (or source) of each training example, parallel to the training list; null = one group. */
    public List<String> groups;
    public PrintStream progress = System.err;
    /** Called after every optimizer step, after the log, the progress line and the checkpoint, in order. */
    public List<TrainingListener> listeners = new ArrayList<>();

    public Options listener(TrainingListener l) {
      this.listeners.add(l);
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

    public Options progress(PrintStream p) {
      this.progress = p;
      return this;
    }
  }

  /** What a run did. */
  public record Result(int steps, int totalSteps, int bestStep, double bestMetric, boolean stoppedEarly,
      List<Double> losses, double seconds, long tokens, int resumedFrom) implements Serializable {

    public Result {
      losses = new ArrayList<>(losses);
    }
  }

  public static final String LOG_FILE = TrainLog.FILE;

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
  static final class State {
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
      List<TrainingListener> listeners = start(st, opt, total);
      int resumedFrom = st.step > 0 ? st.step : -1;
      EarlyStopping stopping = validator == null ? null : new EarlyStopping(validator.higherIsBetter(), s.patience());
      int[] order = null;
      int orderEpoch = -1;
      long runStart = System.nanoTime();
      double elapsedBefore = st.elapsed;
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
        Map<String, Integer> stepGroups = new TreeMap<>();
        if (o.groups != null) {
          for (int i = from; i < to; i++) {
            stepGroups.merge(o.groups.get(order[i]), 1, Integer::sum);
          }
        }
        double[] lossAndNorm = new double[2];
        long stepTokens = accumulate(st, opt, order, from, to, lossAndNorm);
        double lossSum = lossAndNorm[0];
        double norm = lossAndNorm[1];
        double lossScale = st.scaler.scale();
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
          stopping.observe(st, metric, adapter);
        }
        st.elapsed = elapsedBefore + (System.nanoTime() - runStart) / 1e9;
        TrainingListener.Step event = new TrainingListener.Step(st.step, total, epoch, lossSum, lr, norm, stepTokens,
            stepSeconds, st.elapsed, metric, st.best, st.bestStep, st.stopped, stepGroups,
            st.scaler.enabled() ? st.scaler.scale() : null, adapter);
        for (TrainingListener l : listeners) {
          l.onStep(event);
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

  /**
   * Resumes {@code st} from the work directory's checkpoint when {@link Options#resume} allows, and
   * returns the step listeners in their order: the log, the progress line, checkpoints (those with a
   * work directory), then the caller's.
   */
  private List<TrainingListener> start(State st, AdamW opt, int total) throws IOException {
    List<TrainingListener> listeners = new ArrayList<>();
    TrainerCheckpoint checkpoint = null;
    if (o.workDir != null) {
      TrainLog log = new TrainLog(o.workDir, validator);
      checkpoint = new TrainerCheckpoint(o.workDir, adapter, train.size(), s.toString(), o.runKey, s.checkpointEvery())
          .of(st, opt);
      if (resumable(checkpoint)) {
        checkpoint.load(st, opt);
        log.truncate(st.step);
        o.progress.printf("resuming from step %d of %d (%s)%n", st.step, total, checkpoint.dir());
      } else {
        log.restart();
      }
      listeners.add(log);
    }
    listeners.add(new ProgressPrinter(o.progress, validator));
    if (checkpoint != null) {
      listeners.add(checkpoint);
    }
    listeners.addAll(o.listeners);
    return listeners;
  }

  /**
   * Whether to continue from the checkpoint in the work directory, as {@link Options#resume} says:
   * never; or only from one of this run (strictly: another run's is an error; if matching: it is
   * deleted with the reason printed, and the run starts over).
   */
  private boolean resumable(TrainerCheckpoint c) throws IOException {
    if (o.resume == Resume.NEVER || !Files.isDirectory(c.dir())) {
      return false;
    }
    String other = c.otherRun();
    if (other == null) {
      return true;
    }
    if (o.resume == Resume.STRICT) {
      throw new IllegalArgumentException("checkpoint " + c.dir() + " belongs to another run (" + other
          + "); remove it or run without --resume");
    }
    o.progress.printf("not resuming from %s: %s; starting over%n", c.dir(), other);
    TrainerCheckpoint.deleteTree(c.dir());
    return false;
  }

  /**
   * One step's forward and backward passes over its micro-batches (examples {@code from..to} of
   * the epoch's {@code order}), gradients accumulating. Half weights: the loss is scaled up for
   * backward (gradients through F16 activations would underflow) and the F32 gradients scaled down
   * again; an overflow redoes the step at a lower scale. Returns the tokens; {@code out} gets the
   * step's loss and its gradient norm.
   */
  private long accumulate(State st, AdamW opt, int[] order, int from, int to, double[] out) {
    int micro = (to - from + s.microBatch() - 1) / s.microBatch();
    NDManager root = adapter.manager();
    while (true) {
      double lossScale = st.scaler.scale();
      double lossSum = 0;
      long stepTokens = 0;
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
      double norm = opt.gradNorm() / lossScale;
      if (st.scaler.overflowed(norm)) {
        opt.zeroGradients();
        o.progress.printf("step %d: half-precision gradients overflowed at loss scale %.0f; redoing it at %.0f%n",
            st.step + 1, lossScale, st.scaler.scale());
        continue;
      }
      out[0] = lossSum;
      out[1] = norm;
      return stepTokens;
    }
  }
}
