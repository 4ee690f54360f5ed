package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tallrec.llm.GradMode;
import tallrec.llm.LlamaModel;

/**
 * Pretraining: the whole model (every weight, not an adapter) trained as an ordinary causal LM on
 * a text corpus, each sequence {@code BOS text EOS} and every token predicted. AdamW with
 * global-norm clipping and Hugging Face's linear warm-up/decay schedule, as the reference's
 * trainer; the loss and gradients are those of {@link CausalLmLoss} (the same code the LoRA
 * stages use), so only the set of trainable leaves differs ({@link LlamaModel#trainAllWeights()}).
 *
 * <p>Used by the demo to give its tiny backbone knowledge of the synthetic catalogue before the
 * TALLRec stages run, as LLaMA's pretraining gave it knowledge of real films.
 */
public final class Pretraining {

  /**
   * @param epochs passes over the corpus
   * @param batch sequences per optimizer step (one forward/backward)
   * @param lr peak learning rate
   * @param warmupSteps linear warm-up, then linear decay to 0
   * @param weightDecay decoupled (AdamW) weight decay
   * @param maxGradNorm global-norm clipping; 0 = off
   * @param seed the corpus order of every epoch
   */
  public record Settings(int epochs, int batch, double lr, int warmupSteps, double weightDecay, double maxGradNorm,
      long seed) {
    public Settings {
      if (epochs < 1 || batch < 1) {
        throw new IllegalArgumentException("pretraining needs epochs >= 1 and batch >= 1, got " + epochs + ", " + batch);
      }
      if (!(lr > 0)) {
        throw new IllegalArgumentException("pretraining lr must be > 0, got " + lr);
      }
    }

    public int totalSteps(int sequences) {
      return epochs * ((sequences + batch - 1) / batch);
    }
  }

  /** Per-step mean losses, the optimizer steps per epoch, the tokens seen and the wall time. */
  public record Result(List<Double> losses, int stepsPerEpoch, long tokens, double seconds, long parameters) {
    /** Mean loss over the first epoch's steps. */
    public double firstEpochLoss() {
      return mean(losses.subList(0, Math.min(stepsPerEpoch, losses.size())));
    }

    /** Mean loss over the last epoch's steps. */
    public double lastEpochLoss() {
      return mean(losses.subList(Math.max(0, losses.size() - stepsPerEpoch), losses.size()));
    }

    static double mean(List<Double> xs) {
      return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
  }

  private Pretraining() {}

  /**
   * Trains every weight of {@code model} on {@code sequences} (token ids, each BOS ... EOS).
   *
   * @param log where train_log.jsonl goes (one line per step), or null
   */
  public static Result run(LlamaModel model, List<int[]> sequences, int padId, Settings s, Path log,
      PrintStream progress) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("the pretraining corpus is empty");
    }
    Map<String, NDArray> leaves = model.trainAllWeights();
    long parameters = 0;
    for (NDArray a : leaves.values()) {
      parameters += a.getShape().size();
    }
    List<TrainExample> examples = new ArrayList<>(sequences.size());
    for (int i = 0; i < sequences.size(); i++) {
      examples.add(new TrainExample("corpus:" + (i + 1), sequences.get(i), 0, 0));
    }
    int n = examples.size();
    int perEpoch = (n + s.batch() - 1) / s.batch();
    int total = s.totalSteps(n);
    LrSchedule schedule = new LrSchedule(s.lr(), s.warmupSteps(), total);
    GradMode.off();
    List<Double> losses = new ArrayList<>(total);
    long tokens = 0;
    long start = System.nanoTime();
    try (AdamW opt = new AdamW(new ArrayList<>(leaves.values()), model.manager(), 0.9, 0.999, 1e-8, s.weightDecay())) {
      opt.zeroGradients();
      if (log != null) {
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
      }
      int step = 0;
      for (int epoch = 0; epoch < s.epochs(); epoch++) {
        int[] order = Trainer.permutation(n, s.seed(), epoch);
        for (int b = 0; b < perEpoch; b++) {
          long t0 = System.nanoTime();
          List<TrainExample> chunk = new ArrayList<>(s.batch());
          for (int i = b * s.batch(); i < Math.min(n, (b + 1) * s.batch()); i++) {
            chunk.add(examples.get(order[i]));
          }
          CausalLmLoss.Result r;
          try (NDManager scope = model.manager().getParentManager().newSubManager()) {
            r = CausalLmLoss.forwardBackward(model, scope, chunk, true, padId, 1.0, false, 0);
          }
          double norm = opt.gradNorm();
          double clip = s.maxGradNorm() > 0 && norm > s.maxGradNorm() ? s.maxGradNorm() / (norm + 1e-6) : 1.0;
          double lr = schedule.at(step);
          opt.step(lr, clip);
          step++;
          tokens += r.tokens();
          losses.add(r.lossValue());
          double seconds = (System.nanoTime() - t0) / 1e9;
          if (log != null) {
            TrainLog.appendLog(log, TrainLog.stepRecord(step, epoch, r.lossValue(), lr, norm, r.tokens() / seconds,
                seconds), (System.nanoTime() - start) / 1e9);
          }
          if (progress != null && b == perEpoch - 1) {
            progress.printf("      pretrain epoch %d/%d loss %.4f (%,.0f tok/s)%n", epoch + 1, s.epochs(),
                Result.mean(losses.subList(losses.size() - perEpoch, losses.size())),
                tokens / ((System.nanoTime() - start) / 1e9));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (NDArray a : leaves.values()) {
        a.setRequiresGradient(false);
      }
    }
    return new Result(List.copyOf(losses), perEpoch, tokens, (System.nanoTime() - start) / 1e9, parameters);
  }

}
