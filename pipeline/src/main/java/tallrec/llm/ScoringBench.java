package tallrec.llm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Throughput of {@link YesNoScorer} on a model of a given shape: prompts/s, tokens/s, achieved
 * GFLOP/s, and that rate as a fraction of this machine's dense F32 matmul rate, measured in the
 * same process with one large DJL matmul (so the ratio says how much of the hardware the forward
 * pass uses, whatever the machine).
 */
public final class ScoringBench {

  /** One batch size's measurement. */
  public static final class Result {
    public final int batchSize;
    public final int prompts;
    public final long tokens;
    public final double seconds;
    public final double flops;

    Result(int batchSize, int prompts, long tokens, double seconds, double flops) {
      this.batchSize = batchSize;
      this.prompts = prompts;
      this.tokens = tokens;
      this.seconds = seconds;
      this.flops = flops;
    }

    public double gflops() {
      return flops / seconds / 1e9;
    }
  }

  private ScoringBench() {}

  /** GFLOP/s of an n×n×n F32 matmul (best of {@code reps} after a warm-up). */
  public static double matmulGflops(NDManager parent, int n, int reps) {
    try (NDManager m = parent.newSubManager()) {
      NDArray a = m.randomUniform(-1f, 1f, new Shape(n, n), DataType.FLOAT32);
      NDArray b = m.randomUniform(-1f, 1f, new Shape(n, n), DataType.FLOAT32);
      a.matMul(b).close();
      double best = Double.MAX_VALUE;
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b);
        c.toFloatArray(); // forces completion (and is a cheap copy next to 2n³ flops)
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        c.close();
      }
      return 2.0 * n * n * n / best / 1e9;
    }
  }

  /**
   * FLOPs a whole forward executes on a padded [b, t] batch (with autograd, or under
   * {@link LlamaModel#wholeAttention}): every projection on every position, the full t×t attention
   * products (masked entries are computed too), the LM head on b rows only.
   */
  public static double forwardFlops(LlamaConfig c, int b, int t) {
    return forwardFlops(c, b, t, 0);
  }

  /** The same for a batch that attends to {@code past} cached positions as well as its own t. */
  public static double forwardFlops(LlamaConfig c, int b, int t, int past) {
    double tokens = (double) b * t;
    double linear = 2.0 * tokens * ((double) c.hiddenSize * c.qDim() * 2 + 2.0 * c.hiddenSize * c.kvDim()
        + 3.0 * c.hiddenSize * c.intermediateSize);
    double attention = 2.0 * 2.0 * b * (double) c.numHeads * t * (past + t) * c.headDim;
    return c.numLayers * (linear + attention) + 2.0 * b * c.hiddenSize * c.vocabSize;
  }

  /**
   * FLOPs the scorer executes for a padded [b, t] batch after {@code past} shared-prefix positions
   * ({@link LlamaModel#forwardLast}): every layer but the last on every position; the last layer's
   * keys and values on every position but its query, attention, output projection and MLP on one
   * per row; attention blocked by queries where {@code blocked} (the CPU), its masked products
   * computed, the skipped ones not; the LM head on b rows.
   */
  public static double scoringFlops(LlamaConfig c, int b, int t, int past, boolean blocked) {
    double kv = 2.0 * 2.0 * c.hiddenSize * c.kvDim();
    double rest = 2.0 * (2.0 * c.hiddenSize * c.qDim() + 3.0 * c.hiddenSize * c.intermediateSize);
    double perProduct = 2.0 * 2.0 * c.numHeads * c.headDim; // QK and PV
    double layer = (double) b * t * (kv + rest) + b * perProduct * LlamaModel.attentionProducts(t, past, blocked);
    double last = (double) b * t * kv + b * rest + b * perProduct * (past + t);
    return (c.numLayers - 1) * layer + last + 2.0 * b * c.hiddenSize * c.vocabSize;
  }

  /** FLOPs of a cache-filling forward of one [1, t] prefix (no LM head), as it runs. */
  static double prefixFlops(LlamaConfig c, int t, boolean blocked) {
    double linear = 2.0 * t * ((double) c.hiddenSize * c.qDim() * 2 + 2.0 * c.hiddenSize * c.kvDim()
        + 3.0 * c.hiddenSize * c.intermediateSize);
    return c.numLayers * (linear + 2.0 * 2.0 * c.numHeads * c.headDim * LlamaModel.attentionProducts(t, 0, blocked));
  }

  /** Scores {@code promptsPerSize} random prompts of about {@code seqLen} tokens at each batch size. */
  public static List<Result> run(LlamaModel model, int[] batchSizes, int seqLen, int promptsPerSize, long seed,
      PrintStream log) {
    return run(model, batchSizes, seqLen, promptsPerSize, seed, log, 0, false);
  }

  /**
   * The same with prompts whose first {@code commonPrefix} tokens (BOS included) are the same, as
   * TALLRec's preamble is, scored with shared-prefix reuse on or off; FLOPs count what runs.
   */
  public static List<Result> run(LlamaModel model, int[] batchSizes, int seqLen, int promptsPerSize, long seed,
      PrintStream log, int commonPrefix, boolean reusePrefix) {
    LlamaConfig c = model.config();
    Random rng = new Random(seed);
    int yes = Math.min(3, c.vocabSize - 1);
    int no = Math.min(4, c.vocabSize - 1);
    List<Result> results = new ArrayList<>();
    boolean blocked = !model.manager().getDevice().isGpu(); // see LlamaModel.attend
    for (int bs : batchSizes) {
      YesNoScorer scorer = new YesNoScorer(model, null,
          new YesNoScorer.Options().batchSize(bs).sharedPrefix(reusePrefix));
      Random common = new Random(seed + 1);
      int[] prefix = new int[Math.max(0, Math.min(commonPrefix, seqLen - 16))];
      for (int j = 0; j < prefix.length; j++) {
        prefix[j] = j == 0 ? c.bosId : 3 + common.nextInt(c.vocabSize - 3);
      }
      int n = Math.max(promptsPerSize, bs);
      List<int[]> prompts = new ArrayList<>();
      long tokens = 0;
      double flops = 0;
      for (int i = 0; i < n; i++) {
        // Lengths vary a little (seqLen-15 … seqLen), as real prompts do, so padding is exercised.
        int len = Math.max(2, Math.min(c.maxPositions, seqLen - rng.nextInt(16)));
        int[] p = new int[len];
        p[0] = c.bosId;
        for (int j = 1; j < len; j++) {
          p[j] = j < prefix.length ? prefix[j] : 3 + rng.nextInt(c.vocabSize - 3);
        }
        prompts.add(p);
        tokens += len;
      }
      // The scorer sorts by length and pads each batch to its longest: count what it executes.
      List<int[]> sorted = new ArrayList<>(prompts);
      sorted.sort((x, y) -> Integer.compare(x.length, y.length));
      int shared = scorer.sharedPrefixLength(prompts);
      if (shared > 0) {
        flops += LlamaModel.wholeAttention ? forwardFlops(c, 1, shared) - 2.0 * c.hiddenSize * c.vocabSize
            : prefixFlops(c, shared, blocked);
      }
      // In the scorer's passes: at most a batch, within the model's tokens per pass.
      long perPass = model.tokensPerPass();
      for (int s = 0, e; s < n; s = e) {
        e = YesNoScorer.passEnd(i -> sorted.get(i).length, n, s, bs, shared, perPass);
        int t = sorted.get(e - 1).length - shared;
        flops += LlamaModel.wholeAttention ? forwardFlops(c, e - s, t, shared)
            : scoringFlops(c, e - s, t, shared, blocked);
      }
      int[] y = new int[n];
      int[] no2 = new int[n];
      Arrays.fill(y, yes);
      Arrays.fill(no2, no);
      // Warm-up on one full batch: first-call kernel selection, and the allocator's first growth to
      // this batch size's working set (page faults a long scoring run pays once), are not throughput.
      scorer.scoreTokenized(prompts.subList(0, Math.min(bs, n)), y, no2);
      long t0 = System.nanoTime();
      scorer.scoreTokenized(prompts, y, no2);
      double sec = (System.nanoTime() - t0) / 1e9;
      Result r = new Result(bs, n, tokens, sec, flops);
      results.add(r);
      if (log != null) {
        log.printf("batch %d: %d prompts in %.2f s%n", bs, n, sec);
      }
    }
    return results;
  }

  /** torch's intra-op thread count (what every figure here ran on). */
  public static int torchThreads() {
    Engine.getInstance();
    return JniUtils.getNumThreads();
  }

  /** Peak resident set size in MiB (VmHWM), or -1 where /proc is absent. */
  public static long peakRssMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
