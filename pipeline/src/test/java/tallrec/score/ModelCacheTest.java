package tallrec.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.llm.YesNoScorer;
import tallrec.prompt.SamplePrompt;
import tallrec.testing.SharedData;

/**
 * An executor keeps a model loaded between stages only until another one is needed, and never
 * closes one a task still holds. Keys of the same checkpoint (precision f32 or auto, the tokenizer
 * named or not) stand in for adapters: each key is its own copy.
 */
class ModelCacheTest {

  private static final List<SamplePrompt> PROMPTS = List.of(SamplePrompt.of("a", "movie",
      List.of("\"Heat (1995)\""), List.of(1), "\"Toy Story (1995)\""));

  @Test
  void keepsTheLastModelUntilAnotherIsNeededAndNeverClosesOneInUse() {
    String model = SharedData.require("models/stories260K-hf").toString();
    int loads = ModelCache.loads();
    ModelCache.Lease first = ModelCache.lease(model, null, null, "f32");
    try (ModelCache.Lease again = ModelCache.lease(model, null, null, "f32")) {
      assertSame(first.loaded, again.loaded, "one copy per key while in use");
    }
    assertEquals(loads + 1, ModelCache.loads());

    // Another model while the first is still held: both stay loaded, and the first still scores.
    try (ModelCache.Lease second = ModelCache.lease(model, null, null, "auto")) {
      assertNotSame(first.loaded, second.loaded);
      assertEquals(loads + 2, ModelCache.loads());
      assertEquals(2, ModelCache.size());
      score(first);
    }
    first.close();
    first.close(); // closing twice hands it back once

    // Both idle now: asking for the first again reuses it (it was not closed) ...
    try (ModelCache.Lease back = ModelCache.lease(model, null, null, "f32")) {
      assertSame(first.loaded, back.loaded);
      assertEquals(loads + 2, ModelCache.loads());
    }
    // ... and a third key closes every idle model before it loads.
    String tokenizer = SharedData.require("models/stories260K-hf/tokenizer.model").toString();
    try (ModelCache.Lease third = ModelCache.lease(model, tokenizer, null, "f32")) {
      assertEquals(1, ModelCache.size());
      assertEquals(loads + 3, ModelCache.loads());
      score(third);
    }
    try (ModelCache.Lease reloaded = ModelCache.lease(model, null, null, "f32")) {
      assertNotSame(first.loaded, reloaded.loaded, "the idle copy was closed, so it is loaded afresh");
      assertEquals(loads + 4, ModelCache.loads());
      score(reloaded);
    }
  }

  private static void score(ModelCache.Lease lease) {
    double p = new YesNoScorer(lease.loaded.model, lease.loaded.tokenizer, new YesNoScorer.Options())
        .score(PROMPTS).get(0).score;
    assertTrue(p > 0 && p < 1, "P(Yes) = " + p);
  }
}
