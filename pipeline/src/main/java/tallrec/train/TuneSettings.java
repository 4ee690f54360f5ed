package tallrec.train;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;
import tallrec.lora.LoraConfig;
import tallrec.prompt.AlpacaTemplate;

/**
 * Everything a tuning run depends on (the {@code tallrec.tune} block of reference.conf), built only
 * by {@link #from(TallRecConf)} or, in code that needs other values, a {@link Builder} that starts
 * from the library defaults.
 *
 * @param epochs passes over the training set (ignored when maxSteps > 0)
 * @param maxSteps optimizer steps; > 0 overrides epochs (as HF's max_steps)
 * @param batch examples per optimizer step (gradients accumulated over micro-batches)
 * @param microBatch examples per forward/backward
 * @param evalEvery evaluate every N steps; 0 = TALLRec's rule (10 when the training set has ≤ 128
 *     examples, else size / 128 * 5)
 * @param patience stop after this many evaluations without improvement; 0 = never
 * @param checkpointEvery write a resumable checkpoint every N steps; 0 = only at the end
 * @param maxGradNorm clip the global gradient norm to this; 0 = no clipping
 * @param activationCheckpointing recompute each decoder layer's forward during backward instead of
 *     keeping its activations (less memory, about one more forward of compute)
 * @param promptTemplate the Alpaca text the prompts are rendered in (training and validation)
 * @param truncation what a sequence longer than cutoffLen loses
 * @param lossDivisor what each micro-batch's loss is divided by before accumulation
 * @param validReferenceFp16 validation AUC ranks the reference's score (softmax over the
 *     full-vocabulary P(Yes), P(No)) instead of softmax(logit_yes, logit_no)
 * @param device auto, cpu, gpu or gpu:N (on a cluster, the GPU Spark assigned the task wins)
 * @param planGpuGib the device memory {@code tune --plan} checks a memory plan against
 */
public record TuneSettings(
    int epochs, int maxSteps, int batch, int microBatch, double lr, int warmupSteps, double weightDecay,
    double beta1, double beta2, double eps, double maxGradNorm, int cutoffLen, boolean trainOnInputs,
    long seed, int evalEvery, int patience, int checkpointEvery, int evalBatch, int loraR, double loraAlpha,
    double loraDropout, List<String> targets, boolean activationCheckpointing, AlpacaTemplate promptTemplate,
    Truncation truncation, LossDivisor lossDivisor, boolean validReferenceFp16, String device, double planGpuGib)
    implements Serializable {

  /** The section these settings are read from. */
  public static final String SECTION = "tune";

  // Keys of tallrec.tune; reference.conf documents each and holds its default.
  public static final String EPOCHS = "epochs";
  public static final String MAX_STEPS = "max-steps";
  public static final String BATCH = "batch";
  public static final String MICRO_BATCH = "micro-batch";
  public static final String LR = "lr";
  public static final String WARMUP_STEPS = "warmup-steps";
  public static final String WEIGHT_DECAY = "weight-decay";
  public static final String ADAM_BETA1 = "adam-beta1";
  public static final String ADAM_BETA2 = "adam-beta2";
  public static final String ADAM_EPS = "adam-eps";
  public static final String MAX_GRAD_NORM = "max-grad-norm";
  public static final String CUTOFF_LEN = "cutoff-len";
  public static final String TRAIN_ON_INPUTS = "train-on-inputs";
  public static final String SEED = "seed";
  public static final String EVAL_EVERY = "eval-every";
  public static final String PATIENCE = "patience";
  public static final String CHECKPOINT_EVERY = "checkpoint-every";
  public static final String EVAL_BATCH = "eval-batch";
  public static final String LORA_R = "lora-r";
  public static final String LORA_ALPHA = "lora-alpha";
  public static final String LORA_DROPOUT = "lora-dropout";
  public static final String TARGETS = "targets";
  public static final String ACTIVATION_CHECKPOINTING = "activation-checkpointing";
  public static final String PROMPT_TEMPLATE = "prompt-template";
  public static final String TRUNCATION = "truncation";
  public static final String LOSS_DIVISOR = "loss-divisor";
  public static final String VALID_REFERENCE_FP16 = "valid-reference-fp16";
  public static final String DEVICE = "device";
  public static final String PLAN_GPU_GIB = "plan-gpu-gib";

  public TuneSettings {
    if (batch <= 0 || microBatch <= 0 || microBatch > batch) {
      throw new IllegalArgumentException("tune." + MICRO_BATCH + " (" + microBatch + ") and tune." + BATCH + " ("
          + batch + "): need 0 < micro-batch <= batch");
    }
    if (epochs <= 0 && maxSteps <= 0) {
      throw new IllegalArgumentException("tune." + EPOCHS + " and tune." + MAX_STEPS + ": give epochs > 0 or"
          + " max-steps > 0");
    }
    if (cutoffLen < 8) {
      throw new IllegalArgumentException("tune." + CUTOFF_LEN + ": " + cutoffLen + " is too small (at least 8)");
    }
    if (!(lr > 0)) {
      throw new IllegalArgumentException("tune." + LR + ": must be positive, got " + lr);
    }
    targets = List.copyOf(targets);
    Objects.requireNonNull(promptTemplate, "promptTemplate");
    Objects.requireNonNull(truncation, "truncation");
    Objects.requireNonNull(lossDivisor, "lossDivisor");
    Objects.requireNonNull(device, "device");
  }

  /**
   * The {@code tallrec.tune} section of {@code conf} (for an experiment, its {@code tune} overrides
   * laid over it with {@link TallRecConf#overlay}); errors name the key and where it was set.
   */
  public static TuneSettings from(TallRecConf conf) {
    Section c = Section.of(conf, SECTION);
    Builder b = new Builder()
        .epochs(c.getInt(EPOCHS)).maxSteps(c.getInt(MAX_STEPS)).batch(c.getInt(BATCH)).microBatch(c.getInt(MICRO_BATCH))
        .lr(c.getDouble(LR)).warmupSteps(c.getInt(WARMUP_STEPS)).weightDecay(c.getDouble(WEIGHT_DECAY))
        .adam(c.getDouble(ADAM_BETA1), c.getDouble(ADAM_BETA2), c.getDouble(ADAM_EPS))
        .maxGradNorm(c.getDouble(MAX_GRAD_NORM)).cutoffLen(c.getInt(CUTOFF_LEN))
        .trainOnInputs(c.getBoolean(TRAIN_ON_INPUTS)).seed(c.getLong(SEED)).evalEvery(c.getInt(EVAL_EVERY))
        .patience(c.getInt(PATIENCE)).checkpointEvery(c.getInt(CHECKPOINT_EVERY)).evalBatch(c.getInt(EVAL_BATCH))
        .lora(c.getInt(LORA_R), c.getDouble(LORA_ALPHA), c.getDouble(LORA_DROPOUT), c.getStringList(TARGETS))
        .activationCheckpointing(c.getBoolean(ACTIVATION_CHECKPOINTING))
        .promptTemplate(c.get(PROMPT_TEMPLATE, AlpacaTemplate::named))
        .truncation(c.get(TRUNCATION, Truncation::named))
        .lossDivisor(c.get(LOSS_DIVISOR, LossDivisor::named))
        .validReferenceFp16(c.getBoolean(VALID_REFERENCE_FP16))
        .device(c.getString(DEVICE)).planGpuGib(c.getDouble(PLAN_GPU_GIB));
    if (b.microBatch > b.batch) {
      throw c.invalid(MICRO_BATCH, "more than " + c.key(BATCH) + " (" + b.batch + "); micro-batches split a batch");
    }
    if (b.epochs <= 0 && b.maxSteps <= 0) {
      throw c.invalid(EPOCHS, "give " + c.key(EPOCHS) + " > 0 or " + c.key(MAX_STEPS) + " > 0");
    }
    if (b.cutoffLen < 8) {
      throw c.invalid(CUTOFF_LEN, "too small to hold a prompt and its answer (at least 8)");
    }
    return b.build();
  }

  /** Library defaults (reference.conf's {@code tallrec.tune}), to change what a test or tool needs. */
  public static Builder builder() {
    return from(TallRecConf.defaults()).toBuilder();
  }

  public Builder toBuilder() {
    return new Builder().epochs(epochs).maxSteps(maxSteps).batch(batch).microBatch(microBatch).lr(lr)
        .warmupSteps(warmupSteps).weightDecay(weightDecay).adam(beta1, beta2, eps).maxGradNorm(maxGradNorm)
        .cutoffLen(cutoffLen).trainOnInputs(trainOnInputs).seed(seed).evalEvery(evalEvery).patience(patience)
        .checkpointEvery(checkpointEvery).evalBatch(evalBatch).lora(loraR, loraAlpha, loraDropout, targets)
        .activationCheckpointing(activationCheckpointing).promptTemplate(promptTemplate).truncation(truncation)
        .lossDivisor(lossDivisor).validReferenceFp16(validReferenceFp16).device(device).planGpuGib(planGpuGib);
  }

  /** Builds settings by name (as DJL's {@code EarlyStoppingListener.Builder}); start from {@link #builder()}. */
  public static final class Builder {
    private int epochs;
    private int maxSteps;
    private int batch;
    private int microBatch;
    private double lr;
    private int warmupSteps;
    private double weightDecay;
    private double beta1;
    private double beta2;
    private double eps;
    private double maxGradNorm;
    private int cutoffLen;
    private boolean trainOnInputs;
    private long seed;
    private int evalEvery;
    private int patience;
    private int checkpointEvery;
    private int evalBatch;
    private int loraR;
    private double loraAlpha;
    private double loraDropout;
    private List<String> targets = List.of();
    private boolean activationCheckpointing;
    private AlpacaTemplate promptTemplate;
    private Truncation truncation;
    private LossDivisor lossDivisor;
    private boolean validReferenceFp16;
    private String device;
    private double planGpuGib;

    private Builder() {}

    public Builder epochs(int n) {
      epochs = n;
      return this;
    }

    public Builder maxSteps(int n) {
      maxSteps = n;
      return this;
    }

    public Builder batch(int n) {
      batch = n;
      return this;
    }

    public Builder microBatch(int n) {
      microBatch = n;
      return this;
    }

    public Builder lr(double v) {
      lr = v;
      return this;
    }

    public Builder warmupSteps(int n) {
      warmupSteps = n;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** AdamW's beta1, beta2 and epsilon. */
    public Builder adam(double b1, double b2, double epsilon) {
      beta1 = b1;
      beta2 = b2;
      eps = epsilon;
      return this;
    }

    public Builder maxGradNorm(double v) {
      maxGradNorm = v;
      return this;
    }

    public Builder cutoffLen(int n) {
      cutoffLen = n;
      return this;
    }

    public Builder trainOnInputs(boolean on) {
      trainOnInputs = on;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public Builder evalEvery(int n) {
      evalEvery = n;
      return this;
    }

    public Builder patience(int n) {
      patience = n;
      return this;
    }

    public Builder checkpointEvery(int n) {
      checkpointEvery = n;
      return this;
    }

    public Builder evalBatch(int n) {
      evalBatch = n;
      return this;
    }

    /** LoRA rank, alpha, dropout and the projections it adapts. */
    public Builder lora(int r, double alpha, double dropout, List<String> on) {
      loraR = r;
      loraAlpha = alpha;
      loraDropout = dropout;
      targets = on;
      return this;
    }

    public Builder activationCheckpointing(boolean on) {
      activationCheckpointing = on;
      return this;
    }

    public Builder promptTemplate(AlpacaTemplate t) {
      promptTemplate = t;
      return this;
    }

    public Builder truncation(Truncation t) {
      truncation = t;
      return this;
    }

    public Builder lossDivisor(LossDivisor d) {
      lossDivisor = d;
      return this;
    }

    public Builder validReferenceFp16(boolean on) {
      validReferenceFp16 = on;
      return this;
    }

    public Builder device(String d) {
      device = d;
      return this;
    }

    public Builder planGpuGib(double gib) {
      planGpuGib = gib;
      return this;
    }

    public TuneSettings build() {
      return new TuneSettings(epochs, maxSteps, batch, microBatch, lr, warmupSteps, weightDecay, beta1, beta2, eps,
          maxGradNorm, cutoffLen, trainOnInputs, seed, evalEvery, patience, checkpointEvery, evalBatch, loraR,
          loraAlpha, loraDropout, targets, activationCheckpointing, promptTemplate, truncation, lossDivisor,
          validReferenceFp16, device, planGpuGib);
    }
  }

  public LoraConfig lora() {
    return new LoraConfig(loraR, loraAlpha, loraDropout, targets, "");
  }

  public int stepsPerEpoch(int examples) {
    return (examples + batch - 1) / batch;
  }

  public int totalSteps(int examples) {
    return maxSteps > 0 ? maxSteps : epochs * stepsPerEpoch(examples);
  }

  public int evalEvery(int examples) {
    if (evalEvery > 0) {
      return evalEvery;
    }
    return examples <= 128 ? 10 : Math.max(1, examples / 128 * 5);
  }
}
