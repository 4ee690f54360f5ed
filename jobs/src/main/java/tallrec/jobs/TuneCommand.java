package tallrec.jobs;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.conf.Domains;
import tallrec.conf.TallRecConf;
import tallrec.llm.LlamaConfig;
import tallrec.llm.ModelPresets;
import tallrec.llm.Precision;
import tallrec.train.MemoryPlan;
import tallrec.train.Trainer;
import tallrec.train.TuneSettings;
import tallrec.train.Tuning;

@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    description = {
      "LoRA-tune a LLaMA checkpoint -> adapter (PEFT format) + train_log.jsonl + _MANIFEST.json.",
      "--stage alpaca: Alpaca JSON, validation = held-out loss. --stage rec: K-shot samples (kshot/k=K/seed=S or",
      "TALLRec JSON), validation = AUC on --valid (samples split=valid), early stopping, best adapter kept.",
      "Trains in this JVM (the driver), on --device. --plan prints a memory plan instead of training."
    })
public final class TuneCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--stage", paramLabel = "rec|alpaca", description = "Which tuning (default: rec).")
  String stage = "rec";

  @Option(names = "--model", paramLabel = "DIR", description = "HF model directory (or .safetensors / llama2.c .bin), or for --plan a preset name or llama-7b.")
  String model;

  @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model directory's).")
  String tokenizer;

  @Option(names = "--train", paramLabel = "PATH", description = "Training data (repeatable: cross-domain).")
  List<String> train = new ArrayList<>();

  @Option(names = "--valid", paramLabel = "PATH", description = "Validation data (repeatable).")
  List<String> valid = new ArrayList<>();

  @Option(names = "--out", paramLabel = "PATH", description = "Adapter directory to write.")
  String out;

  @Option(names = "--init", paramLabel = "ADAPTER", description = "Start from this PEFT adapter (e.g. Alpaca-tuned, for AT->RT).")
  String init;

  @Option(names = "--resume", description = "Continue from the checkpoint in --work-dir.")
  boolean resume;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Checkpoints and log while training (default: <out>.work).")
  String workDir;

  @Option(names = "--plan", description = "Print a memory plan for --model at the settings and exit.")
  boolean plan;

  @Option(names = "--gpu-gib", paramLabel = "GIB", description = "Device memory for --plan (default tune.plan-gpu-gib).")
  Double gpuGib;

  @Mixin PrecisionOption precisionOption;

  @Option(names = "--epochs") Integer epochs;
  @Option(names = "--max-steps") Integer maxSteps;
  @Option(names = "--batch") Integer batch;
  @Option(names = "--micro-batch") Integer microBatch;
  @Option(names = "--lr") Double lr;
  @Option(names = "--warmup-steps") Integer warmupSteps;
  @Option(names = "--cutoff-len") Integer cutoffLen;
  @Option(names = "--lora-r") Integer loraR;
  @Option(names = "--lora-alpha") Double loraAlpha;
  @Option(names = "--lora-dropout") Double loraDropout;
  @Option(names = "--targets", split = ",") List<String> targets;
  @Option(names = "--train-on-inputs", arity = "1") Boolean trainOnInputs;
  @Option(names = "--seed") Long seed;
  @Option(names = "--device") String device;
  @Option(names = "--eval-every") Integer evalEvery;
  @Option(names = "--patience") Integer patience;
  @Option(names = "--checkpoint-every") Integer checkpointEvery;
  @Option(names = "--max-grad-norm") Double maxGradNorm;
  @Option(names = "--activation-checkpointing", arity = "0..1", fallbackValue = "true",
      description = "Recompute each decoder layer in backward instead of keeping its activations (tune.activation-checkpointing).")
  Boolean activationCheckpointing;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> flags = new LinkedHashMap<>();
    flags.put("tune.epochs", epochs);
    flags.put("tune.max-steps", maxSteps);
    flags.put("tune.batch", batch);
    flags.put("tune.micro-batch", microBatch);
    flags.put("tune.lr", lr);
    flags.put("tune.warmup-steps", warmupSteps);
    flags.put("tune.cutoff-len", cutoffLen);
    flags.put("tune.lora-r", loraR);
    flags.put("tune.lora-alpha", loraAlpha);
    flags.put("tune.lora-dropout", loraDropout);
    flags.put("tune.targets", targets);
    flags.put("tune.train-on-inputs", trainOnInputs);
    flags.put("tune.seed", seed);
    flags.put("tune.device", device);
    flags.put("tune.eval-every", evalEvery);
    flags.put("tune.patience", patience);
    flags.put("tune.checkpoint-every", checkpointEvery);
    flags.put("tune.max-grad-norm", maxGradNorm);
    flags.put("tune.activation-checkpointing", activationCheckpointing);
    flags.put("tune.plan-gpu-gib", gpuGib);
    TallRecConf conf = common.resolve(precisionOption.into(flags));
    TuneSettings s = TuneSettings.from(conf);
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (model == null) {
      throw new IllegalArgumentException("--model is required");
    }
    if (plan) {
      // A plan is for the GPU the tuning will run on: auto means its default there, f16.
      String requested = Precision.configured(conf);
      Precision p = requested.isBlank() || requested.equals("auto") ? Precision.F16
          : Precision.resolve(requested, null, "--precision");
      stdout.print(MemoryPlan.report(planConfig(model), s.lora(), s.cutoffLen(), p, s.planGpuGib(),
          s.microBatch()));
      return 0;
    }
    if (train.isEmpty() || out == null) {
      throw new IllegalArgumentException("--train and --out are required (or use --plan)");
    }
    Map<String, String> nouns = Domains.from(conf).nouns();
    SparkSession spark = Jobs.spark(conf, "tune");
    Tuning.Request q = Tuning.Request.builder(stage, model, s, out).tokenizer(tokenizer).data(train, valid).init(init)
        .checkpoints(workDir, resume ? Trainer.Resume.STRICT : Trainer.Resume.NEVER).nouns(nouns)
        .configJson(conf.renderJson("")).precision(Precision.configured(conf)).build();
    Tuning.Outcome o = Tuning.run(spark, q, System.err);
    stdout.printf("tune %s -> %s: %d steps%s, %d training examples, best %s at step %d (untuned %.4f), %.1f s,"
            + " %,d LoRA parameters%n", stage, o.out(), o.result().steps(), o.result().stoppedEarly() ? " (early stop)" : "",
        o.trainExamples(), Double.isNaN(o.result().bestMetric()) ? "-" : String.format("%.4f", o.result().bestMetric()),
        o.result().bestStep(), o.initialMetric(), o.result().seconds(), o.loraParameters());
    return 0;
  }

  static LlamaConfig planConfig(String model) {
    if (model.equalsIgnoreCase("llama-7b") || model.equalsIgnoreCase("llama7b")) {
      return MemoryPlan.llama7b();
    }
    if (ModelPresets.has(model)) {
      return ModelPresets.require(model);
    }
    Path p = Paths.get(model);
    Path cfg = Files.isDirectory(p) ? p.resolve("config.json") : p;
    if (!Files.exists(cfg)) {
      throw new IllegalArgumentException("--plan needs a model directory with config.json, a config.json, llama-7b or"
          + " a preset " + ModelPresets.names());
    }
    return LlamaConfig.fromHfConfig(cfg);
  }
}
