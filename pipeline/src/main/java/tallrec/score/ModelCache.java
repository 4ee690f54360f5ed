package tallrec.score;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ConcurrentHashMap;
import tallrec.llm.LlamaCheckpoints;

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
    String key = modelPath + "|" + (tokenizerPath == null ? "" : tokenizerPath);
    return MODELS.computeIfAbsent(key, k -> {
      LlamaCheckpoints.Options options = new LlamaCheckpoints.Options();
      if (tokenizerPath != null) {
        options.tokenizer(Paths.get(tokenizerPath));
      }
      return LlamaCheckpoints.load(localPath(modelPath), options, ROOT);
    });
  }

  /** How many models this JVM holds (for tests of the once-per-JVM rule). */
  public static int size() {
    return MODELS.size();
  }

  private static Path localPath(String p) {
    return p.startsWith("file:") ? Paths.get(java.net.URI.create(p)) : Paths.get(p);
  }
}
