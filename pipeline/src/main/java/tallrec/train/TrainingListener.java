package tallrec.train;

import java.io.IOException;
import java.util.Map;
import tallrec.lora.LoraAdapter;

/**
 * Sees each optimizer step of a {@link Trainer} run as it completes (DJL EasyTrain's
 * {@code TrainingListener}, reduced to what tuning needs). The trainer's own work after a step is
 * done by listeners: the log ({@link TrainLog}), the progress line ({@link ProgressPrinter}) and
 * checkpoints ({@link TrainerCheckpoint}); a caller's listeners run after those, in the order added
 * (fidelity tests read the adapter here; crash tests end the run here, after its checkpoint).
 */
@FunctionalInterface
public interface TrainingListener {

  void onStep(Step step) throws IOException;

  /**
   * One completed optimizer step (1-based): its loss, learning rate and gradient norm, the tokens
   * it trained on, the validation metric when it was validated (else null) with the best so far,
   * whether early stopping ended the run here, how many examples of each domain it saw, the loss
   * scale after it (null in F32), and the adapter as the step left it (read it, do not train it).
   */
  record Step(int step, int totalSteps, int epoch, double loss, double lr, double gradNorm, long tokens,
      double stepSeconds, double elapsedSeconds, Double metric, double bestMetric, int bestStep,
      boolean stoppedEarly, Map<String, Integer> examplesByDomain, Double lossScale, LoraAdapter adapter) {

    /** The run's last step: the planned total, or early stopping. */
    public boolean last() {
      return step >= totalSteps || stoppedEarly;
    }

    public double tokensPerSecond() {
      return tokens / stepSeconds;
    }
  }
}
