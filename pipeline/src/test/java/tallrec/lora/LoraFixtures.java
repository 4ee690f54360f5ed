package tallrec.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaModel;
import tallrec.llm.PaddingSide;
import tallrec.llm.TokenBatch;
import tallrec.testing.SharedData;

/** Helpers for the LoRA tests. */
public final class LoraFixtures {

  private LoraFixtures() {}

  public static LlamaCheckpoints.Loaded stories(NDManager m) {
    return LlamaCheckpoints.load(SharedData.require("models/stories260K-hf"), new LlamaCheckpoints.Options(), m);
  }

  /** Logits [T, V] of one sequence, flattened (inference mode). */
  public static float[] logits(LlamaModel model, int[] ids) {
    try (NDManager scope = model.manager().getParentManager().newSubManager()) {
      NDArray h = model.forward(scope, TokenBatch.of(List.of(ids), PaddingSide.RIGHT, 0), null, false);
      NDArray l = model.logits(h);
      return l.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }
  }

  /** Gives every parameter (B included) random values of about {@code std}, so the adapter changes outputs. */
  public static void randomize(LoraAdapter a, long seed, double std) {
    Random r = new Random(seed);
    List<double[]> s = a.snapshot();
    for (double[] v : s) {
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextGaussian() * std;
      }
    }
    a.restore(s);
  }

  public static float maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths " + a.length + " vs " + b.length);
    }
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
