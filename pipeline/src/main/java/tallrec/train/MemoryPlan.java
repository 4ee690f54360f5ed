package tallrec.train;

import java.util.ArrayList;
import java.util.List;
import tallrec.llm.LlamaConfig;
import tallrec.llm.Precision;
import tallrec.lora.LoraConfig;

/**
 * A device-memory estimate for one LoRA training step: frozen weights, LoRA parameters with their
 * gradients and AdamW moments (F32), the activations a step holds, and the LM head's logits, in the
 * dtypes the trainer uses for a {@link Precision}: weights and the decoder's activations in the
 * precision, and, for a half precision, the F32 parts {@code LlamaModel} and {@code LoraLinear}
 * compute (RMSNorm statistics, the attention softmax with its mask, the LoRA branch, the logits).
 *
 * <p>The activation model counts what this decoder's forward creates and holds until backward
 * (every intermediate of the NDArray code, per token and layer, in elements); see
 * {@link #bytesPerTokenLayer}. The residual stream (embeddings, residual sums, each layer's input)
 * is F32 whatever the precision, as under autocast. In the activations' dtype: q, k, v, o
 * projections; rotary 4 per q/k element; q·scale, the attention output and its reshape copy
 * (8·qDim + 6·kvDim); GQA's repeated k/v (2·qDim); SwiGLU's gate, sigmoid, SiLU, up and product
 * (5·ffn); the attention scores (heads·seq); the o and down outputs and each norm's weighted
 * output (plus, for a half precision, each norm's narrowed output and the narrowed probabilities).
 * In F32: each norm's squared input and normalised output, masked scores and probabilities, the
 * residual sums (and, for a half precision, the widened scores). Per LoRA-wrapped projection, in
 * F32: dropout's uniform draw, float mask, scaled mask, masked input (4·in, plus a quarter for the
 * boolean mask), the A and B products (r + out) and the sum (out); for a half precision also the
 * widened input and base output (in + out) and, in half, the narrowed sum (out). Backward adds one
 * layer's worth of gradients at a time. The head holds 4·vocab F32 per token at its peak (logits,
 * log-softmax, and the two gradients of the same size in backward); for a half precision the
 * head's product is F32 too and keeps its widened weight (vocab × hidden F32) and input. With
 * activation checkpointing only each layer's input is kept, plus one layer's activations
 * (recomputed in backward) with their gradients, and the head's; the peak counts both, since the
 * allocator keeps freed blocks cached. Checked against measured peaks with
 * {@code bench tuning --memory} (see the README); the 1 GiB margin is for workspace and
 * fragmentation.
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

  /** Bytes per token and decoder layer that a step keeps for backward, for {@code precision}. */
  static long bytesPerTokenLayer(LlamaConfig c, LoraConfig lora, int seq, Precision precision) {
    long d = c.hiddenSize;
    long hs = (long) c.numHeads * seq;
    boolean half = precision.isHalf();
    // elements in the activations' dtype, elements in F32, and bytes of boolean masks
    long act = 8L * c.qDim() + 6L * c.kvDim() + 5L * c.intermediateSize + hs
        + (c.numHeads > c.numKvHeads ? 2L * c.qDim() : 0);
    long f32 = 2 * hs + 2 * 2L * d; // masked scores, probabilities; per norm: square, normalised
    long bool = 0;
    if (half) {
      // per norm: narrowed and weighted output; o and down outputs; the narrowed probabilities
      act += 2 * 2L * d + 2L * d + hs;
      f32 += 2L * d + hs; // the two residual sums (the stream is F32); the widened scores
    } else {
      act += 2L * d + 4L * d; // per norm: weighted output; o and down outputs, residual sums
    }
    for (String t : lora.targets()) {
      long[] io = inOut(c, t);
      f32 += 4L * io[0] + lora.r() + 2L * io[1];
      bool += io[0];
      if (half) {
        f32 += io[0] + io[1]; // widened input and base output
        act += io[1]; // the narrowed sum
      }
    }
    return act * precision.bytes() + f32 * 4 + bool;
  }

  /**
   * @param precision the frozen weights' (and decoder activations') precision, as {@code --precision}
   */
  public static Estimate estimate(LlamaConfig c, LoraConfig lora, int micro, int seq, Precision precision,
      boolean checkpointing) {
    long weights = c.parameterCount() * precision.bytes();
    long loraParams = 0;
    for (String t : lora.targets()) {
      long[] io = inOut(c, t);
      loraParams += (long) lora.r() * (io[0] + io[1]);
    }
    loraParams *= c.numLayers;
    // parameter + gradient + AdamW m and v, all F32
    long loraBytes = loraParams * 4 * 4;
    long tokens = (long) micro * seq;
    long perTokenLayer = bytesPerTokenLayer(c, lora, seq, precision);
    // logits, log-softmax and, in backward, the gradients of both, in F32
    long logits = tokens * c.vocabSize * 4L * 4;
    if (precision.isHalf()) {
      // the head's product in F32: its widened weight, kept for backward, and the widened input
      logits += (long) c.vocabSize * c.hiddenSize * 4 + tokens * c.hiddenSize * 4L;
    }
    long activations;
    // Backward adds the gradients of one layer's activations while it differentiates that layer:
    // one more layer's worth at the peak.
    if (checkpointing) {
      // Layer inputs kept, plus one recomputed layer's graph and its gradients (measured: about
      // 1.5 layers' worth, as the gradients are freed while backward walks the graph). The head's
      // graph comes and goes separately, but a caching allocator (glibc's heap here, PyTorch's on
      // a GPU) keeps the layer-sized blocks it freed, so the peak is the sum, not the max.
      activations = tokens * ((long) (c.numLayers + 1) * d(c) * 4 + 3 * perTokenLayer / 2);
    } else {
      activations = tokens * perTokenLayer * (c.numLayers + 1);
    }
    long workspace = 1L << 30;
    return new Estimate(micro, seq, checkpointing, weights, loraBytes, activations, logits, workspace);
  }

  private static long d(LlamaConfig c) {
    return c.hiddenSize;
  }

  /** {in, out} features of a target projection. */
  static long[] inOut(LlamaConfig c, String t) {
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
    return new long[] {in, out};
  }

  /** A table over micro-batch sizes with and without checkpointing, and the recommendation. */
  public static String report(LlamaConfig c, LoraConfig lora, int seq, Precision precision, double gpuGib,
      int requestedMicro) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("memory plan: %s, %.2fB parameters, precision %s (%s), cutoff %d, LoRA r=%d on %s (F32"
        + " with gradients and AdamW moments); device %.0f GiB%n", c, c.parameterCount() / 1e9, precision.key(),
        precision.isHalf() ? "half weights and activations; norms, softmax, LoRA and logits in F32" : "all F32", seq,
        lora.r(), lora.targets(), gpuGib));
    sb.append(String.format("%6s %5s %10s %9s %12s %9s %9s %10s  %s%n", "micro", "ckpt", "weights", "lora+opt",
        "activations", "logits", "margin", "total", "fits"));
    List<Estimate> fit = new ArrayList<>();
    for (boolean ck : new boolean[] {false, true}) {
      for (int m : new int[] {1, 2, 4, 8, 16, 32}) {
        Estimate e = estimate(c, lora, m, seq, precision, ck);
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
          lora, 1, seq, precision, true).weights())));
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
