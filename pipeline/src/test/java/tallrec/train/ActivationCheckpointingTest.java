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
      LoraAdapter a = GradientRuns.allProjections(l.model);
      List<List<TrainExample>> micro = GradientRuns.movieMicroBatches(l);
      long t0 = System.nanoTime();
      GradientRuns.Run plain = GradientRuns.run(l.model, root, micro, l.tokenizer.eosId(), a.parameters(),
          GradientRuns.Attention.AS_CHOSEN, false);
      long t1 = System.nanoTime();
      GradientRuns.Run recomputed = GradientRuns.run(l.model, root, micro, l.tokenizer.eosId(), a.parameters(),
          GradientRuns.Attention.AS_CHOSEN, true);
      long t2 = System.nanoTime();
      a.train(false);
      assertEquals(plain.loss(), recomputed.loss(), 1e-6);
      double[] c = plain.compare(recomputed);
      double maxDiff = c[0];
      double maxAbs = c[1];
      System.out.printf("activation checkpointing: loss %.6f vs %.6f, max |grad diff| %.3g (max |grad| %.3g);"
          + " %.2f s vs %.2f s%n", plain.loss(), recomputed.loss(), maxDiff, maxAbs, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
      assertTrue(maxAbs > 1e-4, "gradients too small to compare: " + maxAbs);
      assertTrue(maxDiff <= 1e-5, "max |grad diff| " + maxDiff);
      a.detach(l.model);
    }
  }
}
