package tallrec.jobs;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.MklDispatch;
import tallrec.llm.ModelPresets;
import tallrec.llm.NativeAttention;
import tallrec.llm.Precision;
import tallrec.llm.RandomWeights;
import tallrec.llm.ScoringBench;

/** {@code tallrec bench scoring}: Yes/No scoring throughput against this machine's matmul rate. */
@Command(
    name = "scoring",
    mixinStandardHelpOptions = true,
    description = "Score random ~seq-len-token prompts with a model of a preset shape (random weights; "
        + "stories260K uses the real checkpoint when ../shared has it) and report prompts/s, tokens/s, "
        + "GFLOP/s and the ratio to a large DJL matmul measured in the same run.")
public final class BenchScoringCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Mixin PrecisionOption precisionOption;

  private Precision precision;

  @Option(names = "--preset", required = true, paramLabel = "NAME",
      description = "Model shape: ${COMPLETION-CANDIDATES}.", completionCandidates = Presets.class)
  String preset;

  @Option(names = "--batch-sizes", split = ",", defaultValue = "1,8,32")
  int[] batchSizes;

  @Option(names = "--seq-len", defaultValue = "240")
  int seqLen;

  @Option(names = "--prompts", defaultValue = "32", description = "Prompts scored per batch size (at least one batch).")
  int prompts;

  @Option(names = "--matmul-size", defaultValue = "2048", description = "n of the n×n×n reference matmul.")
  int matmulSize;

  @Option(names = "--shared-prefix", defaultValue = "0", paramLabel = "TOKENS",
      description = "Prompts share their first TOKENS tokens (TALLRec's preamble; `bench prompts` measures it on "
          + "real samples) and each batch size is scored with shared-prefix reuse off, then on; 0 = random prompts, "
          + "reuse off.")
  int sharedPrefix;

  @Option(names = "--compare-attention", description = "Time each batch size three ways more, alternating twice: "
      + "the scoring forward before the attention work (every position of the last layer, attention not split into "
      + "query blocks), with torch's ops in query blocks (the native kernels off), and as it runs now (the fused "
      + "native attention, RMSNorm, SiLU·up and rotary where they are loaded); report the ratios.")
  boolean compareAttention;

  /** Preset names for help/completion. */
  static final class Presets implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return ModelPresets.names().iterator();
    }
  }

  @Override
  public Integer call() {
    String requested = precisionOption.resolve(common);
    LlamaConfig cfg = ModelPresets.require(preset);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (NDManager m = NDManager.newBaseManager()) {
      precision = Precision.resolve(requested, m.getDevice(), "--precision");
      precision.requireUsable(m.getDevice());
      LlamaModel model = load(cfg, m);
      cfg = model.config();
      out.printf("model %s: %s, %.1fM parameters, %s weights%n", preset, cfg, cfg.parameterCount() / 1e6,
          precision.key());
      // This machine is shared: the dense rate is re-measured next to each batch size, and each
      // ratio uses the mean of the rates measured just before and just after that batch size.
      // The first products of a process run slow (thread pools, page faults): a throwaway round first.
      ScoringBench.matmulGflops(m, matmulSize, 1);
      double before = ScoringBench.matmulGflops(m, matmulSize, 3);
      out.printf("threads: %d torch intra-op; %s; attention without autograd: %s; %s%n", ScoringBench.torchThreads(),
          MklDispatch.describe(), NativeAttention.describe(), JitMode.describe());
      out.printf("dense matmul %d^3 F32: DJL %.1f GFLOP/s; numpy (OpenBLAS) %s%n", matmulSize, before,
          NumpyMatmulRate.describe(matmulSize, ScoringBench.torchThreads()));
      for (int bs : batchSizes) {
        ScoringBench.Result r = ScoringBench.run(model, new int[] {bs}, seqLen, prompts, 1, System.err,
            sharedPrefix, false).get(0);
        ScoringBench.Result shared = sharedPrefix <= 0 ? null : ScoringBench.run(model, new int[] {bs}, seqLen,
            prompts, 1, System.err, sharedPrefix, true).get(0);
        ScoringBench.Result whole = null;
        ScoringBench.Result torchBlocks = null;
        ScoringBench.Result now = null;
        if (compareAttention) {
          // Alternating whole / torch's blocks / now twice, each keeping its faster run: this
          // machine's rate drifts.
          for (int rep = 0; rep < 2; rep++) {
            LlamaModel.wholeAttention = true;
            try {
              whole = faster(whole, ScoringBench.run(model, new int[] {bs}, seqLen, prompts, 1, System.err,
                  sharedPrefix, sharedPrefix > 0).get(0));
            } finally {
              LlamaModel.wholeAttention = false;
            }
            if (NativeAttention.available()) {
              NativeAttention.off = true;
              try {
                torchBlocks = faster(torchBlocks, ScoringBench.run(model, new int[] {bs}, seqLen, prompts, 1,
                    System.err, sharedPrefix, sharedPrefix > 0).get(0));
              } finally {
                NativeAttention.off = false;
              }
            }
            now = faster(now, ScoringBench.run(model, new int[] {bs}, seqLen, prompts, 1, System.err,
                sharedPrefix, sharedPrefix > 0).get(0));
          }
        }
        double after = ScoringBench.matmulGflops(m, matmulSize, 3);
        double matmul = (before + after) / 2;
        print(out, sharedPrefix > 0 ? "prefix recomputed" : "", r, matmul);
        if (shared != null) {
          print(out, "prefix shared", shared, matmul);
          out.printf("batch %3d: shared-prefix reuse scores %.2fx the prompts/s of recomputing it%n", bs,
              r.seconds / shared.seconds);
        }
        if (compareAttention) {
          String sharing = sharedPrefix > 0 ? ", prefix shared" : "";
          print(out, "whole attention" + sharing, whole, matmul);
          if (torchBlocks != null) {
            print(out, "torch query blocks + last position" + sharing, torchBlocks, matmul);
            print(out, "native kernels + last position" + sharing, now, matmul);
            out.printf("batch %3d: the native kernels score %.2fx the prompts/s of torch's query-blocked ops,"
                + " %.2fx those of the whole forward%n", bs, torchBlocks.seconds / now.seconds, whole.seconds / now.seconds);
          } else {
            print(out, "query blocks + last position" + sharing, now, matmul);
            out.printf("batch %3d: query-blocked attention and the last position alone score %.2fx the prompts/s of"
                + " the whole forward (native attention: %s)%n", bs, whole.seconds / now.seconds,
                NativeAttention.unavailableReason());
          }
        }
        before = after;
      }
      out.printf("peak RSS %d MiB%n", ScoringBench.peakRssMib());
      model.close();
    }
    return 0;
  }

  private static ScoringBench.Result faster(ScoringBench.Result a, ScoringBench.Result b) {
    return a == null || b.seconds < a.seconds ? b : a;
  }

  private static void print(PrintStream out, String label, ScoringBench.Result r, double matmul) {
    out.printf("batch %3d%s: %.2f prompts/s, %.0f tokens/s, %.1f GFLOP/s = %.0f%% of matmul %.1f GFLOP/s"
            + " (%d prompts, %.1f s)%n",
        r.batchSize, label.isEmpty() ? "" : ", " + label, r.prompts / r.seconds, r.tokens / r.seconds, r.gflops(),
        100 * r.gflops() / matmul, matmul, r.prompts, r.seconds);
  }

  private LlamaModel load(LlamaConfig cfg, NDManager m) {
    return presetModel(preset, cfg, m, precision);
  }

  /**
   * The bench model of a preset: stories260K's real checkpoint when ../shared (TALLREC_SHARED) has
   * it, else random weights of the preset's shape.
   */
  static LlamaModel presetModel(String preset, LlamaConfig cfg, NDManager m, Precision precision) {
    if (preset.equals("stories260K")) {
      Path shared = Path.of(System.getenv().getOrDefault("TALLREC_SHARED", "../shared"));
      Path dir = shared.resolve("models/stories260K-hf");
      if (Files.isDirectory(dir)) {
        System.err.println("using the real checkpoint " + dir);
        return LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options().loadTokenizer(false).precision(precision.key()), m)
            .model;
      }
    }
    return LlamaModel.load(cfg, new RandomWeights(cfg, 1), m, precision);
  }
}
