package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL's native tokenizers on a tiny LLaMA-3-style byte-level BPE {@code tokenizer.json} built
 * here: 256 byte symbols, five merges, two special tokens, LLaMA-3's BOS post-processor (real
 * Llama 3 and Qwen tokenizers are checked in {@link BackboneTokenizersTest}).
 */
class HuggingFaceJsonTokenizerTest {

  static final int YE = 256;
  static final int YES = 257;
  static final int SPACE_YES = 258;
  static final int NO = 259;
  static final int SPACE_NO = 260;
  static final int BEGIN = 261;
  static final int END = 262;

  /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, others shift to 256+. */
  static char[] byteChars() {
    char[] c = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      c[b] = printable ? (char) b : (char) next++;
    }
    return c;
  }

  static Path writeTinyTokenizer(Path dir) throws IOException {
    return writeTinyTokenizer(dir, true);
  }

  /** With {@code bosTemplate}, LLaMA-3's post-processor: ByteLevel, then a template adding BOS. */
  static Path writeTinyTokenizer(Path dir, boolean bosTemplate) throws IOException {
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int id : new int[] {BEGIN, END}) {
      ObjectNode t = added.addObject();
      t.put("id", id).put("content", id == BEGIN ? "<|begin_of_text|>" : "<|end_of_text|>")
          .put("single_word", false).put("lstrip", false).put("rstrip", false)
          .put("normalized", false).put("special", true);
    }
    root.putNull("normalizer");
    root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
        .put("trim_offsets", true).put("use_regex", true);
    if (bosTemplate) {
      ObjectNode seq = root.putObject("post_processor").put("type", "Sequence");
      ArrayNode processors = seq.putArray("processors");
      processors.addObject().put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
          .put("use_regex", true);
      ObjectNode template = processors.addObject().put("type", "TemplateProcessing");
      ArrayNode single = template.putArray("single");
      single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
      single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
      ArrayNode pair = template.putArray("pair");
      pair.addAll(single.deepCopy());
      pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 1);
      pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
      ObjectNode bos = template.putObject("special_tokens").putObject("<|begin_of_text|>");
      bos.put("id", "<|begin_of_text|>");
      bos.putArray("ids").add(BEGIN);
      bos.putArray("tokens").add("<|begin_of_text|>");
    } else {
      root.putNull("post_processor");
    }
    root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
        .put("trim_offsets", true).put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token");
    model.put("fuse_unk", false).put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    char[] bc = byteChars();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(bc[b]), b);
    }
    String sp = String.valueOf(bc[' ']); // "Ġ"
    vocab.put("Ye", YE).put("Yes", YES).put(sp + "Yes", SPACE_YES).put("No", NO).put(sp + "No", SPACE_NO);
    model.putArray("merges").add("Y e").add("Ye s").add(sp + " Yes").add("N o").add(sp + " No");
    Files.createDirectories(dir);
    Path file = dir.resolve("tokenizer.json");
    om.writeValue(file.toFile(), root);
    return file;
  }

  @Test
  void encodesWithMergesAndBytes(@TempDir Path dir) throws IOException {
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(writeTinyTokenizer(dir))) {
      assertArrayEquals(new int[] {YES, SPACE_NO}, tok.encode("Yes No", false));
      assertArrayEquals(new int[] {BEGIN, SPACE_YES}, tok.encode(" Yes", true));
      assertArrayEquals(new int[] {0xC3, 0xA9}, tok.encode("é", false)); // byte-level: one id per UTF-8 byte
      assertArrayEquals(new int[] {YES, END}, tok.encode("Yes<|end_of_text|>", false));
      assertEquals(263, tok.vocabSize());
      assertEquals(BEGIN, tok.bosId());
      assertEquals(END, tok.eosId());
      assertEquals(-1, tok.padId());
      assertEquals(-1, tok.unkId());
      assertEquals("\u0120Yes", tok.piece(SPACE_YES));
      assertEquals(NO, tok.pieceId("No"));
    }
  }

  /** encode reads the ids alone through DJL's JNI; they are the ids of DJL's whole Encoding. */
  @Test
  void theIdsAreThoseOfDjlsEncoding(@TempDir Path dir) throws IOException {
    Path file = writeTinyTokenizer(dir);
    Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(file);
        ai.djl.huggingface.tokenizers.HuggingFaceTokenizer djl =
            ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(file, options)) {
      for (String text : new String[] {"", "Yes No", " Yes", "Amélie (2001): Yes\tNo\n東京 😀", "Yes<|end_of_text|>",
          "### Response:\nNo.".repeat(40)}) {
        long[] expected = djl.encode(text, false, false).getIds();
        int[] got = tok.encode(text, false);
        assertEquals(expected.length, got.length, text);
        for (int i = 0; i < got.length; i++) {
          assertEquals(expected[i], got[i], text + " @" + i);
        }
        assertEquals(expected.length + 1, tok.encode(text, true).length, text);
      }
    }
  }

  @Test
  void decodeRoundTripsAndSkipsSpecials(@TempDir Path dir) throws IOException {
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(writeTinyTokenizer(dir))) {
      String text = "Amélie (2001): Yes\tNo\n東京 😀";
      assertEquals(text, tok.decode(tok.encode(text, true)));
      assertEquals("Yes", tok.decode(new int[] {BEGIN, YES, END}));
      assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {263}));
    }
  }

  @Test
  void configNamesTheSpecials(@TempDir Path dir) throws IOException {
    Path file = writeTinyTokenizer(dir);
    // As LLaMA-3-Instruct's tokenizer_config.json does, name EOS explicitly (here as an object).
    Files.writeString(dir.resolve("tokenizer_config.json"),
        "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": {\"content\": \"<|begin_of_text|>\"}}");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(file)) {
      assertEquals(BEGIN, tok.eosId());
    }
  }

  @Test
  void bosFollowsThePostProcessorWhenTheConfigIsSilent(@TempDir Path dir) throws IOException {
    // LLaMA-3's template (inside a Sequence) prepends BOS; tokenizer_config.json has no add_bos_token.
    Path file = writeTinyTokenizer(dir.resolve("template"), true);
    Files.writeString(file.resolveSibling("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\"}");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(file)) {
      assertTrue(tok.addsBos());
      assertArrayEquals(new int[] {BEGIN, YES}, tok.encode("Yes", true));
    }
    // No post-processor and no config (as from a stream): nothing prepended, BOS still known by name.
    Path plain = writeTinyTokenizer(dir.resolve("plain"), false);
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(plain)) {
      assertFalse(tok.addsBos());
      assertArrayEquals(new int[] {YES}, tok.encode("Yes", true));
      assertEquals(BEGIN, tok.bosId());
    }
  }

  @Test
  void addBosTokenInTheConfigDecides(@TempDir Path dir) throws IOException {
    Path withTemplate = writeTinyTokenizer(dir.resolve("a"), true);
    Files.writeString(withTemplate.resolveSibling("tokenizer_config.json"), "{\"add_bos_token\": false}");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(withTemplate)) {
      assertFalse(tok.addsBos());
      assertArrayEquals(new int[] {YES}, tok.encode("Yes", true));
    }
    Path noTemplate = writeTinyTokenizer(dir.resolve("b"), false);
    Files.writeString(noTemplate.resolveSibling("tokenizer_config.json"),
        "{\"add_bos_token\": true, \"bos_token\": \"<|begin_of_text|>\"}");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(noTemplate)) {
      assertTrue(tok.addsBos());
      assertArrayEquals(new int[] {BEGIN, YES}, tok.encode("Yes", true));
    }
  }

  @Test
  void aNullBosTokenMeansNone(@TempDir Path dir) throws IOException {
    // Qwen's tokenizer_config.json: add_bos_token false, bos_token null; no name is guessed.
    Path file = writeTinyTokenizer(dir.resolve("qwen"), false);
    Files.writeString(file.resolveSibling("tokenizer_config.json"),
        "{\"add_bos_token\": false, \"bos_token\": null, \"eos_token\": \"<|end_of_text|>\"}");
    try (HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(file)) {
      assertEquals(-1, tok.bosId());
      assertFalse(tok.addsBos());
      assertArrayEquals(new int[] {YES, SPACE_NO}, tok.encode("Yes No", true));
      assertEquals(END, tok.eosId());
    }
    // Asking for BOS without naming one is a configuration error, said at load time.
    Path bad = writeTinyTokenizer(dir.resolve("bad"), false);
    Files.writeString(bad.resolveSibling("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": null}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceJsonTokenizer.load(bad));
    assertTrue(e.getMessage().contains("add_bos_token"), e.getMessage());
  }

  @Test
  void loadsFromStreamAndThroughTheFactory(@TempDir Path dir) throws IOException {
    Path file = writeTinyTokenizer(dir);
    try (InputStream in = Files.newInputStream(file);
        HuggingFaceJsonTokenizer tok = HuggingFaceJsonTokenizer.load(in)) {
      assertArrayEquals(new int[] {YES}, tok.encode("Yes", false));
    }
    assertTrue(Tokenizers.load(dir) instanceof HuggingFaceJsonTokenizer);
  }

  @Test
  void badJsonNamesTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, "{\"model\": ");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceJsonTokenizer.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
