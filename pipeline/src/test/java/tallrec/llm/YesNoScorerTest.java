package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.testing.SharedData;
import tallrec.text.SentencePieceTokenizer;
import tallrec.text.Tokenizer;

class YesNoScorerTest {

  static NDManager manager;
  static LlamaCheckpoints.Loaded hf;

  @BeforeAll
  static void load() {
    manager = NDManager.newBaseManager();
    hf = LlmFixtures.hf(manager);
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
    }
  }

  /** A TALLRec-style prompt over a liked-movies history, oldest first. */
  static final class MoviePrompt implements TruncatablePrompt {
    final String id;
    final List<String> history;
    final String target;

    MoviePrompt(String id, List<String> history, String target) {
      this.id = id;
      this.history = history;
      this.target = target;
    }

    @Override
    public int historySize() {
      return history.size();
    }

    @Override
    public String render(int dropOldest) {
      StringBuilder sb = new StringBuilder("### Instruction:\nWill the user like the target movie? Answer \"Yes.\" or \"No.\".\n\n"
          + "### Input:\nUser Preference: ");
      for (int i = dropOldest; i < history.size(); i++) {
        sb.append(i > dropOldest ? ", " : "").append('"').append(history.get(i)).append('"');
      }
      return sb.append("\nTarget movie: \"").append(target).append("\"\n\n### Response:\n").toString();
    }

    @Override
    public String id() {
      return id;
    }
  }

  static final List<String> MOVIES = List.of("Toy Story (1995)", "Heat (1995)", "Casino (1995)", "Babe (1995)",
      "Se7en (1995)", "Braveheart (1995)", "Apollo 13 (1995)", "Batman Forever (1995)", "Clueless (1995)", "Jumanji (1995)");

  static List<MoviePrompt> prompts() {
    List<MoviePrompt> ps = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ps.add(new MoviePrompt("u" + i, MOVIES.subList(0, 1 + (i * 3) % MOVIES.size()), MOVIES.get((i * 7) % 10)));
    }
    return ps;
  }

  @Test
  void scoreIsSoftmaxOfTheTwoLogitsAtTheLastPromptPosition() {
    YesNoScorer scorer = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().batchSize(4));
    List<MoviePrompt> ps = prompts();
    List<YesNoScorer.Score> scores = scorer.score(ps);
    int v = hf.model.config().vocabSize;
    for (int i = 0; i < ps.size(); i++) {
      YesNoScorer.Score s = scores.get(i);
      assertEquals(ps.get(i).id, s.id);
      assertEquals(0, s.droppedHistory);
      double expected = Math.exp(s.logitYes) / (Math.exp(s.logitYes) + Math.exp(s.logitNo));
      assertEquals(expected, s.score, 1e-9);
      // Independently: the full forward of this prompt alone, its last row, the tokenizer's answer ids.
      String text = ps.get(i).render(0);
      int[] ids = hf.tokenizer.encode(text, true);
      int[] ans = YesNoScorer.answerIds(hf.tokenizer, text, "Yes.", "No.");
      float[] logits = LlmFixtures.logits(hf.model, ids);
      int last = ids.length - 1;
      assertEquals(logits[last * v + ans[0]], s.logitYes, 1e-4);
      assertEquals(logits[last * v + ans[1]], s.logitNo, 1e-4);
      assertEquals(ids.length, s.promptTokens);
    }
  }

  @Test
  void batchingAndPaddingSideDoNotChangeScores() {
    List<MoviePrompt> ps = prompts();
    List<YesNoScorer.Score> one = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().batchSize(1)).score(ps);
    for (PaddingSide side : PaddingSide.values()) {
      List<YesNoScorer.Score> many = new YesNoScorer(hf.model, hf.tokenizer,
          new YesNoScorer.Options().batchSize(5).padding(side)).score(ps);
      for (int i = 0; i < ps.size(); i++) {
        assertEquals(one.get(i).logitYes, many.get(i).logitYes, 1e-4, side + " " + i);
        assertEquals(one.get(i).logitNo, many.get(i).logitNo, 1e-4, side + " " + i);
      }
    }
  }

  /** TALLRec prompts over liked and disliked movies, in the Alpaca template, of varied lengths. */
  static List<tallrec.prompt.SamplePrompt> tallRecPrompts() {
    List<tallrec.prompt.SamplePrompt> ps = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      int n = 1 + (i * 3) % MOVIES.size();
      List<Integer> labels = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        labels.add((i + j) % 3 == 0 ? 0 : 1);
      }
      ps.add(tallrec.prompt.SamplePrompt.of("s" + i, "movie", MOVIES.subList(0, n), labels, MOVIES.get((i * 7) % 10)));
    }
    return ps;
  }

  @Test
  void sharedPrefixEqualsScoringEachPromptWhole() {
    List<tallrec.prompt.SamplePrompt> ps = tallRecPrompts();
    YesNoScorer unshared = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().batchSize(1).sharedPrefix(false));
    List<YesNoScorer.Score> whole = unshared.score(ps);
    List<int[]> ids = new ArrayList<>();
    for (tallrec.prompt.SamplePrompt p : ps) {
      ids.add(hf.tokenizer.encode(p.render(0), true));
    }
    // The Alpaca preamble, the instruction and "User Preference: " are common: the cache must be used.
    int prefix = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options()).sharedPrefixLength(ids);
    String common = ps.get(0).render(0).substring(0, ps.get(0).render(0).indexOf("### Input:"));
    assertTrue(prefix >= hf.tokenizer.encode(common, true).length - 1, "shared prefix " + prefix + " tokens");
    assertEquals(0, unshared.sharedPrefixLength(ids));
    for (PaddingSide side : PaddingSide.values()) {
      for (int batch : new int[] {1, 4, 16}) {
        List<YesNoScorer.Score> shared = new YesNoScorer(hf.model, hf.tokenizer,
            new YesNoScorer.Options().batchSize(batch).padding(side)).score(ps);
        for (int i = 0; i < ps.size(); i++) {
          String what = side + " batch " + batch + " prompt " + i;
          assertEquals(whole.get(i).logitYes, shared.get(i).logitYes, 1e-5, what);
          assertEquals(whole.get(i).logitNo, shared.get(i).logitNo, 1e-5, what);
          assertEquals(whole.get(i).score, shared.get(i).score, 1e-5, what);
        }
      }
    }
  }

  @Test
  void largeBatchesRunInPassesWithTheSameScores() {
    // stories260K's widest activation is its MLP (172 floats): 24 MiB holds 36,578 tokens a pass.
    assertEquals((24L << 20) / (4L * 172), hf.model.tokensPerPass());
    List<tallrec.prompt.SamplePrompt> ps = tallRecPrompts();
    List<YesNoScorer.Score> whole = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().batchSize(16))
        .score(ps);
    // A 300-token pass holds one or two of these ~200-token suffixes: many passes per batch.
    List<YesNoScorer.Score> passes = new YesNoScorer(hf.model, hf.tokenizer,
        new YesNoScorer.Options().batchSize(16).tokensPerPass(300)).score(ps);
    for (int i = 0; i < ps.size(); i++) {
      assertEquals(whole.get(i).logitYes, passes.get(i).logitYes, 1e-5, "prompt " + i);
      assertEquals(whole.get(i).logitNo, passes.get(i).logitNo, 1e-5, "prompt " + i);
    }
  }

  @Test
  void noSharedPrefixBelowTheMinimumOrForOnePrompt() {
    YesNoScorer scorer = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options());
    int[] a = new int[40];
    int[] b = new int[40];
    Arrays.fill(a, 7);
    Arrays.fill(b, 7);
    b[YesNoScorer.MIN_SHARED_PREFIX - 1] = 8;
    assertEquals(0, scorer.sharedPrefixLength(List.of(a, b)));
    b[YesNoScorer.MIN_SHARED_PREFIX - 1] = 7;
    b[YesNoScorer.MIN_SHARED_PREFIX] = 8;
    assertEquals(YesNoScorer.MIN_SHARED_PREFIX, scorer.sharedPrefixLength(List.of(a, b)));
    // Identical prompts still keep their last token each (its logits are the answer).
    assertEquals(39, scorer.sharedPrefixLength(List.of(a, a.clone())));
    assertEquals(0, scorer.sharedPrefixLength(List.<int[]>of(a)));
  }

  @Test
  void answerIdsComeFromTokenization() {
    String prompt = LlmFixtures.TALLREC_PROMPT;
    Tokenizer tok = hf.tokenizer;
    int[] base = tok.encode(prompt, true);
    int[] ans = YesNoScorer.answerIds(tok, prompt, "Yes.", "No.");
    assertEquals(tok.encode(prompt + "Yes.", true)[base.length], ans[0]);
    assertEquals(tok.encode(prompt + "No.", true)[base.length], ans[1]);
    assertTrue(ans[0] != ans[1]);
  }

  @Test
  void llamaTokenizerGivesTheReferenceAnswerIds() throws Exception {
    Tokenizer llama = SentencePieceTokenizer.load(SharedData.require("models/llama2-tokenizer/tokenizer.model"));
    assertArrayEquals(new int[] {8241, 3782}, YesNoScorer.answerIds(llama, LlmFixtures.TALLREC_PROMPT, "Yes.", "No."));
  }

  @Test
  void tooLongPromptsDropTheOldestHistoryFirst() {
    MoviePrompt p = new MoviePrompt("user-42", MOVIES, "Heat (1995)");
    int full = hf.tokenizer.encode(p.render(0), true).length;
    int limit = hf.tokenizer.encode(p.render(4), true).length; // fits with exactly 4 dropped
    YesNoScorer scorer = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().maxPromptTokens(limit));
    assertTrue(full > limit);
    YesNoScorer.Fitted f = scorer.fit(p);
    assertEquals(4, f.dropped);
    assertTrue(f.text.contains(MOVIES.get(4)) && !f.text.contains(MOVIES.get(3)), f.text);
    YesNoScorer.Score s = scorer.score(List.of(p)).get(0);
    assertEquals(4, s.droppedHistory);
    assertEquals(limit, s.promptTokens);

    int bare = hf.tokenizer.encode(p.render(MOVIES.size()), true).length;
    YesNoScorer tiny = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().maxPromptTokens(bare - 1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tiny.score(List.of(p)));
    assertTrue(e.getMessage().contains("user-42"), e.getMessage());
  }

  /**
   * score.on-too-long: fail names the sample and its length; skip leaves it unscored (NaN, marked)
   * while the others score as they do alone; truncate-input keeps the prompt's first half and its end
   * (the target and "### Response:") and scores it.
   */
  @Test
  void promptsTooLongEvenWithoutHistoryFailSkipOrLoseTheirMiddle() {
    // A target title far longer than the others': too long even with no history.
    MoviePrompt longOne = new MoviePrompt("user-42", MOVIES,
        "The Good, the Bad and the Ugly: the Extended Director's Cut with Commentary (1966)");
    int bare = hf.tokenizer.encode(longOne.render(MOVIES.size()), true).length;
    int limit = bare - 6;
    List<MoviePrompt> fitting = new ArrayList<>();
    for (MoviePrompt q : prompts()) {
      if (hf.tokenizer.encode(q.render(q.historySize()), true).length <= limit) {
        fitting.add(q);
      }
    }
    assertTrue(!fitting.isEmpty());
    YesNoScorer fail = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().maxPromptTokens(limit));
    YesNoScorer.PromptTooLong e = assertThrows(YesNoScorer.PromptTooLong.class, () -> fail.score(List.of(longOne)));
    assertEquals("sample user-42: prompt has " + bare + " tokens even with all 10 history items dropped; the limit is "
        + limit + " (score.on-too-long = truncate-input or skip lets the stage go on)", e.getMessage());

    List<MoviePrompt> mixed = new ArrayList<>(fitting);
    mixed.add(1, longOne);
    List<YesNoScorer.Score> skipped = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options()
        .maxPromptTokens(limit).onTooLong(YesNoScorer.OnTooLong.SKIP)).score(mixed);
    List<YesNoScorer.Score> alone = fail.score(fitting);
    assertTrue(skipped.get(1).skipped() && Double.isNaN(skipped.get(1).score));
    assertEquals("user-42", skipped.get(1).id);
    for (int i = 0, j = 0; i < mixed.size(); i++) {
      if (i == 1) {
        continue;
      }
      assertEquals(alone.get(j).score, skipped.get(i).score, 1e-6, mixed.get(i).id);
      j++;
    }

    YesNoScorer cut = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().maxPromptTokens(limit)
        .onTooLong(YesNoScorer.OnTooLong.TRUNCATE_INPUT));
    YesNoScorer.Fitted f = cut.fit(longOne);
    int[] all = hf.tokenizer.encode(longOne.render(MOVIES.size()), true);
    assertEquals(limit, f.ids.length);
    assertArrayEquals(java.util.Arrays.copyOf(all, limit / 2), java.util.Arrays.copyOf(f.ids, limit / 2));
    assertArrayEquals(java.util.Arrays.copyOfRange(all, all.length - (limit - limit / 2), all.length),
        java.util.Arrays.copyOfRange(f.ids, limit / 2, limit));
    YesNoScorer.Score sc = cut.score(List.of(longOne)).get(0);
    assertTrue(!sc.skipped() && sc.score > 0 && sc.score < 1, sc.toString());
    assertEquals(limit, sc.promptTokens);
    assertEquals(YesNoScorer.OnTooLong.TRUNCATE_INPUT, YesNoScorer.OnTooLong.named("truncate-input"));
  }

  @Test
  void referenceFp16ModeUsesFullVocabularyProbabilities() {
    List<MoviePrompt> ps = prompts().subList(0, 3);
    List<YesNoScorer.Score> plain = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options()).score(ps);
    List<YesNoScorer.Score> compat = new YesNoScorer(hf.model, hf.tokenizer,
        new YesNoScorer.Options().referenceFp16(true)).score(ps);
    int v = hf.model.config().vocabSize;
    for (int i = 0; i < ps.size(); i++) {
      YesNoScorer.Score s = compat.get(i);
      String text = ps.get(i).render(0);
      int[] ids = hf.tokenizer.encode(text, true);
      float[] logits = LlmFixtures.logits(hf.model, ids);
      float[] last = Arrays.copyOfRange(logits, (ids.length - 1) * v, ids.length * v);
      double max = Double.NEGATIVE_INFINITY;
      for (float x : last) {
        max = Math.max(max, x);
      }
      double z = 0;
      for (float x : last) {
        z += Math.exp(x - max);
      }
      double pYes = Math.exp(s.logitYes - max) / z;
      double pNo = Math.exp(s.logitNo - max) / z;
      assertEquals(pYes, s.pYesFullVocab, 2e-3 * Math.max(pYes, 1e-3) + 1e-4);
      assertEquals(Math.exp(pYes) / (Math.exp(pYes) + Math.exp(pNo)), s.score, 1e-3);
      assertEquals(plain.get(i).logitYes, s.logitYes, 1e-6);
    }
  }
}
