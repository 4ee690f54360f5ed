package tallrec.jobs;

import ai.djl.ndarray.NDManager;
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
import tallrec.llm.RandomWeights;
import tallrec.llm.ScoringBench;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraConfig;
import tallrec.train.MemoryPlan;
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

  @Option(names = "--profile", paramLabel = "FILE", description = "Record the last timed step with torch's profiler (Chrome trace JSON).")
  Path profile;

  @Option(names = "--memory", description = "Measure one step's peak memory per setting (fresh JVM each) against the plan.")
  boolean memory;

  @Option(names = "--memory-probe", hidden = true, description = "Internal: one setting of --memory, in this JVM.")
  boolean memoryProbe;

  @Override
  public Integer call() throws Exception {
    common.resolve();
    LlamaConfig cfg = ScoringBench.PRESETS.get(preset);
    if (cfg == null) {
      throw new IllegalArgumentException("unknown preset '" + preset + "' (known: " + ScoringBench.PRESETS.keySet() + ")");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    LoraConfig lora = new LoraConfig(8, 16, 0.05, targets, preset);
    if (memory) {
      return memory(cfg, lora, out);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      LlamaModel model = LlamaModel.load(cfg, new RandomWeights(cfg, 1), m);
      LoraAdapter a = LoraAdapter.attach(model, lora, 1);
      if (memoryProbe) {
        TuningBench.MemoryProbe p = TuningBench.probeMemory(model, a, microBatches[0], seqLen, checkpointing);
        out.printf("probe micro=%d ckpt=%s rss_before=%d peak=%d growth=%d step_s=%.3f%n", p.microBatch(),
            p.checkpointing(), p.rssBeforeMib(), p.peakMib(), p.growthMib(), p.stepSeconds());
        model.close();
        return 0;
      }
      out.printf("model %s: %s, %.1fM parameters, LoRA %,d trainable; seq len %d%n", preset, cfg,
          cfg.parameterCount() / 1e6, a.parameterCount(), seqLen);
      List<TuningBench.Result> rs = new ArrayList<>(TuningBench.run(model, a, microBatches, seqLen, reps, 7, false,
          compareOps, checkpointing ? null : profile));
      if (checkpointing) {
        rs.addAll(TuningBench.run(model, a, microBatches, seqLen, reps, 7, true, false, profile));
      }
      for (TuningBench.Result r : rs) {
        out.printf("micro-batch %3d%s%s: step %.3f s, %.0f tokens/s; forward-only %.3f s; backward/forward %.2f;"
                + " peak RSS %d MiB%n", r.microBatch(), r.checkpointing() ? " (activation checkpointing)" : "",
            compareOps ? " [" + r.ops() + " ops]" : "", r.stepSeconds(), r.tokensPerSecond(), r.forwardSeconds(),
            r.backwardOverForward(), r.peakRssMib());
      }
      model.close();
    }
    return 0;
  }

  /** Each setting in its own JVM (so no allocator cache from an earlier step hides growth), against the plan. */
  private int memory(LlamaConfig cfg, LoraConfig lora, PrintStream out) throws IOException, InterruptedException {
    out.printf("memory of one LoRA step, %s, seq len %d, F32 weights and activations; measured = peak RSS during the"
        + " step - RSS before it (fresh JVM per row); plan = tune --plan's activations + logits + LoRA gradients%n",
        preset, seqLen);
    out.printf("%6s %5s %12s %12s %8s %8s%n", "micro", "ckpt", "measured", "plan", "plan/meas", "step s");
    for (boolean ck : new boolean[] {false, true}) {
      for (int micro : microBatches) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TallRecCli.class.getName(), "bench", "tuning",
            "--memory-probe", "--preset", preset, "--micro-batches", Integer.toString(micro), "--seq-len",
            Integer.toString(seqLen), "--targets", String.join(",", lora.targets())));
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
        long growth = Long.parseLong(line.replaceAll(".*growth=(\\d+).*", "$1"));
        double seconds = Double.parseDouble(line.replaceAll(".*step_s=([0-9.]+).*", "$1"));
        MemoryPlan.Estimate e = MemoryPlan.estimate(cfg, lora, micro, seqLen, 4, 4, ck);
        long planMib = e.stepWorkingSet() >> 20;
        out.printf("%6d %5s %9d MiB %9d MiB %8.2f %8.2f%n", micro, ck ? "on" : "off", growth, planMib,
            planMib / (double) growth, seconds);
      }
    }
    return 0;
  }
}
