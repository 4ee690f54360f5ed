package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.SamplePrompt;
import tallrec.score.ModelCache;
import tallrec.testing.SharedData;

/** score --adapter: the per-JVM cache merges a PEFT adapter, keyed by model and adapter. */
class LoraScoringTest {

  @TempDir Path tmp;

  @Test
  void cachedModelWithMergedAdapterScoresAsTheUnmergedAdapter() {
    String model = SharedData.require("models/stories260K-hf").toString();
    List<SamplePrompt> prompts = List.of(
        SamplePrompt.of("a", "movie", List.of("\"Heat (1995)\"", "\"Casino (1995)\""), List.of(1, 0), "\"Toy Story (1995)\""),
        SamplePrompt.of("b", "movie", List.of("\"Jumanji (1995)\""), List.of(0), "\"Heat (1995)\""));
    List<YesNoScorer.Score> expected;
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      LoraAdapter a = LoraAdapter.attach(l.model, LoraConfig.defaults(), 3);
      LoraFixtures.randomize(a, 4, 0.2);
      a.save(tmp.resolve("adapter"));
      expected = new YesNoScorer(l.model, l.tokenizer, new YesNoScorer.Options()).score(prompts);
    }
    String adapter = tmp.resolve("adapter").toString();
    List<YesNoScorer.Score> got;
    List<YesNoScorer.Score> plain;
    try (ModelCache.Lease baseLease = ModelCache.lease(model, null);
        ModelCache.Lease adaptedLease = ModelCache.lease(model, null, adapter, "auto")) {
      LlamaCheckpoints.Loaded base = baseLease.loaded;
      LlamaCheckpoints.Loaded adapted = adaptedLease.loaded;
      assertNotSame(base, adapted);
      try (ModelCache.Lease again = ModelCache.lease(model, null, adapter, "auto")) {
        assertTrue(again.loaded == adapted, "cached per JVM");
      }
      got = new YesNoScorer(adapted.model, adapted.tokenizer, new YesNoScorer.Options()).score(prompts);
      plain = new YesNoScorer(base.model, base.tokenizer, new YesNoScorer.Options()).score(prompts);
    }
    for (int i = 0; i < prompts.size(); i++) {
      assertEquals(expected.get(i).logitYes, got.get(i).logitYes, 1e-4);
      assertEquals(expected.get(i).score, got.get(i).score, 1e-5);
      assertTrue(Math.abs(plain.get(i).logitYes - got.get(i).logitYes) > 1e-3, "the adapter changes the score");
    }
  }
}
