package tallrec.jobs;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
import tallrec.train.TuningBench;

/** {@code tallrec bench tuning}: LoRA step speed and memory against a forward-only pass. */
@Command(
    name = "tuning",
    mixinStandardHelpOptions = true,
    description = "Time a LoRA training step (forward + backward + AdamW, r=8 on q_proj,v_proj) and a forward-only "
        + "pass at each micro-batch size on a preset shape with random weights: tokens/s, step time, "
        + "backward/forward ratio, peak RSS.")
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

  @Override
  public Integer call() {
    common.resolve();
    LlamaConfig cfg = ScoringBench.PRESETS.get(preset);
    if (cfg == null) {
      throw new IllegalArgumentException("unknown preset '" + preset + "' (known: " + ScoringBench.PRESETS.keySet() + ")");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (NDManager m = NDManager.newBaseManager()) {
      LlamaModel model = LlamaModel.load(cfg, new RandomWeights(cfg, 1), m);
      LoraAdapter a = LoraAdapter.attach(model, new LoraConfig(8, 16, 0.05, targets, preset), 1);
      out.printf("model %s: %s, %.1fM parameters, LoRA %,d trainable; seq len %d%n", preset, cfg,
          cfg.parameterCount() / 1e6, a.parameterCount(), seqLen);
      for (TuningBench.Result r : TuningBench.run(model, a, microBatches, seqLen, reps, 7)) {
        out.printf("micro-batch %3d: step %.3f s, %.0f tokens/s; forward-only %.3f s; backward/forward %.2f;"
                + " peak RSS %d MiB%n", r.microBatch(), r.stepSeconds(), r.tokensPerSecond(), r.forwardSeconds(),
            r.backwardOverForward(), r.peakRssMib());
      }
      model.close();
    }
    return 0;
  }
}
