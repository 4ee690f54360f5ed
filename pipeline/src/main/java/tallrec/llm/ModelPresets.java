package tallrec.llm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Model shapes by name, for benchmarks and for tuning a random-weight model of a known shape
 * ({@code tune --model llama-100m}). LLaMA-style: SwiGLU width ≈ 8/3 · hidden, a 32,000-token
 * vocabulary, except stories260K's own.
 */
public final class ModelPresets {

  private static final Map<String, LlamaConfig> PRESETS = new LinkedHashMap<>();

  static {
    // The demo's backbone (tallrec.experiment.model.pretrained-on-synth.shape) with the 468-word
    // vocabulary its synthetic world's tokenizer has: what `bench tuning --preset demo` steps.
    PRESETS.put("demo", LlamaConfig.of(64, 176, 2, 4, 4, 468, 512, false));
    PRESETS.put("stories260K", LlamaConfig.of(64, 172, 5, 8, 4, 512, 512, true));
    PRESETS.put("llama-20m", LlamaConfig.of(256, 688, 8, 8, 8, 32000, 2048, false));
    PRESETS.put("llama-100m", LlamaConfig.of(768, 2048, 12, 12, 12, 32000, 2048, false));
    PRESETS.put("llama-350m", LlamaConfig.of(1024, 2816, 24, 16, 16, 32000, 2048, false));
    // TinyLlama-1.1B's shape (grouped-query attention, 4 KV heads): 2.2 GB of F16 weights.
    PRESETS.put("llama-1b", LlamaConfig.of(2048, 5632, 22, 32, 4, 32000, 2048, false));
    // LLaMA-7B's shape (huggyllama/llama-7b): 12.6 GiB of F16 weights, for GPU checks.
    PRESETS.put("llama-7b", LlamaConfig.of(4096, 11008, 32, 32, 32, 32000, 2048, false));
  }

  private ModelPresets() {}

  /** The preset names, in order of size. */
  public static Set<String> names() {
    return Collections.unmodifiableSet(PRESETS.keySet());
  }

  public static boolean has(String name) {
    return PRESETS.containsKey(name);
  }

  /** The preset's shape; an unknown name is refused with the known ones listed. */
  public static LlamaConfig require(String name) {
    LlamaConfig c = PRESETS.get(name);
    if (c == null) {
      throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + PRESETS.keySet() + ")");
    }
    return c;
  }
}
