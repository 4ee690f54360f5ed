package tallrec.train;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import tallrec.lora.LoraConfig;
import tallrec.prompt.AlpacaTemplate;

/**
 * Everything a tuning run depends on (the {@code tallrec.tune} block of reference.conf).
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
 */
public record TuneSettings(
    int epochs, int maxSteps, int batch, int microBatch, double lr, int warmupSteps, double weightDecay,
    double beta1, double beta2, double eps, double maxGradNorm, int cutoffLen, boolean trainOnInputs,
    long seed, int evalEvery, int patience, int checkpointEvery, int evalBatch, int loraR, double loraAlpha,
    double loraDropout, List<String> targets, boolean activationCheckpointing, AlpacaTemplate promptTemplate,
    Truncation truncation, LossDivisor lossDivisor, boolean validReferenceFp16) implements Serializable {

  /** With the default prompt template, truncation and loss divisor. */
  public TuneSettings(int epochs, int maxSteps, int batch, int microBatch, double lr, int warmupSteps,
      double weightDecay, double beta1, double beta2, double eps, double maxGradNorm, int cutoffLen,
      boolean trainOnInputs, long seed, int evalEvery, int patience, int checkpointEvery, int evalBatch, int loraR,
      double loraAlpha, double loraDropout, List<String> targets, boolean activationCheckpointing) {
    this(epochs, maxSteps, batch, microBatch, lr, warmupSteps, weightDecay, beta1, beta2, eps, maxGradNorm, cutoffLen,
        trainOnInputs, seed, evalEvery, patience, checkpointEvery, evalBatch, loraR, loraAlpha, loraDropout, targets,
        activationCheckpointing, AlpacaTemplate.ALPACA, Truncation.DROP_HISTORY, LossDivisor.TAKEN_MICRO_BATCHES, false);
  }

  /** Without activation checkpointing. */
  public TuneSettings(int epochs, int maxSteps, int batch, int microBatch, double lr, int warmupSteps,
      double weightDecay, double beta1, double beta2, double eps, double maxGradNorm, int cutoffLen,
      boolean trainOnInputs, long seed, int evalEvery, int patience, int checkpointEvery, int evalBatch, int loraR,
      double loraAlpha, double loraDropout, List<String> targets) {
    this(epochs, maxSteps, batch, microBatch, lr, warmupSteps, weightDecay, beta1, beta2, eps, maxGradNorm, cutoffLen,
        trainOnInputs, seed, evalEvery, patience, checkpointEvery, evalBatch, loraR, loraAlpha, loraDropout, targets,
        false);
  }

  public TuneSettings {
    if (batch <= 0 || microBatch <= 0 || microBatch > batch) {
      throw new IllegalArgumentException("need 0 < micro-batch (" + microBatch + ") <= batch (" + batch + ")");
    }
    if (epochs <= 0 && maxSteps <= 0) {
      throw new IllegalArgumentException("give epochs > 0 or max-steps > 0");
    }
    if (cutoffLen < 8) {
      throw new IllegalArgumentException("cutoff-len " + cutoffLen + " is too small");
    }
    if (!(lr > 0)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + lr);
    }
    targets = List.copyOf(targets);
    Objects.requireNonNull(promptTemplate, "promptTemplate");
    Objects.requireNonNull(truncation, "truncation");
    Objects.requireNonNull(lossDivisor, "lossDivisor");
  }

  public LoraConfig lora() {
    return new LoraConfig(loraR, loraAlpha, loraDropout, targets, "");
  }

  /** Reads the {@code tune} section (keys as in reference.conf). */
  public static TuneSettings from(Config c) {
    return new TuneSettings(
        c.getInt("epochs"), c.getInt("max-steps"), c.getInt("batch"), c.getInt("micro-batch"), c.getDouble("lr"),
        c.getInt("warmup-steps"), c.getDouble("weight-decay"), c.getDouble("adam-beta1"), c.getDouble("adam-beta2"),
        c.getDouble("adam-eps"), c.getDouble("max-grad-norm"), c.getInt("cutoff-len"), c.getBoolean("train-on-inputs"),
        c.getLong("seed"), c.getInt("eval-every"), c.getInt("patience"), c.getInt("checkpoint-every"),
        c.getInt("eval-batch"), c.getInt("lora-r"), c.getDouble("lora-alpha"), c.getDouble("lora-dropout"),
        c.getStringList("targets"), c.hasPath("activation-checkpointing") && c.getBoolean("activation-checkpointing"),
        AlpacaTemplate.named(c.hasPath("prompt-template") ? c.getString("prompt-template") : "alpaca"),
        Truncation.named(c.hasPath("truncation") ? c.getString("truncation") : "drop-history"),
        LossDivisor.named(c.hasPath("loss-divisor") ? c.getString("loss-divisor") : "taken-micro-batches"),
        c.hasPath("valid-reference-fp16") && c.getBoolean("valid-reference-fp16"));
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
