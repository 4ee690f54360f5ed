package tallrec.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.MklDispatch;
import tallrec.llm.ModelPresets;
import tallrec.llm.NativeAttention;
import tallrec.llm.Precision;
import tallrec.llm.RandomWeights;
import tallrec.llm.ScoringBench;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraConfig;
import tallrec.train.MemoryPlan;
import tallrec.train.Tuning;
import tallrec.train.TuningBench;

/** {@code tallrec bench tuning}: LoRA step speed and memory against a forward-only pass. */
@Command(
    name = "tuning",
    mixinStandardHelpOptions = true,
    description = {"Time a LoRA training step (forward + backward + AdamW, r=8 on q_proj,v_proj) and a forward-only "
        + "pass at each micro-batch size on a preset shape with random weights: tokens/s, step time, "
        + "backward/forward ratio, peak RSS.",
        "--memory: instead, each micro-batch size with and without activation checkpointing in a fresh JVM: the "
            + "resident-memory growth of one training step next to tune --plan's prediction (F32)."})
public final class BenchTuningCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--preset", defaultValue = "llama-100m", paramLabel = "NAME",
      description = "Model shape (as bench scoring): ${COMPLETION-CANDIDATES}.",
      completionCandidates = BenchScoringCommand.Presets.class)
  String preset;

  @Option(names = "--micro-batches", split = ",", defaultValue = "4,32")
  int[] microBatches;

  @Option(names = "--seq-len", defaultValue = "128")
  int seqLen;

  @Option(names = "--reps", defaultValue = "2", description = "Timed repetitions after one warm-up (best is reported).")
  int reps;

  @Option(names = "--targets", split = ",", defaultValue = "q_proj,v_proj")
  List<String> targets;

  @Option(names = "--activation-checkpointing", description = "Time steps with activation checkpointing too.")
  boolean checkpointing;

  @Option(names = "--compare-ops", description = "Also time the reference op sequences (before the backward-speed work), alternating rep by rep with the current ones.")
  boolean compareOps;

  @Option(names = "--compare-attention", description = "Time steps with autograd through torch's attention ops and"
      + " with the native attention's forward and backward (whatever the shape), alternating rep by rep, instead of"
      + " the current choice alone.")
  boolean compareAttention;

  @Option(names = "--profile", paramLabel = "FILE", description = "Record the last timed step with torch's profiler (Chrome trace JSON).")
  Path profile;

  @Option(names = "--memory", description = "Measure one step's peak memory per setting (fresh JVM each) against the plan.")
  boolean memory;

  @Option(names = "--memory-probe", hidden = true, description = "Internal: one setting of --memory, in this JVM.")
  boolean memoryProbe;

  @Mixin PrecisionOption precisionOption;

  @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu|gpu:N",
      description = "Where the model runs (auto: the engine's default device).")
  String device;

  @Option(names = "--steps", defaultValue = "1", paramLabel = "N",
      description = "With --memory: training steps per setting (the peak is the first step's; each step's time is printed).")
  int steps;

  @Override
  public Integer call() throws Exception {
    String requested = precisionOption.resolve(common);
    LlamaConfig cfg = ModelPresets.require(preset);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    LoraConfig lora = new LoraConfig(8, 16, 0.05, targets, preset);
    Device dev = Tuning.device(device);
    Precision precision = Precision.resolve(requested, dev, "--precision");
    if (memory) {
      return memory(cfg, lora, precision, out);
    }
    TuningBench.MemoryMeter meter = memoryProbe ? new TuningBench.MemoryMeter(
        dev != null ? dev : Engine.getInstance().defaultDevice()) : null;
    try (NDManager m = NDManager.newBaseManager(dev)) {
      // The baseline after the engine's own start-up (libraries, thread pools, a CUDA context).
      m.ones(new Shape(64, 64)).matMul(m.ones(new Shape(64, 64))).close();
      long baseline = meter == null ? 0 : meter.usedMib();
      precision.requireUsable(m.getDevice());
      LlamaModel model = LlamaModel.load(cfg, new RandomWeights(cfg, 1), m, precision);
      LoraAdapter a = LoraAdapter.attach(model, lora, 1);
      if (memoryProbe) {
        TuningBench.MemoryProbe p = TuningBench.probeMemory(model, a, microBatches[0], seqLen, checkpointing, baseline,
            steps, meter);
        StringBuilder times = new StringBuilder();
        for (double s : p.stepSeconds()) {
          times.append(times.length() == 0 ? "" : ",").append(String.format("%.3f", s));
        }
        out.printf("probe micro=%d ckpt=%s device=%s baseline=%d loaded=%d peak=%d step_s=%s%n", p.microBatch(),
            p.checkpointing(), m.getDevice(), p.baselineMib(), p.loadedMib(), p.peakMib(), times);
        model.close();
        return 0;
      }
      out.printf("model %s: %s, %.1fM parameters, %s weights on %s, LoRA %,d trainable; seq len %d%n", preset, cfg,
          cfg.parameterCount() / 1e6, precision.key(), m.getDevice(), a.parameterCount(), seqLen);
      out.printf("threads: %d torch intra-op; %s; %s%n", ScoringBench.torchThreads(),
          MklDispatch.describe(), JitMode.describe());
      out.printf("attention in training: %s%n", describeAttention(model, cfg));
      List<TuningBench.Ops> variants = new ArrayList<>();
      if (compareOps) {
        variants.add(TuningBench.Ops.REFERENCE);
      }
      if (compareAttention) {
        variants.add(TuningBench.Ops.TORCH_ATTENTION);
        variants.add(TuningBench.Ops.NATIVE_ATTENTION);
      } else {
        variants.add(TuningBench.Ops.CURRENT);
      }
      List<TuningBench.Result> rs = new ArrayList<>(TuningBench.run(model, a, microBatches, seqLen, reps, 7, false,
          variants, checkpointing ? null : profile));
      if (checkpointing) {
        rs.addAll(TuningBench.run(model, a, microBatches, seqLen, reps, 7, true, List.of(TuningBench.Ops.CURRENT),
            profile));
      }
      for (TuningBench.Result r : rs) {
        out.printf("micro-batch %3d%s%s: step %.3f s, %.0f tokens/s; forward-only %.3f s; backward/forward %.2f;"
                + " peak RSS %d MiB%n", r.microBatch(), r.checkpointing() ? " (activation checkpointing)" : "",
            variants.size() > 1 ? " [" + r.ops() + "]" : "", r.stepSeconds(), r.tokensPerSecond(), r.forwardSeconds(),
            r.backwardOverForward(), r.peakRssMib());
      }
      if (compareAttention) {
        for (TuningBench.Result torch : rs) {
          if (!torch.ops().equals(TuningBench.Ops.TORCH_ATTENTION.label())) {
            continue;
          }
          for (TuningBench.Result nat : rs) {
            if (nat.microBatch() == torch.microBatch() && !nat.checkpointing()
                && nat.ops().equals(TuningBench.Ops.NATIVE_ATTENTION.label())) {
              out.printf("micro-batch %3d: the native attention steps %.2fx the tokens/s of autograd through torch's"
                  + " attention (same run, alternating)%n", nat.microBatch(), nat.tokensPerSecond()
                  / torch.tokensPerSecond());
            }
          }
        }
      }
      model.close();
    }
    return 0;
  }

  /** What training's attention runs as at each micro-batch size of this run (see LlamaModel.nativeTrainingAttention). */
  private String describeAttention(LlamaModel model, LlamaConfig cfg) {
    if (!model.nativeTrainingAttentionUsable()) {
      return "autograd through torch's ops (" + (NativeAttention.enabled() ? "the native attention trains F32"
          + " weights on the CPU only" : NativeAttention.describe()) + ")";
    }
    StringBuilder sb = new StringBuilder();
    for (int micro : microBatches) {
      sb.append(sb.length() == 0 ? "" : "; ").append("micro-batch ").append(micro).append(": ")
          .append(model.nativeTrainingAttention(micro, seqLen) ? "native forward and backward"
              : "autograd through torch's ops (head dimension " + cfg.headDim + ", " + (long) micro * cfg.numHeads
              * seqLen * seqLen + " scores: native from " + LlamaModel.NATIVE_TRAINING_MIN_SCORES
              + " and at most " + LlamaModel.NATIVE_TRAINING_MAX_HEAD_DIM + " dimensions)");
    }
    return sb.toString();
  }

  /**
   * Each setting in its own JVM (so no allocator cache from an earlier step hides growth), against
   * the plan of {@code tune --plan} for the same precision: the model as loaded (weights, adapter,
   * AdamW state), what the first step adds at its peak, and their sum.
   */
  private int memory(LlamaConfig cfg, LoraConfig lora, Precision precision, PrintStream out)
      throws IOException, InterruptedException {
    out.printf("memory of a LoRA step, %s (%.2fB parameters), seq len %d, precision %s, device %s; measured in fresh"
        + " JVMs: model = in use after loading - before, step = the first step's peak - after loading (CPU: resident"
        + " set; GPU: device memory in use); plan = tune --plan's weights + LoRA state, activations + logits + LoRA"
        + " gradients (without its 1 GiB margin)%n", preset, cfg.parameterCount() / 1e9, seqLen, precision.key(),
        device);
    out.printf("%6s %5s %21s %21s %21s  %s%n", "micro", "ckpt", "model meas/plan", "step meas/plan",
        "total meas/plan", "step s");
    for (boolean ck : new boolean[] {false, true}) {
      for (int micro : microBatches) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TallRecCli.class.getName(), "bench", "tuning",
            "--memory-probe", "--preset", preset, "--micro-batches", Integer.toString(micro), "--seq-len",
            Integer.toString(seqLen), "--targets", String.join(",", lora.targets()), "--precision", precision.key(),
            "--device", device, "--steps", Integer.toString(steps)));
        if (ck) {
          cmd.add("--activation-checkpointing");
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new IllegalStateException("memory probe failed (exit " + p.exitValue() + "): " + text);
        }
        String line = text.lines().filter(l -> l.startsWith("probe ")).findFirst()
            .orElseThrow(() -> new IllegalStateException("no probe line in: " + text));
        long baseline = field(line, "baseline");
        long loaded = field(line, "loaded");
        long peak = field(line, "peak");
        String seconds = line.replaceAll(".*step_s=([0-9.,]+).*", "$1");
        MemoryPlan.Estimate e = MemoryPlan.estimate(cfg, lora, micro, seqLen, precision, ck);
        long planModel = (e.weights() + e.lora()) >> 20;
        long planStep = e.stepWorkingSet() >> 20;
        out.printf("%6d %5s %s %s %s  %s%n", micro, ck ? "on" : "off", cell(loaded - baseline, planModel),
            cell(peak - loaded, planStep), cell(peak - baseline, planModel + planStep), seconds);
      }
    }
    return 0;
  }

  private static long field(String line, String name) {
    return Long.parseLong(line.replaceAll(".*\\b" + name + "=(\\d+).*", "$1"));
  }

  /** "measured/plan MiB (plan/measured)". */
  private static String cell(long measured, long plan) {
    return String.format("%7d/%7d %5.2f", measured, plan, plan / (double) Math.max(1, measured));
  }
}
