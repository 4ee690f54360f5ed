package tallrec.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tallrec.llm.DtypeCasts;
import tallrec.llm.LlamaModel;
import tallrec.llm.NativeAttention;
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
    return run(model, adapter, microBatches, seqLen, reps, seed, false, List.of(Ops.CURRENT), null);
  }

  /** What a timed step runs: today's ops, or one of the sequences it is compared with. */
  public enum Ops {
    /** Today's ops (the native attention where {@link LlamaModel#nativeTrainingAttention} picks it). */
    CURRENT("current ops"),
    /** The op sequences from before the backward-speed work ({@link LlamaModel#referenceOps}). */
    REFERENCE("reference ops"),
    /** Autograd through torch's attention ops ({@link NativeAttention#off}). */
    TORCH_ATTENTION("torch attention"),
    /** The native attention's forward and backward whatever the shape ({@link LlamaModel#alwaysNativeInTraining}). */
    NATIVE_ATTENTION("native attention");

    final String label;

    Ops(String label) {
      this.label = label;
    }

    /** How results of these ops are labelled ({@link Result#ops}). */
    public String label() {
      return label;
    }

    void apply() {
      LlamaModel.referenceOps = this == REFERENCE;
      NativeAttention.off = this == TORCH_ATTENTION;
      LlamaModel.alwaysNativeInTraining = this == NATIVE_ATTENTION;
    }

    static void reset() {
      LlamaModel.referenceOps = false;
      NativeAttention.off = false;
      LlamaModel.alwaysNativeInTraining = false;
    }
  }

  /**
   * @param checkpointing train with activation checkpointing
   * @param variants the op sequences to time, alternating rep by rep so all see the same machine
   *     load (e.g. {@link Ops#TORCH_ATTENTION} beside {@link Ops#CURRENT})
   * @param profile when not null, the last timed training step is recorded by torch's profiler
   *     into this Chrome-trace JSON file
   */
  public static List<Result> run(LlamaModel model, LoraAdapter adapter, int[] microBatches, int seqLen, int reps,
      long seed, boolean checkpointing, List<Ops> variants, Path profile) {
    List<Result> out = new ArrayList<>();
    AdamW opt = new AdamW(adapter.parameters(), adapter.manager(), 0.9, 0.999, 1e-8, 0.0);
    try {
      opt.zeroGradients();
      Random r = new Random(seed);
      for (int micro : microBatches) {
        List<TrainExample> batch = randomBatch(model, micro, seqLen, r);
        double[] fwd = new double[variants.size()];
        double[] step = new double[variants.size()];
        java.util.Arrays.fill(fwd, Double.MAX_VALUE);
        java.util.Arrays.fill(step, Double.MAX_VALUE);
        for (int rep = 0; rep <= reps; rep++) {
          for (int v = 0; v < variants.size(); v++) {
            variants.get(v).apply();
            try {
              long t0 = System.nanoTime();
              try (NDManager scope = model.manager().getParentManager().newSubManager()) {
                CausalLmLoss.value(CausalLmLoss.compute(model, scope, batch, true, 0, 1.0, false).loss());
              }
              boolean profiled = profile != null && rep == reps && v == variants.size() - 1;
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
              Ops.reset();
            }
          }
        }
        for (int v = 0; v < variants.size(); v++) {
          out.add(new Result(micro, seqLen, checkpointing, variants.get(v).label, fwd[v], step[v],
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
    // Half weights: the loss scale a trainer starts with (gradients through F16 would underflow).
    double lossScale = DtypeCasts.isHalf(model.dataType()) ? LossScaler.INITIAL : 1.0;
    adapter.train(true);
    try (NDManager scope = model.manager().getParentManager().newSubManager()) {
      CausalLmLoss.forwardBackward(model, scope, batch, true, 0, lossScale, checkpointing, seed);
    } finally {
      adapter.train(false);
    }
    opt.step(1e-4, 1.0 / lossScale);
  }

  /**
   * What the model and one training step took, in MiB of the device's memory: before loading, after
   * loading (weights, adapter and AdamW state), and the peak during the first step; with the
   * steps' wall times.
   */
  public record MemoryProbe(int microBatch, int seqLen, boolean checkpointing, long baselineMib, long loadedMib,
      long peakMib, double[] stepSeconds) {}

  /**
   * Memory in use on a device, and its peak over a stretch of work. On the CPU: the process's
   * resident set, the peak from the kernel's high-water mark (reset through
   * {@code /proc/self/clear_refs} = 5). On a GPU: the device's used memory (what the caching
   * allocator holds, as nvidia-smi shows it), the peak sampled every millisecond.
   */
  public static final class MemoryMeter implements AutoCloseable {
    private final Device device;
    private volatile long peak;
    private volatile boolean sampling;
    private Thread sampler;

    public MemoryMeter(Device device) {
      this.device = device;
    }

    public long usedMib() {
      if (device.isGpu()) {
        return CudaUtils.getGpuMemory(device).getCommitted() >> 20;
      }
      return statusMib("VmRSS:");
    }

    public void startPeak() {
      if (!device.isGpu()) {
        resetPeak();
        return;
      }
      peak = usedMib();
      sampling = true;
      sampler = new Thread(() -> {
        while (sampling) {
          peak = Math.max(peak, usedMib());
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "gpu-memory-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    public long peakMib() {
      if (!device.isGpu()) {
        return statusMib("VmHWM:");
      }
      sampling = false;
      try {
        sampler.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Math.max(peak, usedMib());
    }

    @Override
    public void close() {
      sampling = false;
    }
  }

  /**
   * Memory of {@code steps} training steps in this process, against what was in use before the
   * model was loaded ({@code baselineMib}). The peak is that of the first step: meant for a fresh
   * process (the bench runs each setting in its own JVM), since a later step reuses memory the
   * allocator kept from an earlier one without growing the process.
   */
  public static MemoryProbe probeMemory(LlamaModel model, LoraAdapter adapter, int micro, int seqLen,
      boolean checkpointing, long baselineMib, int steps, MemoryMeter meter) {
    AdamW opt = new AdamW(adapter.parameters(), adapter.manager(), 0.9, 0.999, 1e-8, 0.0);
    try {
      opt.zeroGradients();
      List<TrainExample> batch = randomBatch(model, micro, seqLen, new Random(7));
      System.gc();
      long loaded = meter.usedMib();
      meter.startPeak();
      double[] seconds = new double[steps];
      long peak = 0;
      for (int s = 0; s < steps; s++) {
        long t0 = System.nanoTime();
        step(model, adapter, opt, batch, checkpointing, 1 + s);
        // A scalar read back ends the step on an asynchronous device too.
        opt.gradNorm();
        seconds[s] = (System.nanoTime() - t0) / 1e9;
        if (s == 0) {
          peak = meter.peakMib();
        }
      }
      return new MemoryProbe(micro, seqLen, checkpointing, baselineMib, loaded, peak, seconds);
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
