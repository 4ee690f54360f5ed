package tallrec.train;

import tallrec.conf.NamedValues;

/**
 * What each micro-batch's mean token loss is divided by before its gradients accumulate
 * ({@code tallrec.tune.loss-divisor}). The two agree whenever a step takes its full batch; they
 * differ when the training set is smaller than a batch (TALLRec's K = 16 and 64 with batch 128) or
 * an epoch ends in a partial batch.
 *
 * <ul>
 *   <li>{@link #TAKEN_MICRO_BATCHES} ({@code taken-micro-batches}, the default): the micro-batches
 *       this step actually took, so a step's loss and gradient are the mean over its micro-batches
 *       whatever its size, and clipping sees the true gradient norm.
 *   <li>{@link #ACCUMULATION_STEPS} ({@code accumulation-steps}): batch / micro-batch, always, as the
 *       Hugging Face Trainer of the reference's era divides ({@code training_step}: loss /
 *       gradient_accumulation_steps) and then steps at the end of an epoch shorter than one
 *       accumulation: with K = 16, batch 128, micro-batch 32, the logged loss and the gradient are a
 *       quarter of the mean, and max-grad-norm clips that quarter. (Its carry-over of a leftover
 *       micro-batch into the next epoch's first step, when an epoch holds more than one batch and
 *       does not divide by it, is not reproduced: the paper's K and batch sizes never produce it.)
 * </ul>
 */
public enum LossDivisor {
  TAKEN_MICRO_BATCHES("taken-micro-batches"),
  ACCUMULATION_STEPS("accumulation-steps");

  private final String key;

  LossDivisor(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** The divisor for a step that took {@code taken} micro-batches of a configured batch / micro-batch. */
  public int divisor(int taken, int batch, int microBatch) {
    return this == TAKEN_MICRO_BATCHES ? taken : Math.max(1, batch / microBatch);
  }

  public static LossDivisor named(String key) {
    return NamedValues.named(LossDivisor.class, LossDivisor::key, key, "loss divisor");
  }
}
