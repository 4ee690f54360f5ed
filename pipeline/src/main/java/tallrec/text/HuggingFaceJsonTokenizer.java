package tallrec.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} (e.g. LLaMA-3's byte-level BPE), run by DJL's bundled
 * Rust tokenizers library; nothing is downloaded.
 *
 * <p>DJL exposes no vocabulary lookup, so the vocabulary ({@code model.vocab} plus
 * {@code added_tokens}) is read from the JSON here. BOS/EOS/pad/unk come from a sibling
 * {@code tokenizer_config.json} when there is one (a JSON {@code null} there means "none": no
 * name is guessed), else from well-known token names.
 *
 * <p>Whether {@code encode(text, true)} prepends BOS follows the tokenizer's own convention, as
 * Hugging Face's {@code AutoTokenizer} does: {@code tokenizer_config.json}'s {@code add_bos_token}
 * when it has one; otherwise whether the JSON's post-processor (a {@code TemplateProcessing}, also
 * inside a {@code Sequence}; or the CLS of a Bert/Roberta processor) starts its {@code single}
 * template with special tokens, which are then the prefix (and, when {@code bos_token} is not
 * configured, the BOS). A {@code bos_token} configured as {@code null} makes {@link #bosId()} -1.
 * Llama 3 prepends {@code <|begin_of_text|>}; Qwen2/Qwen3 prepend nothing. The post-processor is
 * otherwise bypassed: nothing is ever appended (no EOS).
 */
public final class HuggingFaceJsonTokenizer implements Tokenizer, AutoCloseable {

  private static final List<String> BOS_NAMES = List.of("<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>");
  private static final List<String> EOS_NAMES = List.of("<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>");
  private static final List<String> PAD_NAMES = List.of("<pad>", "<|pad|>", "[PAD]");

  private final HuggingFaceTokenizer hf;
  private final String[] pieces;
  private final Map<String, Integer> ids = new HashMap<>();
  private final int bosId;
  /** What {@code encode(text, true)} prepends; empty when this tokenizer adds no BOS. */
  private final int[] prefix;
  private final int eosId;
  private final int padId;
  private final int unkId;

  private HuggingFaceJsonTokenizer(String source, byte[] json, JsonNode config) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    readVocabulary(root);
    int size = 0;
    for (int id : ids.values()) {
      size = Math.max(size, id + 1);
    }
    pieces = new String[size];
    ids.forEach((p, id) -> pieces[id] = p);
    int[] template = templatePrefix(source, root.path("post_processor"));
    JsonNode addBos = config == null ? null : config.get("add_bos_token");
    // BOS: as configured (null = none); unconfigured, the template's first special, else a known name.
    boolean bosConfigured = config != null && config.has("bos_token");
    int bos = !bosConfigured && template != null && template.length > 0 ? template[0]
        : special(config, "bos_token", BOS_NAMES);
    if (addBos != null && addBos.isBoolean()) {
      if (addBos.booleanValue() && bos < 0) {
        throw new IllegalArgumentException(source + ": tokenizer_config.json sets add_bos_token but names no "
            + "bos_token in the vocabulary");
      }
      this.prefix = addBos.booleanValue() ? new int[] {bos} : new int[0];
    } else {
      this.prefix = template != null ? template : new int[0];
    }
    this.bosId = bos;
    this.eosId = special(config, "eos_token", EOS_NAMES);
    this.padId = special(config, "pad_token", PAD_NAMES);
    JsonNode unk = root.path("model").path("unk_token");
    this.unkId = special(config, "unk_token", unk.isTextual() ? List.of(unk.asText()) : List.of());
    this.hf = newNative(source, json);
  }

  public static HuggingFaceJsonTokenizer load(Path file) throws IOException {
    JsonNode config = null;
    Path cfg = file.toAbsolutePath().resolveSibling("tokenizer_config.json");
    if (Files.isRegularFile(cfg)) {
      config = new ObjectMapper().readTree(cfg.toFile());
    }
    try {
      return new HuggingFaceJsonTokenizer(file.toString(), Files.readAllBytes(file), config);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** From a stream (e.g. a Hadoop FS file); specials are then found by their usual names. */
  public static HuggingFaceJsonTokenizer load(InputStream json) throws IOException {
    return new HuggingFaceJsonTokenizer("<stream>", json.readAllBytes(), null);
  }

  private static HuggingFaceTokenizer newNative(String source, byte[] json) throws IOException {
    // Special tokens are ours to add; truncation and padding would silently change ids.
    Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
    } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
      throw new IllegalStateException(source + ": DJL's Hugging Face tokenizers native library "
          + "could not be loaded (" + e + "); tokenizer.json files need it (set TALLREC_DEBUG for details)", e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": the tokenizers library rejected this tokenizer.json: "
          + e.getMessage(), e);
    }
  }

  private void readVocabulary(JsonNode root) {
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) { // BPE, WordLevel, WordPiece: {"piece": id}
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), e.getValue().asInt());
      }
    } else if (vocab.isArray()) { // Unigram: [["piece", score], ...], the id is the position
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).get(0).asText(), i);
      }
    } else {
      throw new IllegalArgumentException("tokenizer.json has no model.vocab");
    }
    for (JsonNode t : root.path("added_tokens")) {
      ids.put(t.path("content").asText(), t.path("id").asInt());
    }
  }

  /**
   * The ids the post-processor puts before the text of a single sequence: the leading
   * {@code SpecialToken}s of a {@code TemplateProcessing}'s {@code single} template (the first such
   * processor, also inside a {@code Sequence}), or a Bert/Roberta processor's CLS; null when there
   * is no such processor (no post-processor, ByteLevel only).
   */
  private int[] templatePrefix(String source, JsonNode processor) {
    String type = processor.path("type").asText("");
    switch (type) {
      case "Sequence" -> {
        for (JsonNode p : processor.path("processors")) {
          int[] found = templatePrefix(source, p);
          if (found != null) {
            return found;
          }
        }
        return null;
      }
      case "TemplateProcessing" -> {
        IntList out = new IntList(2);
        for (JsonNode piece : processor.path("single")) {
          JsonNode special = piece.get("SpecialToken");
          if (special == null) {
            break;
          }
          String name = special.path("id").asText();
          JsonNode declared = processor.path("special_tokens").path(name).path("ids");
          if (declared.isArray() && declared.size() > 0) {
            declared.forEach(id -> out.add(id.asInt()));
          } else {
            Integer id = ids.get(name);
            if (id == null) {
              throw new IllegalArgumentException(source + ": the post_processor's template starts with " + name
                  + ", which is not in the vocabulary");
            }
            out.add(id);
          }
        }
        return out.toArray();
      }
      case "BertProcessing", "RobertaProcessing" -> {
        JsonNode cls = processor.path("cls");
        return cls.isArray() && cls.size() == 2 ? new int[] {cls.get(1).asInt()} : null;
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * A special token's id: tokenizer_config.json's setting (an explicit {@code null} means none),
   * else the first known name present.
   */
  private int special(JsonNode config, String key, List<String> names) {
    JsonNode v = config == null ? null : config.get(key);
    if (v != null && v.isNull()) {
      return -1;
    }
    if (v != null && v.isObject()) {
      v = v.get("content");
    }
    if (v != null && v.isTextual()) {
      Integer id = ids.get(v.asText());
      if (id != null) {
        return id;
      }
    }
    for (String n : names) {
      Integer id = ids.get(n);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }

  /**
   * Encodes {@code text}; with {@code addBos} the special prefix this tokenizer adds (its BOS,
   * e.g. Llama 3's {@code <|begin_of_text|>}) comes first, and nothing when it adds none (Qwen).
   */
  @Override
  public int[] encode(String text, boolean addBos) {
    // Only the ids: DJL's encode(...) builds a whole Encoding (type ids, word ids, a String and a
    // char span per token, masks: about ten JNI calls). Measured on a 190-token demo prompt: 110 us
    // per encoding this way against 280-340 us; scoring encodes each prompt three times.
    long enc = TokenizersLibrary.LIB.encode(hf.getHandle(), text, false);
    long[] raw;
    try {
      raw = TokenizersLibrary.LIB.getTokenIds(enc);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(enc);
    }
    int off = addBos ? prefix.length : 0;
    int[] out = new int[raw.length + off];
    System.arraycopy(prefix, 0, out, 0, off);
    for (int i = 0; i < raw.length; i++) {
      out[i + off] = Math.toIntExact(raw[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] tokenIds) {
    long[] raw = new long[tokenIds.length];
    for (int i = 0; i < raw.length; i++) {
      checkId(tokenIds[i]);
      raw[i] = tokenIds[i];
    }
    return hf.decode(raw, true);
  }

  private void checkId(int id) {
    if (id < 0 || id >= pieces.length || pieces[id] == null) {
      throw new IllegalArgumentException("token id " + id + " is not in this tokenizer.json's vocabulary");
    }
  }

  @Override
  public String piece(int id) {
    checkId(id);
    return pieces[id];
  }

  @Override
  public int pieceId(String piece) {
    Integer id = ids.get(piece);
    return id == null ? -1 : id;
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public boolean addsBos() {
    return prefix.length > 0;
  }

  /** The BOS token, or -1 when there is none ({@code bos_token: null}, as Qwen's config says). */
  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public int unkId() {
    return unkId;
  }

  @Override
  public void close() {
    hf.close();
  }
}
