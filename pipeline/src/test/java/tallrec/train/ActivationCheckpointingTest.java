package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.llm.LlamaCheckpoints;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraConfig;
import tallrec.lora.LoraFixtures;

/**
 * Activation checkpointing (tune.activation-checkpointing) recomputes each decoder layer in
 * backward; the LoRA gradients it yields equal those of the plain backward within 1e-5, dropout
 * on, every projection adapted, on stories260K with two micro-batches accumulated.
 */
class ActivationCheckpointingTest {

  /**
   * Backward computes gradients only for what requires them: after a training step no base array
   * (embeddings, norms, projections, the LM head) requires or holds a gradient, every LoRA A/B does.
   */
  @Test
  void onlyTheLoraParametersRequireAndGetGradients() {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      LoraAdapter a = LoraAdapter.attach(l.model, new LoraConfig(4, 8, 0.05, List.of("q_proj", "v_proj"), ""), 3);
      LoraFixtures.randomize(a, 5, 0.05); // B != 0, so A's gradients are not zero either
      List<TrainExample> ex = new ArrayList<>();
      for (RecFixtures.Sample s : RecFixtures.movieLens(2, 0)) {
        ex.add(TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320));
      }
      try (NDManager scope = root.newSubManager()) {
        CausalLmLoss.forwardBackward(l.model, scope, ex, true, l.tokenizer.eosId(), 1.0, false, 1);
      }
      int frozen = 0;
      for (java.util.Map.Entry<String, NDArray> e : l.model.baseWeights().entrySet()) {
        assertTrue(!ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) e.getValue()),
            e.getKey() + " requires a gradient");
        frozen++;
      }
      assertEquals(2 + 2 * 5 + 1 + 7 * 5, frozen, "tied head: embeddings, norms, 35 projections");
      for (NDArray p : a.parameters()) {
        assertTrue(ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) p));
        try (NDArray g = p.getGradient()) {
          assertTrue(g.abs().sum().getFloat() > 0, "no gradient reached a LoRA parameter");
        }
      }
      a.detach(l.model);
    }
  }

  @Test
  void gradientsWithAndWithoutCheckpointingAreEqual() {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      List<TrainExample> ex = new ArrayList<>();
      for (RecFixtures.Sample s : RecFixtures.movieLens(6, 0)) {
        ex.add(TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320));
      }
      LoraConfig cfg = new LoraConfig(4, 8, 0.1, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
          "up_proj", "down_proj"), "");
      LoraAdapter a = LoraAdapter.attach(l.model, cfg, 3);
      // Non-zero B, so A gets gradients too and every path through the adapter is exercised.
      LoraFixtures.randomize(a, 5, 0.05);
      AdamW zero = new AdamW(a.parameters(), a.manager(), 0.9, 0.999, 1e-8, 0.0);
      a.train(true);
      double[] losses = new double[2];
      List<List<double[]>> grads = new ArrayList<>();
      long[] seconds = new long[2];
      for (int mode = 0; mode < 2; mode++) {
        zero.zeroGradients();
        long t0 = System.nanoTime();
        for (int j = 0; j < 2; j++) {
          try (NDManager scope = root.newSubManager()) {
            losses[mode] += CausalLmLoss.forwardBackward(l.model, scope, ex.subList(3 * j, 3 * j + 3), true,
                l.tokenizer.eosId(), 0.5, mode == 1, 1234 + j).lossValue();
          }
        }
        seconds[mode] = System.nanoTime() - t0;
        List<double[]> g = new ArrayList<>();
        for (NDArray p : a.parameters()) {
          try (NDArray gr = p.getGradient()) {
            g.add(gr.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray());
          }
        }
        grads.add(g);
      }
      a.train(false);
      zero.close();
      assertEquals(losses[0], losses[1], 1e-6);
      double maxDiff = 0;
      double maxAbs = 0;
      for (int i = 0; i < grads.get(0).size(); i++) {
        double[] x = grads.get(0).get(i);
        double[] y = grads.get(1).get(i);
        for (int k = 0; k < x.length; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(x[k] - y[k]));
          maxAbs = Math.max(maxAbs, Math.abs(x[k]));
        }
      }
      System.out.printf("activation checkpointing: loss %.6f vs %.6f, max |grad diff| %.3g (max |grad| %.3g);"
          + " %.2f s vs %.2f s%n", losses[0], losses[1], maxDiff, maxAbs, seconds[0] / 1e9, seconds[1] / 1e9);
      assertTrue(maxAbs > 1e-4, "gradients too small to compare: " + maxAbs);
      assertTrue(maxDiff <= 1e-5, "max |grad diff| " + maxDiff);
      a.detach(l.model);
    }
  }
}
