package tallrec.text;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level vocabulary learnt from a small closed-world corpus, written as a Hugging Face
 * {@code tokenizer.json} ({@code WordLevel} model, {@code Whitespace} pre-tokenizer, a
 * post-processor that prepends {@code <s>}) with its {@code tokenizer_config.json}
 * ({@code add_bos_token: true}), so that {@link HuggingFaceJsonTokenizer} (and HF's own library)
 * load it like any other.
 *
 * <p>Why words: the demo's world has a few hundred distinct words, so a word vocabulary is
 * smaller than the byte tokenizer's prompts are long (a TALLRec prompt is ~150 words against
 * ~900 bytes): a six-fold shorter sequence for a vocabulary of a few hundred rows. Words outside
 * the vocabulary encode as {@code <unk>}; the vocabulary therefore also learns from the prompt
 * texts the model will be asked (see the pretrain stage).
 *
 * <p>Pieces are HF's {@code Whitespace} split, {@code \w+|[^\w\s]+} over Unicode word characters;
 * ids are given in order of first appearance after the four specials, so the same texts always
 * give the same file.
 */
public final class WordLevelVocabulary {

  public static final String PAD = "<pad>";
  public static final String BOS = "<s>";
  public static final String EOS = "</s>";
  public static final String UNK = "<unk>";
  private static final List<String> SPECIALS = List.of(PAD, BOS, EOS, UNK);

  /** HF's {@code Whitespace} pre-tokenizer pattern. */
  static final Pattern PIECE = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

  private final Map<String, Integer> ids = new LinkedHashMap<>();

  public WordLevelVocabulary() {
    for (String s : SPECIALS) {
      ids.put(s, ids.size());
    }
  }

  /** Adds every piece of {@code text} not yet in the vocabulary. */
  public WordLevelVocabulary learn(String text) {
    for (String p : pieces(text)) {
      ids.putIfAbsent(p, ids.size());
    }
    return this;
  }

  public WordLevelVocabulary learnAll(Iterable<String> texts) {
    for (String t : texts) {
      learn(t);
    }
    return this;
  }

  /** The pieces of {@code text} as the tokenizer splits it. */
  public static List<String> pieces(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = PIECE.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  public int size() {
    return ids.size();
  }

  public Map<String, Integer> ids() {
    return Collections.unmodifiableMap(ids);
  }

  /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    JsonArray added = new JsonArray();
    for (String s : SPECIALS) {
      JsonObject t = new JsonObject();
      t.addProperty("id", ids.get(s));
      t.addProperty("content", s);
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      t.addProperty("special", true);
      added.add(t);
    }
    root.add("added_tokens", added);
    root.add("normalizer", JsonNull.INSTANCE);
    JsonObject pre = new JsonObject();
    pre.addProperty("type", "Whitespace");
    root.add("pre_tokenizer", pre);
    root.add("post_processor", bosTemplate());
    root.add("decoder", JsonNull.INSTANCE);
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    JsonObject vocab = new JsonObject();
    ids.forEach(vocab::addProperty);
    model.add("vocab", vocab);
    model.addProperty("unk_token", UNK);
    root.add("model", model);
    GsonBuilder gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping();
    Files.writeString(dir.resolve("tokenizer.json"), gson.create().toJson(root) + "\n", StandardCharsets.UTF_8);
    JsonObject cfg = new JsonObject();
    cfg.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.addProperty("add_bos_token", true);
    cfg.addProperty("bos_token", BOS);
    cfg.addProperty("eos_token", EOS);
    cfg.addProperty("pad_token", PAD);
    cfg.addProperty("unk_token", UNK);
    cfg.addProperty("model_max_length", 2048);
    Files.writeString(dir.resolve("tokenizer_config.json"), gson.create().toJson(cfg) + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * The post-processor that prepends {@code <s>} (as LLaMA's tokenizer.json has it), so that Hugging
   * Face's library and {@link HuggingFaceJsonTokenizer} both add BOS, as the model is trained.
   */
  private JsonObject bosTemplate() {
    JsonObject p = new JsonObject();
    p.addProperty("type", "TemplateProcessing");
    JsonArray single = new JsonArray();
    single.add(templatePiece("SpecialToken", BOS, 0));
    single.add(templatePiece("Sequence", "A", 0));
    p.add("single", single);
    JsonArray pair = single.deepCopy();
    pair.add(templatePiece("SpecialToken", BOS, 1));
    pair.add(templatePiece("Sequence", "B", 1));
    p.add("pair", pair);
    JsonObject bos = new JsonObject();
    bos.addProperty("id", BOS);
    JsonArray bosIds = new JsonArray();
    bosIds.add(bosId());
    bos.add("ids", bosIds);
    JsonArray tokens = new JsonArray();
    tokens.add(BOS);
    bos.add("tokens", tokens);
    JsonObject specials = new JsonObject();
    specials.add(BOS, bos);
    p.add("special_tokens", specials);
    return p;
  }

  private static JsonObject templatePiece(String kind, String id, int typeId) {
    JsonObject inner = new JsonObject();
    inner.addProperty("id", id);
    inner.addProperty("type_id", typeId);
    JsonObject piece = new JsonObject();
    piece.add(kind, inner);
    return piece;
  }

  public int bosId() {
    return ids.get(BOS);
  }

  public int eosId() {
    return ids.get(EOS);
  }

  public int padId() {
    return ids.get(PAD);
  }
}
