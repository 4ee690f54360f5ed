package tallrec.llm;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tallrec.text.Tokenizer;
import tallrec.text.Tokenizers;

/**
 * Opens a model from what a user has: a Hugging Face directory (config.json + safetensors, single
 * or sharded, + tokenizer.model), a single {@code .safetensors} file (config.json beside it), or
 * a llama2.c {@code .bin} (+ a tokenizer path). PyTorch pickles are refused with a conversion hint.
 */
public final class LlamaCheckpoints {

  private LlamaCheckpoints() {}

  /** Loading settings: fluent setters, and accessors of the same name. */
  public static final class Options {
    private Path tokenizer;
    private boolean loadTokenizer = true;
    private String precision = "auto";

    /**
     * {@code tallrec.model.precision}: f32, f16, bf16 or auto (F16 on a GPU, F32 on the CPU),
     * resolved for the device of the manager the model is loaded under.
     */
    public String precision() {
      return precision;
    }

    public Options precision(String p) {
      this.precision = p;
      return this;
    }

    /** Tokenizer file or directory; null = the model directory's own (required for llama2.c). */
    public Path tokenizer() {
      return tokenizer;
    }

    public Options tokenizer(Path p) {
      this.tokenizer = p;
      return this;
    }

    /** False: load the model only (tokenizer null in the result). */
    public boolean loadTokenizer() {
      return loadTokenizer;
    }

    public Options loadTokenizer(boolean b) {
      this.loadTokenizer = b;
      return this;
    }
  }

  /** A loaded model and its tokenizer; closing closes the model (and the manager it made, if any). */
  public static final class Loaded implements AutoCloseable {
    public final LlamaModel model;
    public final Tokenizer tokenizer;
    public final String source;
    private NDManager owned;

    Loaded(LlamaModel model, Tokenizer tokenizer, String source) {
      this.model = model;
      this.tokenizer = tokenizer;
      this.source = source;
    }

    @Override
    public void close() {
      model.close();
      if (owned != null) {
        owned.close();
      }
    }
  }

  /** Loads under a new base manager that the result owns. */
  public static Loaded load(Path path, Options options) {
    NDManager m = NDManager.newBaseManager();
    try {
      Loaded l = load(path, options, m);
      l.owned = m;
      return l;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  public static Loaded load(Path path, Options options, NDManager parent) {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("model path does not exist: " + path);
    }
    String name = path.getFileName().toString();
    Precision precision = Precision.resolve(options.precision, parent.getDevice(), "tallrec.model.precision");
    precision.requireUsable(parent.getDevice());
    LlamaConfig config;
    WeightSource weights;
    Path tokenizerDefault;
    if (Files.isDirectory(path) || name.endsWith(".safetensors") || name.endsWith(".index.json")) {
      Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
      Path cfg = dir.resolve("config.json");
      if (!Files.exists(cfg)) {
        throw new IllegalArgumentException("no config.json in " + dir + " (a Hugging Face model directory needs one)");
      }
      config = LlamaConfig.fromHfConfig(cfg);
      weights = SafetensorsCheckpoint.open(path);
      tokenizerDefault = dir;
    } else if (name.endsWith(".pt") || name.endsWith(".pth") || name.startsWith("pytorch_model")) {
      SafetensorsCheckpoint.refusePickle(path);
      throw new IllegalStateException("unreachable");
    } else {
      Llama2cCheckpoint ck = Llama2cCheckpoint.open(path);
      config = ck.config();
      weights = ck;
      tokenizerDefault = null;
    }
    try (WeightSource w = weights) {
      Tokenizer tok = null;
      if (options.loadTokenizer) {
        Path tp = options.tokenizer != null ? options.tokenizer : tokenizerDefault;
        if (tp == null) {
          throw new IllegalArgumentException(path + " is a llama2.c checkpoint: give its tokenizer (e.g. tok512.bin)");
        }
        tok = loadTokenizer(tp);
        if (tok.vocabSize() > config.vocabSize) {
          throw new IllegalArgumentException("tokenizer " + tp + " has " + tok.vocabSize()
              + " tokens but the model's vocabulary is " + config.vocabSize);
        }
      }
      LlamaModel model = LlamaModel.load(config, w, parent, precision);
      return new Loaded(model, tok, w.describe());
    }
  }

  /**
   * A tokenizer file or directory, via {@link Tokenizers#load(Path)} (tokenizer.model,
   * tokenizer.json, llama2.c .bin, or {@code byte}).
   */
  public static Tokenizer loadTokenizer(Path p) {
    try {
      return Tokenizers.load(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read tokenizer " + p + ": " + e.getMessage(), e);
    }
  }
}
