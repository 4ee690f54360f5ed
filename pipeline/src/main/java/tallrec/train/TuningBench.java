package tallrec.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tallrec.llm.LlamaModel;
import tallrec.llm.ScoringBench;
import tallrec.lora.LoraAdapter;

/**
 * Speed of one LoRA training step (forward with graph, backward, AdamW) against a forward-only
 * pass of the same micro-batch: tokens/s, step time, backward/forward ratio and the process's
 * peak resident memory. Random token ids, every position predicted.
 */
public final class TuningBench {

  /** One micro-batch size's measurement (best of the repetitions after one warm-up). */
  public record Result(int microBatch, int seqLen, double forwardSeconds, double stepSeconds, long peakRssMib) {
    public long tokens() {
      return (long) microBatch * seqLen;
    }

    public double tokensPerSecond() {
      return tokens() / stepSeconds;
    }

    /** (step − forward) / forward: backward + optimizer cost in units of a forward. */
    public double backwardOverForward() {
      return (stepSeconds - forwardSeconds) / forwardSeconds;
    }
  }

  private TuningBench() {}

  public static List<Result> run(LlamaModel model, LoraAdapter adapter, int[] microBatches, int seqLen, int reps,
      long seed) {
    List<Result> out = new ArrayList<>();
    AdamW opt = new AdamW(adapter.parameters(), adapter.manager(), 0.9, 0.999, 1e-8, 0.0);
    try {
      opt.zeroGradients();
      Random r = new Random(seed);
      for (int micro : microBatches) {
        List<TrainExample> batch = new ArrayList<>();
        for (int i = 0; i < micro; i++) {
          int[] ids = new int[seqLen];
          ids[0] = model.config().bosId;
          for (int t = 1; t < seqLen; t++) {
            ids[t] = 3 + r.nextInt(model.config().vocabSize - 3);
          }
          batch.add(new TrainExample("bench-" + i, ids, 0, 0));
        }
        double fwd = Double.MAX_VALUE;
        double step = Double.MAX_VALUE;
        for (int rep = 0; rep <= reps; rep++) {
          long t0 = System.nanoTime();
          try (NDManager scope = model.manager().getParentManager().newSubManager()) {
            CausalLmLoss.value(CausalLmLoss.compute(model, scope, batch, true, 0, 1.0, false).loss());
          }
          long t1 = System.nanoTime();
          adapter.train(true);
          try (NDManager scope = model.manager().getParentManager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              CausalLmLoss.Result res = CausalLmLoss.compute(model, scope, batch, true, 0, 1.0, true);
              gc.backward(res.loss());
            }
          }
          adapter.train(false);
          opt.step(1e-4, 1.0);
          long t2 = System.nanoTime();
          if (rep > 0) {
            fwd = Math.min(fwd, (t1 - t0) / 1e9);
            step = Math.min(step, (t2 - t1) / 1e9);
          }
        }
        out.add(new Result(micro, seqLen, fwd, step, ScoringBench.peakRssMib()));
      }
      return out;
    } finally {
      opt.close();
    }
  }
}
