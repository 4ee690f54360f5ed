package tallrec.score;

import ai.djl.ndarray.NDManager;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ConcurrentHashMap;
import tallrec.llm.LlamaCheckpoints;
import tallrec.lora.LoraAdapter;

/**
 * One loaded model per executor JVM, shared by all tasks that run there: loading a multi-GiB
 * checkpoint per task (or per row) would dwarf the scoring itself. Keyed by model path and
 * tokenizer; models stay loaded for the JVM's life, as executors are reused across stages.
 */
public final class ModelCache {

  private static final ConcurrentHashMap<String, LlamaCheckpoints.Loaded> MODELS = new ConcurrentHashMap<>();
  private static final NDManager ROOT = NDManager.newBaseManager();

  private ModelCache() {}

  /** The model at {@code modelPath} (a path readable on this node), loaded on first use. */
  public static LlamaCheckpoints.Loaded get(String modelPath, String tokenizerPath) {
    return get(modelPath, tokenizerPath, null);
  }

  /**
   * The model with a PEFT LoRA adapter merged into its weights (null = none), loaded on first use.
   * Keyed by model, tokenizer and adapter: each adapter gets its own copy of the base weights,
   * since merging changes them.
   */
  public static LlamaCheckpoints.Loaded get(String modelPath, String tokenizerPath, String adapterPath) {
    return get(modelPath, tokenizerPath, adapterPath, "auto");
  }

  /** The same, with the base weights in {@code precision} (f32, f16, bf16, auto); part of the key. */
  public static LlamaCheckpoints.Loaded get(String modelPath, String tokenizerPath, String adapterPath,
      String precision) {
    String key = modelPath + "|" + (tokenizerPath == null ? "" : tokenizerPath) + "|"
        + (adapterPath == null ? "" : adapterPath) + "|" + precision;
    return MODELS.computeIfAbsent(key, k -> {
      LlamaCheckpoints.Options options = new LlamaCheckpoints.Options().precision(precision);
      if (tokenizerPath != null) {
        options.tokenizer(Paths.get(tokenizerPath));
      }
      LlamaCheckpoints.Loaded loaded = LlamaCheckpoints.load(localPath(modelPath), options, ROOT);
      if (adapterPath != null) {
        try {
          LoraAdapter.load(loaded.model, localPath(adapterPath)).merge();
        } catch (RuntimeException e) {
          loaded.close();
          throw e;
        }
      }
      return loaded;
    });
  }

  /** How many models this JVM holds (for tests of the once-per-JVM rule). */
  public static int size() {
    return MODELS.size();
  }

  private static Path localPath(String p) {
    return p.startsWith("file:") ? Paths.get(URI.create(p)) : Paths.get(p);
  }
}
