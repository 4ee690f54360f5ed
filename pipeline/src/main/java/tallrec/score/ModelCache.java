package tallrec.score;

import ai.djl.ndarray.NDManager;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tallrec.llm.LlamaCheckpoints;
import tallrec.lora.LoraAdapter;

/**
 * The loaded models of an executor JVM, shared by all tasks that run there: loading a multi-GiB
 * checkpoint per task (or per row) would dwarf the scoring itself. Keyed by model path, tokenizer,
 * adapter and precision; a task holds its model through a {@link Lease}.
 *
 * <p>Executors are reused across stages, and each adapter gets its own copy of the base weights
 * (merging changes them), so an experiment that scores K = 16, 64 and 256 and the untuned model in
 * turn would otherwise keep four copies: four LLaMA-7B copies in F16 are 50 GiB, where a GPU node
 * has 24. So a model stays loaded after its last task only until a task asks for a different one:
 * every model that no task holds is closed before the next one loads, and the one in use last is
 * kept for the next stage that scores with it.
 */
public final class ModelCache {

  private static final Map<String, Entry> MODELS = new HashMap<>();
  private static final NDManager ROOT = NDManager.newBaseManager();
  private static int loads;

  private ModelCache() {}

  /** A model held by one task; {@link #close} hands it back (it stays loaded until another is needed). */
  public static final class Lease implements AutoCloseable {
    public final LlamaCheckpoints.Loaded loaded;
    private final Entry entry;
    private boolean closed;

    private Lease(Entry entry) {
      this.entry = entry;
      this.loaded = entry.loaded;
    }

    @Override
    public void close() {
      synchronized (ModelCache.class) {
        if (!closed) {
          closed = true;
          entry.users--;
        }
      }
    }
  }

  private static final class Entry {
    final LlamaCheckpoints.Loaded loaded;
    int users;

    Entry(LlamaCheckpoints.Loaded loaded) {
      this.loaded = loaded;
    }
  }

  /** The model at {@code modelPath} (a path readable on this node), loaded on first use. */
  public static Lease lease(String modelPath, String tokenizerPath) {
    return lease(modelPath, tokenizerPath, null, "auto");
  }

  /**
   * The model with a PEFT LoRA adapter merged into its weights (null = none), in {@code precision}
   * (f32, f16, bf16, auto), loaded on first use. Loading one closes every model no task holds
   * first, so that at most one idle copy ever shares the device with it. Loads happen one at a
   * time: the tasks of a stage all want the same model, and two multi-GiB loads at once would
   * only compete for memory.
   */
  public static synchronized Lease lease(String modelPath, String tokenizerPath, String adapterPath,
      String precision) {
    String key = modelPath + "|" + (tokenizerPath == null ? "" : tokenizerPath) + "|"
        + (adapterPath == null ? "" : adapterPath) + "|" + precision;
    Entry e = MODELS.get(key);
    if (e == null) {
      closeUnused();
      e = new Entry(load(modelPath, tokenizerPath, adapterPath, precision));
      MODELS.put(key, e);
      loads++;
    }
    e.users++;
    return new Lease(e);
  }

  /**
   * Closes every model no task holds, as a load of another model does first ({@code bench
   * score-stage} also starts each round this way: without a loaded model, as a {@code run}'s stage
   * that scores a new adapter does).
   */
  public static synchronized void closeUnused() {
    List<String> idle = new ArrayList<>();
    MODELS.forEach((k, e) -> {
      if (e.users == 0) {
        idle.add(k);
      }
    });
    for (String k : idle) {
      MODELS.remove(k).loaded.close();
    }
  }

  private static LlamaCheckpoints.Loaded load(String modelPath, String tokenizerPath, String adapterPath,
      String precision) {
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
  }

  /** How many models this JVM holds now, in use or kept. */
  public static synchronized int size() {
    return MODELS.size();
  }

  /** How many times this JVM has loaded a model (for tests of the once-per-JVM rule). */
  public static synchronized int loads() {
    return loads;
  }

  private static Path localPath(String p) {
    return p.startsWith("file:") ? Paths.get(URI.create(p)) : Paths.get(p);
  }
}
