package tallrec.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
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
 * {@code tokenizer_config.json} when there is one, else from well-known token names. The JSON's
 * post-processor is bypassed (no special tokens added) so that {@code addBos} alone decides BOS,
 * as with the other tokenizers.
 */
public final class HuggingFaceJsonTokenizer implements Tokenizer, AutoCloseable {

  private static final List<String> BOS_NAMES = List.of("<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>");
  private static final List<String> EOS_NAMES = List.of("<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>");
  private static final List<String> PAD_NAMES = List.of("<pad>", "<|pad|>", "[PAD]");

  private final HuggingFaceTokenizer hf;
  private final String[] pieces;
  private final Map<String, Integer> ids = new HashMap<>();
  private final int bosId;
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
    this.bosId = special(config, "bos_token", BOS_NAMES);
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
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
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

  /** A special token's id: tokenizer_config.json's setting, else the first known name present. */
  private int special(JsonNode config, String key, List<String> names) {
    JsonNode v = config == null ? null : config.get(key);
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

  @Override
  public int[] encode(String text, boolean addBos) {
    if (addBos && bosId < 0) {
      throw new IllegalStateException("this tokenizer.json has no BOS token");
    }
    Encoding enc = hf.encode(text, false, false);
    long[] raw = enc.getIds();
    int off = addBos ? 1 : 0;
    int[] out = new int[raw.length + off];
    if (addBos) {
      out[0] = bosId;
    }
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
