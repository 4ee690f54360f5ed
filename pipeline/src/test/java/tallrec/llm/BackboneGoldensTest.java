package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactness per architecture (Llama 3 with llama3 rope scaling, Llama with linear and dynamic
 * scaling and biases, Qwen2, Mistral): a small model with the family's real head layout and rotary
 * settings, its weights written as HF safetensors here, loaded through the ordinary checkpoint
 * path; its logits at every position must match the plain-PyTorch reference of
 * {@code backbones/generate_goldens.py} within 1e-4, and greedy decoding of 40 tokens (by the
 * engine and by the small-model Java decoder) must be the reference's token for token.
 */
class BackboneGoldensTest {

  static final double TOLERANCE = 1e-4;

  static Stream<BackboneGoldens.Case> cases() {
    return BackboneGoldens.load().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void logitsAndGreedyDecodingMatchTheReference(BackboneGoldens.Case c, @TempDir Path dir) throws Exception {
    BackboneGoldens.writeCheckpoint(c, dir);
    // Greedy decoding is only a test when the reference's choices were not near-ties.
    assertTrue(c.minMargin() > 10 * TOLERANCE, c + ": golden greedy margin " + c.minMargin());
    try (LlamaCheckpoints.Loaded m = LlamaCheckpoints.load(dir,
        new LlamaCheckpoints.Options().loadTokenizer(false).precision("f32"))) {
      LlamaModel model = m.model;
      assertEquals(c.config().get("model_type").getAsString(), model.config().modelType);
      double worst = 0;
      for (int p = 0; p < c.prompts().size(); p++) {
        float[][] got = logits(model, List.of(c.prompts().get(p)), PaddingSide.RIGHT)[0];
        worst = Math.max(worst, compare(c + " prompt " + p, c.logits().get(p), got));
      }
      // Batched with padding on either side: positions come from the mask, so each row computes what
      // it does alone. (Not for dynamic scaling, whose frequencies depend on the longest row.)
      if (model.config().ropeScaling.kind() != RopeScaling.Kind.DYNAMIC) {
        for (PaddingSide side : PaddingSide.values()) {
          float[][][] got = logits(model, c.prompts(), side);
          for (int p = 0; p < c.prompts().size(); p++) {
            worst = Math.max(worst, compare(c + " batched (" + side + ") prompt " + p, c.logits().get(p), got[p]));
          }
        }
      }
      Generator gen = new Generator(model);
      int[] prompt = c.prompts().get(c.greedyPrompt());
      for (Generator.Decoder decoder : new Generator.Decoder[] {Generator.Decoder.ENGINE, Generator.Decoder.JAVA}) {
        Generator.Options o = new Generator.Options().maxNewTokens(c.greedyTokens().length).decoder(decoder);
        o.stopAtEos = false;
        assertArrayEquals(c.greedyTokens(), gen.generate(prompt, o), c + ": greedy tokens (" + decoder + ")");
      }
      System.out.printf("backbone %-18s %s: max |logit diff| %.2e over %d positions; greedy %d tokens identical"
          + " (engine and Java decoder)%n", c, model.config(), worst,
          c.prompts().stream().mapToInt(x -> x.length).sum(), c.greedyTokens().length);
    }
  }

  /** Logits [row][position][vocab] at the real positions of each row. */
  static float[][][] logits(LlamaModel model, List<int[]> prompts, PaddingSide side) {
    int v = model.config().vocabSize;
    TokenBatch batch = TokenBatch.of(prompts, side, 0);
    try (NDManager scope = model.manager().getParentManager().newSubManager()) {
      NDArray hidden = model.forward(scope, batch, null, false);
      float[] flat = model.logits(hidden).toFloatArray();
      float[][][] out = new float[prompts.size()][][];
      for (int r = 0; r < prompts.size(); r++) {
        int n = prompts.get(r).length;
        int start = batch.lastIndex[r] - n + 1;
        out[r] = new float[n][v];
        for (int t = 0; t < n; t++) {
          System.arraycopy(flat, (r * batch.length + start + t) * v, out[r][t], 0, v);
        }
      }
      return out;
    }
  }

  private static double compare(String what, float[][] want, float[][] got) {
    assertEquals(want.length, got.length, what + ": positions");
    double worst = 0;
    for (int t = 0; t < want.length; t++) {
      for (int i = 0; i < want[t].length; i++) {
        double d = Math.abs(want[t][i] - got[t][i]);
        if (d > TOLERANCE) {
          throw new AssertionError(what + ": logit[" + t + "][" + i + "] = " + got[t][i] + ", reference "
              + want[t][i] + " (|diff| " + d + " > " + TOLERANCE + ")");
        }
        worst = Math.max(worst, d);
      }
    }
    return worst;
  }
}
