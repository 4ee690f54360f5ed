package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.NativeAttention;
import tallrec.llm.NativeAttentionTest;
import tallrec.llm.RandomWeights;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraFixtures;
import tallrec.train.GradientRuns.Attention;
import tallrec.train.GradientRuns.Run;

/**
 * Training with the attention in native code ({@link CausalLmLoss#forwardBackward} where
 * {@link LlamaModel#nativeTrainingAttention} holds, here forced whatever the shape: each layer
 * recorded as two graphs around the native forward and backward) gives the loss and gradients of
 * autograd through torch's ops:
 * LoRA on every projection with dropout over two accumulated micro-batches of real prompts on
 * stories260K (grouped-query heads of dimension 8), and every weight of a random untied model as
 * pretraining trains it (the embeddings' gradient reaches through the segments too). With
 * activation checkpointing the native path recomputes the same graphs and gives the same bits.
 */
class NativeTrainingAttentionTest {

  @BeforeAll
  static void library() {
    NativeAttentionTest.requireLibrary();
  }

  @Test
  void loraGradientsEqualThoseThroughTorchsAttention() {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      LoraAdapter a = GradientRuns.allProjections(l.model);
      List<List<TrainExample>> micro = GradientRuns.movieMicroBatches(l);
      // Forced: these batches are smaller than the size from which training picks it.
      Run nat = GradientRuns.run(l.model, root, micro, l.tokenizer.eosId(), a.parameters(), Attention.NATIVE, false);
      Run torch = GradientRuns.run(l.model, root, micro, l.tokenizer.eosId(), a.parameters(), Attention.TORCH, false);
      // Activation checkpointing recomputes each layer as the same two graphs: the same bits.
      Run recomputed = GradientRuns.run(l.model, root, micro, l.tokenizer.eosId(), a.parameters(), Attention.NATIVE,
          true);
      a.train(false);
      assertEquals(nat.loss(), recomputed.loss());
      for (int i = 0; i < nat.grads().size(); i++) {
        assertTrue(java.util.Arrays.equals(nat.grads().get(i), recomputed.grads().get(i)),
            "parameter " + i + ": checkpointing changed the native path's gradient");
      }
      double[] c = torch.compare(nat);
      System.out.printf("LoRA (7 targets, dropout 0.1), stories260K: loss %.7f native vs %.7f torch; max |grad diff|"
          + " %.3g of max |grad| %.3g%n", nat.loss(), torch.loss(), c[0], c[1]);
      assertEquals(torch.loss(), nat.loss(), 1e-6);
      assertTrue(c[1] > 1e-4, "gradients too small to compare: " + c[1]);
      assertTrue(c[0] <= 1e-5 * Math.max(1, c[1]), "max |grad diff| " + c[0] + " (max |grad| " + c[1] + ")");
      a.detach(l.model);
    }
  }

  @Test
  void everyWeightsGradientEqualsThoseThroughTorchsAttention() {
    LlamaConfig cfg = LlamaConfig.of(32, 64, 2, 4, 2, 100, 64, false);
    try (NDManager root = NDManager.newBaseManager(); LlamaModel model = LlamaModel.load(cfg, new RandomWeights(cfg, 9),
        root)) {
      Map<String, NDArray> leaves = model.trainAllWeights();
      Random rnd = new Random(4);
      List<TrainExample> ex = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int[] ids = new int[12 + 7 * i]; // different lengths: right padding in each micro-batch
        ids[0] = cfg.bosId;
        for (int t = 1; t < ids.length; t++) {
          ids[t] = 3 + rnd.nextInt(cfg.vocabSize - 3);
        }
        ex.add(new TrainExample("seq" + i, ids, 0, 0));
      }
      List<List<TrainExample>> micro = List.of(ex.subList(0, 3), ex.subList(3, 5));
      List<NDArray> params = new ArrayList<>(leaves.values());
      Run nat = GradientRuns.run(model, root, micro, 0, params, Attention.NATIVE, false);
      Run torch = GradientRuns.run(model, root, micro, 0, params, Attention.TORCH, false);
      for (NDArray p : params) {
        p.setRequiresGradient(false);
      }
      double[] c = torch.compare(nat);
      System.out.printf("every weight (%d leaves), random model with 4/2 heads: loss %.7f native vs %.7f torch;"
          + " max |grad diff| %.3g of max |grad| %.3g%n", params.size(), nat.loss(), torch.loss(), c[0], c[1]);
      assertEquals(torch.loss(), nat.loss(), 1e-6);
      assertTrue(c[1] > 1e-4, "gradients too small to compare: " + c[1]);
      assertTrue(c[0] <= 1e-5 * Math.max(1, c[1]), "max |grad diff| " + c[0] + " (max |grad| " + c[1] + ")");
      double embedding = 0;
      for (double g : nat.grads().get(0)) {
        embedding = Math.max(embedding, Math.abs(g));
      }
      assertTrue(embedding > 0, "no gradient reached the embeddings through the native segments");
      assertFalse(leaves.isEmpty());
    }
  }

  /**
   * Where training picks the native attention by itself: heads of at most 16 dimensions and a score
   * tensor of at least 2M elements per layer; torch's ops otherwise, and whenever it is switched off.
   */
  @Test
  void trainingPicksTheNativeAttentionForSmallHeadsAndLargeScoreTensors() {
    try (NDManager root = NDManager.newBaseManager()) {
      LlamaConfig small = LlamaConfig.of(64, 128, 1, 8, 4, 100, 1024, false); // heads of 8 dimensions
      LlamaConfig wide = LlamaConfig.of(64, 128, 1, 2, 2, 100, 1024, false); // heads of 32
      try (LlamaModel s = LlamaModel.load(small, new RandomWeights(small, 1), root);
          LlamaModel w = LlamaModel.load(wide, new RandomWeights(wide, 1), root)) {
        assertTrue(s.nativeTrainingAttention(16, 160), "16 x 8 x 160^2 = 3.3M scores");
        assertTrue(s.nativeTrainingAttention(16, 128), "16 x 8 x 128^2 = 2^21 scores, the threshold");
        assertFalse(s.nativeTrainingAttention(16, 120), "16 x 8 x 120^2 = 1.8M scores");
        assertFalse(s.nativeTrainingAttention(4, 100), "320k scores stay in the cache");
        assertFalse(w.nativeTrainingAttention(64, 512), "heads of 32 dimensions train through torch's matmuls");
        NativeAttention.off = true;
        try {
          assertFalse(s.nativeTrainingAttention(16, 160), "switched off");
        } finally {
          NativeAttention.off = false;
        }
      }
    }
  }
}
