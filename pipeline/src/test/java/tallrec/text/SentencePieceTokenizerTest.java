package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

/** Exact id parity with Google's sentencepiece on the real LLaMA and stories260K models. */
class SentencePieceTokenizerTest {

  static final String PROMPT =
      "Below is an instruction that describes a task, paired with an input that provides further "
          + "context. Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\nGiven the user's preference and unpreference, identify whether the user "
          + "will like the target movie by answering \"Yes.\" or \"No.\".\n\n"
          + "### Input:\nUser Preference: \"Paris, Texas (1984)\", \"Rebel Without a Cause (1955)\"\n"
          + "User Unpreference: \"Kalifornia (1993)\"\n"
          + "Whether the user will like the target movie \"Perez Family, The (1995)\"?\n\n"
          + "### Response:\n";

  static SentencePieceTokenizer llama() throws IOException {
    return SentencePieceTokenizer.load(SharedData.require("models/llama2-tokenizer/tokenizer.model"));
  }

  static SentencePieceTokenizer stories() throws IOException {
    return SentencePieceTokenizer.load(SharedData.require("models/stories260K-hf/tokenizer.model"));
  }

  @Test
  void llamaIdsMatchSentencepiece() throws IOException {
    assertParity(llama(), ExpectedIds.read("llama2_expected.json"));
  }

  @Test
  void storiesIdsMatchSentencepiece() throws IOException {
    assertParity(stories(), ExpectedIds.read("stories260k_expected.json"));
  }

  /** Every case at once, so one run reports all mismatches rather than the first. */
  private static void assertParity(Tokenizer tok, ExpectedIds expected) {
    List<String> failures = new ArrayList<>();
    for (ExpectedIds.EncodeCase c : expected.cases) {
      int[] ids = tok.encode(c.text(), false);
      if (!Arrays.equals(c.ids(), ids)) {
        failures.add("encode " + quote(c.text()) + ": expected " + Arrays.toString(c.ids())
            + " got " + Arrays.toString(ids));
      }
      String decoded = tok.decode(c.ids());
      if (!c.decoded().equals(decoded)) {
        failures.add("decode of " + quote(c.text()) + ": expected " + quote(c.decoded()) + " got " + quote(decoded));
      }
    }
    for (ExpectedIds.DecodeCase c : expected.decodeCases) {
      String decoded = tok.decode(c.ids());
      if (!c.decoded().equals(decoded)) {
        failures.add("decode " + Arrays.toString(c.ids()) + ": expected " + quote(c.decoded()) + " got " + quote(decoded));
      }
    }
    assertTrue(expected.cases.size() > 300, "too few cases");
    assertTrue(failures.isEmpty(), failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
  }

  @Test
  void tallrecAnswerTokens() throws IOException {
    SentencePieceTokenizer tok = llama();
    int[] prompt = tok.encode(PROMPT, true);
    int[] yes = tok.encode(PROMPT + "Yes.", true);
    int[] no = tok.encode(PROMPT + "No.", true);
    // The answer token follows the prompt's own ids unchanged (the prompt ends in a newline).
    assertArrayEquals(prompt, Arrays.copyOf(yes, prompt.length));
    assertArrayEquals(prompt, Arrays.copyOf(no, prompt.length));
    assertEquals(8241, yes[prompt.length]);
    assertEquals(3782, no[prompt.length]);
    assertEquals(29889, yes[prompt.length + 1]); // "."
    assertArrayEquals(new int[] {3869}, tok.encode("Yes", false));
    assertEquals(8241, tok.pieceId("Yes"));
    assertEquals(3782, tok.pieceId("No"));
    assertEquals("\u2581Yes", tok.piece(3869));
    assertEquals(1, prompt[0]);
  }

  @Test
  void specialIdsAndVocabulary() throws IOException {
    SentencePieceTokenizer tok = llama();
    assertEquals(32000, tok.vocabSize());
    assertEquals(0, tok.unkId());
    assertEquals(1, tok.bosId());
    assertEquals(2, tok.eosId());
    assertEquals(-1, tok.padId());
    assertEquals("<0x0A>", tok.piece(13));
    assertEquals(-1, tok.pieceId("no such piece"));
    assertEquals(512, stories().vocabSize());
  }

  @Test
  void roundTripsTextItEncodes() throws IOException {
    SentencePieceTokenizer tok = llama();
    for (String s : List.of(PROMPT + "Yes.", "Amélie (2001)", "東京 😀\tx\n", "  a  b  ", "")) {
      assertEquals(s, tok.decode(tok.encode(s, true)));
    }
  }

  @Test
  void wrongScoresChangeTheIds() throws IOException {
    // Guards the parity test itself: merging by the wrong rule must be caught by it.
    SentencePieceTokenizer tok = llama();
    SentencePieceModel m = tok.model();
    float[] saved = m.scores.clone();
    int[] right = tok.encode(PROMPT, false);
    try {
      for (int i = 0; i < m.scores.length; i++) {
        m.scores[i] = -m.scores[i]; // prefer the rarest merges
      }
      // A new tokenizer: one caches the pieces of the words it has encoded.
      assertTrue(!Arrays.equals(right, new SentencePieceTokenizer(m).encode(PROMPT, false)));
    } finally {
      System.arraycopy(saved, 0, m.scores, 0, saved.length);
    }
  }

  @Test
  void wordByWordGivesTheWholeTextsPieces() throws IOException {
    // The word cache is exact only if BPE never merges across a word's start: check it on the
    // parity texts and on TALLRec prompts, with both real models, and that a cached word reads back the same.
    for (SentencePieceTokenizer tok : List.of(llama(), stories())) {
      assertTrue(tok.wordLocal());
      List<String> texts = new ArrayList<>();
      for (ExpectedIds.EncodeCase c : ExpectedIds.read("llama2_expected.json").cases) {
        texts.add(c.text());
      }
      texts.add(PROMPT + "Yes.");
      texts.add(PROMPT.replace("Paris, Texas", "Amélie  \t  東京 😀"));
      for (String t : texts) {
        String n = tok.normalize(t);
        assertEquals(tok.bpe(n), tok.bpeByWords(n), () -> "pieces of " + quote(t));
        assertEquals(tok.bpe(n), tok.bpeByWords(n), () -> "cached pieces of " + quote(t));
      }
    }
  }

  @Test
  void aPieceAcrossWordsTurnsWordByWordOff() throws IOException {
    SentencePieceTokenizer plain = stories();
    List<String> first = plain.bpe("\u2581the");
    List<String> second = plain.bpe("\u2581tree");
    SentencePieceModel m = plain.model();
    int spare = m.size() - 1;
    assertEquals(SentencePieceModel.PieceType.NORMAL, m.type(spare));
    // A piece joining the first word's last piece and the second's first, e.g. "▁the▁tree".
    m.pieces[spare] = first.get(first.size() - 1) + second.get(0);
    SentencePieceTokenizer tok = new SentencePieceTokenizer(m);
    assertTrue(!tok.wordLocal());
    // Encoded as one text, the piece that spans two words is found (word by word it never could be).
    int[] ids = tok.encode("the tree", false);
    assertTrue(Arrays.stream(ids).anyMatch(id -> id == spare), Arrays.toString(ids));
    // An UNUSED piece (split back by a table sentencepiece fills over the whole text) turns it off too.
    SentencePieceModel u = stories().model();
    assertTrue(new SentencePieceTokenizer(u).wordLocal());
    u.types[u.size() - 1] = SentencePieceModel.PieceType.UNUSED;
    assertTrue(!new SentencePieceTokenizer(u).wordLocal());
  }

  @Test
  void loadsFromStream() throws IOException {
    Path file = SharedData.require("models/stories260K-hf/tokenizer.model");
    try (InputStream in = Files.newInputStream(file)) {
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(in);
      assertArrayEquals(stories().encode(PROMPT, true), tok.encode(PROMPT, true));
    }
  }

  @Test
  void rejectsGarbageNamingTheFile(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.model");
    Files.write(bad, new byte[] {0x0A, 0x7F, 0x01});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentencePieceTokenizer.load(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void rejectsIdsOutsideVocabulary() throws IOException {
    SentencePieceTokenizer tok = stories();
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {512}));
    assertThrows(IllegalArgumentException.class, () -> tok.piece(-1));
  }
}
