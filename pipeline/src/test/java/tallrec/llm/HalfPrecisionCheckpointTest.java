package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading checkpoints in half precision: BF16 shards narrowed to F16, F32 narrowed to F16 with a
 * counted range error, and scores of F16 models against the same weights in F32.
 */
class HalfPrecisionCheckpointTest {

  static List<YesNoScorer.Score> scores(Path dir, String precision, List<YesNoScorerTest.MoviePrompt> prompts) {
    try (NDManager m = NDManager.newBaseManager();
        LlamaCheckpoints.Loaded l = LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options().precision(precision), m)) {
      assertEquals(precision.equals("f16") ? DataType.FLOAT16 : DataType.FLOAT32, l.model.dataType());
      return new YesNoScorer(l.model, l.tokenizer, new YesNoScorer.Options().batchSize(4)).score(prompts);
    }
  }

  static double maxScoreDiff(List<YesNoScorer.Score> a, List<YesNoScorer.Score> b) {
    double worst = 0;
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).id, b.get(i).id);
      worst = Math.max(worst, Math.abs(a.get(i).score - b.get(i).score));
    }
    return worst;
  }

  /**
   * A sharded BF16 checkpoint (what Llama 3 and Qwen2.5 ship) loads into F16 and scores as the same
   * BF16 values widened exactly to F32 do, within 2e-3; beside it, how far BF16 rounding itself
   * moved the scores from the F32 source checkpoint.
   */
  @Test
  void bf16ShardedCheckpointInF16ScoresLikeItsF32Values(@TempDir Path dir) throws IOException {
    CheckpointFormatsTest.rewrite(dir, "BF16", 3);
    List<YesNoScorerTest.MoviePrompt> prompts = YesNoScorerTest.prompts();
    List<YesNoScorer.Score> f32 = scores(dir, "f32", prompts);
    List<YesNoScorer.Score> f16 = scores(dir, "f16", prompts);
    List<YesNoScorer.Score> source = scores(tallrec.testing.SharedData.require("models/stories260K-hf"), "f32", prompts);
    double d = maxScoreDiff(f32, f16);
    System.out.printf("BF16 sharded checkpoint: F16 vs F32 load max |dP(Yes)| %.2e; BF16 weights vs the F32 source"
        + " %.2e%n", d, maxScoreDiff(source, f32));
    assertTrue(d <= 2e-3, "F16 load of a BF16 checkpoint differs from its F32 widening by " + d);
  }

  /** Narrowing never clamps: a value beyond F16's range fails the load, naming tensor, file and count. */
  @Test
  void valuesBeyondF16RangeAreACountedError(@TempDir Path dir) throws IOException {
    float[] w = new float[64];
    w[3] = 70000f;
    w[9] = -1e6f;
    w[10] = 65504f; // the largest F16: fine
    Path file = dir.resolve("w.safetensors");
    new SafetensorsWriter().add("model.embed_tokens.weight", "F32", new long[] {8, 8}, w).write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> f.load("model.embed_tokens.weight", new long[] {8, 8}, m, Precision.F16));
      assertTrue(e.getMessage().contains("'model.embed_tokens.weight'") && e.getMessage().contains(file.toString())
          && e.getMessage().contains("2 of 64 values") && e.getMessage().contains("--precision f32"), e.getMessage());
      assertEquals(DataType.FLOAT32, f.load("model.embed_tokens.weight", new long[] {8, 8}, m, Precision.F32)
          .getDataType());
    }
  }

  /**
   * A random model with llama-20m's decoder (hidden 256, MLP 688, 8 layers, 8 heads; byte
   * vocabulary) written in F32: loaded in F16 it scores within 2e-3 of its F32 load.
   */
  @Test
  void randomLlama20mShapedModelScoresTheSameInF16(@TempDir Path dir) throws IOException {
    RandomCheckpoint.write(dir, new RandomCheckpoint.Shape(256, 688, 8, 8, 2048), 11);
    List<YesNoScorerTest.MoviePrompt> prompts = YesNoScorerTest.prompts().subList(0, 4);
    double d = maxScoreDiff(scores(dir, "f32", prompts), scores(dir, "f16", prompts));
    System.out.printf("random llama-20m-shaped model: F16 vs F32 max |dP(Yes)| %.2e%n", d);
    assertTrue(d <= 2e-3, "F16 differs from F32 by " + d);
  }
}
