package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraConfig;

/** The plain-Java decoder computes the engine's logits, position by position, adapters included. */
class SmallModelDecoderTest {

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

  /** Max |Java − engine| over every position's logits of {@code ids}. */
  private static float maxDiff(LlamaModel model, int[] ids) {
    float[] engine = LlmFixtures.logits(model, ids);
    SmallModelDecoder d = new SmallModelDecoder(model);
    int v = model.config().vocabSize;
    float max = 0;
    for (int t = 0; t < ids.length; t++) {
      float[] step = d.step(ids[t]);
      max = Math.max(max, LlmFixtures.maxAbsDiff(Arrays.copyOfRange(engine, t * v, (t + 1) * v), step));
    }
    assertEquals(ids.length, d.length());
    return max;
  }

  @Test
  void logitsEqualTheEngineAtEveryPosition() {
    int[] ids = hf.tokenizer.encode(LlmFixtures.TALLREC_PROMPT, true);
    assertTrue(ids.length > 200, "a long prompt exercises rotary and the cache: " + ids.length);
    float d = maxDiff(hf.model, ids);
    assertTrue(d < 1e-4, "max |Java - engine| logit difference " + d);
  }

  @Test
  void anAttachedLoraAdapterIsPartOfTheWeights() {
    int[] ids = hf.tokenizer.encode("Once upon a time, there was a dog named Max", true);
    float[] base = LlmFixtures.logits(hf.model, ids);
    LoraAdapter a = LoraAdapter.attach(hf.model, LoraConfig.defaults(), 3);
    try {
      // B starts at zero; random B (and A) make the adapter change the logits visibly.
      Random rng = new Random(5);
      List<double[]> values = new ArrayList<>();
      for (double[] p : a.snapshot()) {
        double[] r = new double[p.length];
        for (int i = 0; i < r.length; i++) {
          r[i] = rng.nextGaussian() * 0.2;
        }
        values.add(r);
      }
      a.restore(values);
      float moved = LlmFixtures.maxAbsDiff(base, LlmFixtures.logits(hf.model, ids));
      assertTrue(moved > 0.1, "the adapter should move the logits, moved " + moved);
      float d = maxDiff(hf.model, ids);
      assertTrue(d < 1e-4, "with the adapter: max |Java - engine| logit difference " + d);
    } finally {
      a.detach(hf.model);
    }
  }

  @Test
  void contextLimitIsAClearError() {
    SmallModelDecoder d = new SmallModelDecoder(hf.model);
    for (int i = 0; i < hf.model.config().maxPositions; i++) {
      d.step(1);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.step(1));
    assertTrue(e.getMessage().contains("context of 512 positions"), e.getMessage());
    d.reset();
    assertEquals(0, d.length());
  }

  @Test
  void autoPicksJavaOnlyForSmallModels() {
    assertEquals(Generator.Decoder.JAVA, new Generator(hf.model).resolve(new Generator.Options()));
    assertTrue(!SmallModelDecoder.suits(ModelPresets.require("llama-20m")), "llama-20m decodes in the engine");
    assertEquals(Generator.Decoder.ENGINE,
        new Generator(hf.model).resolve(new Generator.Options().decoder(Generator.Decoder.ENGINE)));
  }
}
