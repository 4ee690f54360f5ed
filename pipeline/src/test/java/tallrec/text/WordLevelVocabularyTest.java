package tallrec.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.RecPrompt;

/**
 * The word-level tokenizer.json the pretrain stage writes, read back by DJL's native HF
 * tokenizers library: the same pieces as the Java split, unknown words as {@code <unk>}, the
 * specials where tokenizer_config.json says, and distinct Yes/No answer tokens after a TALLRec
 * prompt.
 */
class WordLevelVocabularyTest {

  @Test
  void theNativeLibrarySplitsAsTheVocabularyWasLearnt(@TempDir Path dir) throws IOException {
    List<String> corpus = List.of("\"Bloody Graveyard, The (1987)\" is a Horror and Thriller movie.",
        "Critics found \"Café Zoë (1994)\" excellent.", "If you like \"Mix-Up (1990)\", you may like \"Star (1977)\".");
    WordLevelVocabulary v = new WordLevelVocabulary().learnAll(corpus);
    RecPrompt p = RecPrompt.of("movie", List.of("\"Star (1977)\""), List.of(1), "\"Mix-Up (1990)\"", 1);
    v.learn(p.alpacaPrompt()).learn(RecPrompt.YES).learn(RecPrompt.NO);
    v.write(dir);
    assertTrue(Files.exists(dir.resolve("tokenizer_config.json")));

    Tokenizer tok = Tokenizers.load(dir);
    assertEquals(v.size(), tok.vocabSize());
    assertEquals(v.bosId(), tok.bosId());
    assertEquals(v.eosId(), tok.eosId());
    assertEquals(v.padId(), tok.padId());
    for (String s : corpus) {
      List<String> pieces = WordLevelVocabulary.pieces(s);
      int[] expected = new int[pieces.size() + 1];
      expected[0] = v.bosId();
      for (int i = 0; i < pieces.size(); i++) {
        expected[i + 1] = v.ids().get(pieces.get(i));
      }
      assertArrayEquals(expected, tok.encode(s, true), s);
    }
    // Accented letters are word characters for both (Unicode \w), punctuation runs one piece.
    assertTrue(v.ids().containsKey("Café") && v.ids().containsKey("Zoë") && v.ids().containsKey(")\","), v.ids()
        .keySet().toString());
    int unk = tok.unkId();
    assertEquals(v.ids().get(WordLevelVocabulary.UNK), unk);
    assertArrayEquals(new int[] {v.ids().get("Critics"), unk, v.ids().get(".")}, tok.encode("Critics adored.", false));

    int[] answers = YesNoScorer.answerIds(tok, p.alpacaPrompt(), RecPrompt.YES, RecPrompt.NO);
    assertEquals(v.ids().get("Yes"), answers[0]);
    assertEquals(v.ids().get("No"), answers[1]);
    assertNotEquals(answers[0], answers[1]);
  }

  @Test
  void theSameTextsGiveTheSameFile(@TempDir Path dir) throws IOException {
    List<String> texts = List.of("b a c.", "a d \"e\"?");
    new WordLevelVocabulary().learnAll(texts).write(dir.resolve("one"));
    new WordLevelVocabulary().learnAll(texts).write(dir.resolve("two"));
    assertEquals(Files.readString(dir.resolve("one/tokenizer.json")), Files.readString(dir.resolve("two/tokenizer.json")));
    // Ids in order of first appearance after the four specials.
    WordLevelVocabulary v = new WordLevelVocabulary().learnAll(texts);
    assertEquals(List.of("<pad>", "<s>", "</s>", "<unk>", "b", "a", "c", ".", "d", "\"", "e", "\"?"),
        List.copyOf(v.ids().keySet()));
  }
}
