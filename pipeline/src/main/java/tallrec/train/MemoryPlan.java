package tallrec.train;

import java.util.ArrayList;
import java.util.List;
import tallrec.llm.LlamaConfig;
import tallrec.lora.LoraConfig;

/**
 * A device-memory estimate for one LoRA training step: frozen weights, LoRA parameters with their
 * gradients and AdamW moments (F32), activations kept for backward at micro-batch × sequence
 * length, and the LM head's logits. Activations per token and layer are counted from the tensors
 * this decoder keeps for backward: about 20·hidden + 5·ffn + 3·heads·seq elements (norms, q/k/v,
 * rotary, attention scores/probabilities, SwiGLU's gate/up/product, residuals) plus the LoRA
 * inputs; with activation checkpointing only each layer's input is kept and one layer is
 * recomputed at a time. An estimate (±20 %), not a measurement: it leaves a workspace margin.
 */
public final class MemoryPlan {

  /** One setting's estimate in bytes. */
  public record Estimate(int microBatch, int seqLen, boolean checkpointing, long weights, long lora, long activations,
      long logits, long workspace) {
    public long total() {
      return weights + lora + activations + logits + workspace;
    }

    /**
     * What one step adds on top of weights, LoRA parameters and optimizer state: the activations
     * kept for backward, the logits and the LoRA gradients (a quarter of {@link #lora}). This is
     * what {@code bench tuning --memory} measures.
     */
    public long stepWorkingSet() {
      return activations + logits + lora / 4;
    }
  }

  private MemoryPlan() {}

  /**
   * @param weightBytes bytes per frozen weight (2 = FP16/BF16, 4 = F32)
   * @param actBytes bytes per activation element
   */
  public static Estimate estimate(LlamaConfig c, LoraConfig lora, int micro, int seq, int weightBytes, int actBytes,
      boolean checkpointing) {
    long weights = c.parameterCount() * weightBytes;
    long loraParams = 0;
    for (String t : lora.targets()) {
      long in = switch (t) {
        case "o_proj" -> c.qDim();
        case "down_proj" -> c.intermediateSize;
        default -> c.hiddenSize;
      };
      long out = switch (t) {
        case "q_proj" -> c.qDim();
        case "k_proj", "v_proj" -> c.kvDim();
        case "gate_proj", "up_proj" -> c.intermediateSize;
        default -> c.hiddenSize;
      };
      loraParams += (long) lora.r() * (in + out);
    }
    loraParams *= c.numLayers;
    // parameter + gradient + AdamW m and v, all F32
    long loraBytes = loraParams * 4 * 4;
    long tokens = (long) micro * seq;
    long perTokenLayer = 20L * c.hiddenSize + 5L * c.intermediateSize + 3L * c.numHeads * seq
        + 2L * lora.targets().size() * c.hiddenSize;
    long activations = checkpointing
        ? tokens * ((long) c.numLayers * c.hiddenSize + perTokenLayer) * actBytes
        : tokens * perTokenLayer * c.numLayers * actBytes;
    // logits, log-softmax and its gradient, in F32
    long logits = tokens * c.vocabSize * 4L * 3;
    long workspace = 1L << 30;
    return new Estimate(micro, seq, checkpointing, weights, loraBytes, activations, logits, workspace);
  }

  /** A table over micro-batch sizes with and without checkpointing, and the recommendation. */
  public static String report(LlamaConfig c, LoraConfig lora, int seq, int weightBytes, int actBytes, double gpuGib,
      int requestedMicro) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("memory plan: %s, %.2fB parameters, weights %d-byte, activations %d-byte, cutoff %d,"
        + " LoRA r=%d on %s; device %.0f GiB%n", c, c.parameterCount() / 1e9, weightBytes, actBytes, seq, lora.r(),
        lora.targets(), gpuGib));
    sb.append(String.format("%6s %5s %10s %9s %12s %9s %9s %10s  %s%n", "micro", "ckpt", "weights", "lora+opt",
        "activations", "logits", "margin", "total", "fits"));
    List<Estimate> fit = new ArrayList<>();
    for (boolean ck : new boolean[] {false, true}) {
      for (int m : new int[] {1, 2, 4, 8, 16, 32}) {
        Estimate e = estimate(c, lora, m, seq, weightBytes, actBytes, ck);
        boolean ok = e.total() <= gpuGib * (1L << 30);
        if (ok) {
          fit.add(e);
        }
        sb.append(String.format("%6d %5s %10s %9s %12s %9s %9s %10s  %s%s%n", m, ck ? "on" : "off", gib(e.weights()),
            gib(e.lora()), gib(e.activations()), gib(e.logits()), gib(e.workspace()), gib(e.total()), ok ? "yes" : "no",
            m == requestedMicro ? "  <- --micro-batch" : ""));
      }
    }
    Estimate best = null;
    for (Estimate e : fit) {
      // Largest micro-batch; prefer no checkpointing (no recompute) at equal size.
      if (best == null || e.microBatch() > best.microBatch()) {
        best = e;
      }
    }
    if (best == null) {
      sb.append(String.format("does not fit %.0f GiB at any micro-batch (weights alone %s)%n", gpuGib, gib(estimate(c,
          lora, 1, seq, weightBytes, actBytes, true).weights())));
    } else {
      sb.append(String.format("fits %.0f GiB: micro-batch %d%s (%s), gradient accumulation to the batch%n", gpuGib,
          best.microBatch(), best.checkpointing() ? " with activation checkpointing" : "", gib(best.total())));
    }
    return sb.toString();
  }

  static String gib(long bytes) {
    return String.format("%.2f GiB", bytes / (double) (1L << 30));
  }

  /** LLaMA-7B's shape (HF config of huggyllama/llama-7b). */
  public static LlamaConfig llama7b() {
    return new LlamaConfig("llama", 4096, 11008, 32, 32, 32, 128, 1e-6, 10000.0, 32000, 2048, false, 1, 2, "float16");
  }
}
