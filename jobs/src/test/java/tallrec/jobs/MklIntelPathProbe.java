package tallrec.jobs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.MklDispatch;
import tallrec.llm.PaddingSide;
import tallrec.llm.RandomWeights;
import tallrec.llm.TokenBatch;

/**
 * Run by {@link MklIntelPathTest} in child JVMs, with and without the shim preloaded: writes an F32
 * matmul of GEMM size and a small LLaMA's logits (same seeds each time) to the file in args[0], and
 * prints which shim, if any, the process has mapped.
 */
public final class MklIntelPathProbe {

  private MklIntelPathProbe() {}

  public static void main(String[] args) throws Exception {
    tallrec.llm.GradMode.off();
    List<float[]> results = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(11);
      NDArray a = m.create(uniform(rng, 384 * 768), new Shape(384, 768));
      NDArray b = m.create(uniform(rng, 768 * 1024), new Shape(768, 1024));
      results.add(a.matMul(b).toFloatArray());

      LlamaConfig cfg = LlamaConfig.of(256, 688, 2, 8, 4, 1000, 256, false);
      try (LlamaModel model = LlamaModel.load(cfg, new RandomWeights(cfg, 5), m)) {
        List<int[]> seqs = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
          int[] s = new int[100 - 7 * r];
          s[0] = cfg.bosId;
          for (int i = 1; i < s.length; i++) {
            s[i] = 3 + rng.nextInt(cfg.vocabSize - 3);
          }
          seqs.add(s);
        }
        TokenBatch batch = TokenBatch.of(seqs, PaddingSide.LEFT, 0);
        try (NDManager scope = m.newSubManager()) {
          results.add(model.logits(model.forward(scope, batch, null, false)).toFloatArray());
        }
      }
    }
    try (DataOutputStream out = new DataOutputStream(new FileOutputStream(args[0]))) {
      out.writeInt(results.size());
      for (float[] r : results) {
        out.writeInt(r.length);
        for (float v : r) {
          out.writeFloat(v);
        }
      }
    }
    System.out.println("shim=" + MklDispatch.preloadedShim().orElse("none"));
  }

  private static float[] uniform(Random rng, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = rng.nextFloat() * 2 - 1;
    }
    return x;
  }
}
