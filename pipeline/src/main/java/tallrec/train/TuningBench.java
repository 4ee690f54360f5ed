package tallrec.train;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tallrec.llm.LlamaModel;
import tallrec.llm.ScoringBench;
import tallrec.lora.LoraAdapter;

/**
 * Speed of one LoRA training step (forward with graph, backward, AdamW) against a forward-only
 * pass of the same micro-batch: tokens/s, step time, backward/forward ratio and the process's
 * peak resident memory. Random token ids, every position predicted. Also the peak memory of a
 * single step ({@link #probeMemory}), to check {@link MemoryPlan} against.
 */
public final class TuningBench {

  /** One micro-batch size's measurement (best of the repetitions after one warm-up). */
  public record Result(int microBatch, int seqLen, boolean checkpointing, String ops, double forwardSeconds,
      double stepSeconds, long peakRssMib) {
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

  static List<TrainExample> randomBatch(LlamaModel model, int micro, int seqLen, Random r) {
    List<TrainExample> batch = new ArrayList<>();
    for (int i = 0; i < micro; i++) {
      int[] ids = new int[seqLen];
      ids[0] = model.config().bosId;
      for (int t = 1; t < seqLen; t++) {
        ids[t] = 3 + r.nextInt(model.config().vocabSize - 3);
      }
      batch.add(new TrainExample("bench-" + i, ids, 0, 0));
    }
    return batch;
  }

  public static List<Result> run(LlamaModel model, LoraAdapter adapter, int[] microBatches, int seqLen, int reps,
      long seed) {
    return run(model, adapter, microBatches, seqLen, reps, seed, false, false, null);
  }

  /**
   * @param checkpointing train with activation checkpointing
   * @param compareOps also time the reference op sequences ({@link LlamaModel#referenceOps}),
   *     alternating with the current ones rep by rep, so both see the same machine load
   * @param profile when not null, the last timed training step is recorded by torch's profiler
   *     into this Chrome-trace JSON file
   */
  public static List<Result> run(LlamaModel model, LoraAdapter adapter, int[] microBatches, int seqLen, int reps,
      long seed, boolean checkpointing, boolean compareOps, Path profile) {
    List<Result> out = new ArrayList<>();
    AdamW opt = new AdamW(adapter.parameters(), adapter.manager(), 0.9, 0.999, 1e-8, 0.0);
    boolean[] variants = compareOps ? new boolean[] {true, false} : new boolean[] {false};
    try {
      opt.zeroGradients();
      Random r = new Random(seed);
      for (int micro : microBatches) {
        List<TrainExample> batch = randomBatch(model, micro, seqLen, r);
        double[] fwd = {Double.MAX_VALUE, Double.MAX_VALUE};
        double[] step = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int rep = 0; rep <= reps; rep++) {
          for (int v = 0; v < variants.length; v++) {
            LlamaModel.referenceOps = variants[v];
            try {
              long t0 = System.nanoTime();
              try (NDManager scope = model.manager().getParentManager().newSubManager()) {
                CausalLmLoss.value(CausalLmLoss.compute(model, scope, batch, true, 0, 1.0, false).loss());
              }
              boolean profiled = profile != null && rep == reps && v == variants.length - 1;
              if (profiled) {
                JniUtils.startProfile(false, true, false);
              }
              long t1 = System.nanoTime();
              step(model, adapter, opt, batch, checkpointing, rep);
              long t2 = System.nanoTime();
              if (profiled) {
                JniUtils.stopProfile(profile.toString());
              }
              if (rep > 0) {
                fwd[v] = Math.min(fwd[v], (t1 - t0) / 1e9);
                step[v] = Math.min(step[v], (t2 - t1) / 1e9);
              }
            } finally {
              LlamaModel.referenceOps = false;
            }
          }
        }
        for (int v = 0; v < variants.length; v++) {
          out.add(new Result(micro, seqLen, checkpointing, variants[v] ? "reference" : "current", fwd[v], step[v],
              ScoringBench.peakRssMib()));
        }
      }
      return out;
    } finally {
      opt.close();
    }
  }

  private static void step(LlamaModel model, LoraAdapter adapter, AdamW opt, List<TrainExample> batch,
      boolean checkpointing, int seed) {
    adapter.train(true);
    try (NDManager scope = model.manager().getParentManager().newSubManager()) {
      CausalLmLoss.forwardBackward(model, scope, batch, true, 0, 1.0, checkpointing, seed);
    } finally {
      adapter.train(false);
    }
    opt.step(1e-4, 1.0);
  }

  /** What one training step added to the process's resident memory at its peak. */
  public record MemoryProbe(int microBatch, int seqLen, boolean checkpointing, long rssBeforeMib, long peakMib,
      double stepSeconds) {
    public long growthMib() {
      return peakMib - rssBeforeMib;
    }
  }

  /**
   * Resident-memory growth of the first training step in this process: the kernel's peak-RSS mark
   * is reset ({@code /proc/self/clear_refs} = 5) just before the step, and the growth is the peak
   * during the step minus the resident size before it. Meant for a fresh process (the bench runs
   * each setting in its own JVM): an earlier step would leave freed memory cached in the
   * allocator, which a later step reuses without growing the process.
   */
  public static MemoryProbe probeMemory(LlamaModel model, LoraAdapter adapter, int micro, int seqLen,
      boolean checkpointing) {
    AdamW opt = new AdamW(adapter.parameters(), adapter.manager(), 0.9, 0.999, 1e-8, 0.0);
    try {
      opt.zeroGradients();
      List<TrainExample> batch = randomBatch(model, micro, seqLen, new Random(7));
      System.gc();
      resetPeak();
      long before = statusMib("VmRSS:");
      long t0 = System.nanoTime();
      step(model, adapter, opt, batch, checkpointing, 1);
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new MemoryProbe(micro, seqLen, checkpointing, before, statusMib("VmHWM:"), seconds);
    } finally {
      opt.close();
    }
  }

  static void resetPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException e) {
      throw new IllegalStateException("cannot reset the peak-RSS mark (/proc/self/clear_refs): " + e.getMessage(), e);
    }
  }

  static long statusMib(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no " + key + " in /proc/self/status");
  }
}
