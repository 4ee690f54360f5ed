package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.RandomWeights;
import tallrec.lora.LoraAdapter;
import tallrec.prompt.SamplePrompt;
import tallrec.text.ByteTokenizer;

/** Early stopping on a scripted validation metric, best-adapter restore, and response-only loss masks. */
class TrainerEarlyStoppingTest {

  static final LlamaConfig TINY = LlamaConfig.of(16, 24, 2, 4, 2, 300, 64, false);

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovementAndRestoresTheBestAdapter() {
    try (NDManager root = NDManager.newBaseManager()) {
      LlamaModel model = LlamaModel.load(TINY, new RandomWeights(TINY, 1), root);
      TuneSettings s = TuneSettings.builder()
          .epochs(100).maxSteps(0).batch(2).microBatch(1)
          .lr(1e-2).warmupSteps(0).weightDecay(0.0).adam(0.9, 0.999, 1e-8)
          .maxGradNorm(0.0).cutoffLen(64).trainOnInputs(true).seed(3)
          .evalEvery(2).patience(3).checkpointEvery(0).evalBatch(4)
          .lora(2, 4, 0.0, List.of("q_proj", "v_proj"))
          .build();
      LoraAdapter a = LoraAdapter.attach(model, s.lora(), 3);
      List<TrainExample> train = List.of(new TrainExample("a", new int[] {1, 5, 9, 33, 2}, 2, 0),
          new TrainExample("b", new int[] {1, 17, 4, 2}, 2, 0), new TrainExample("c", new int[] {1, 8, 8, 8, 2}, 2, 0));
      double[] script = {0.50, 0.70, 0.65, 0.70, 0.60, 0.99};
      List<List<double[]>> seen = new ArrayList<>();
      Validator v = new Validator() {
        @Override
        public String metric() {
          return "valid_auc";
        }

        @Override
        public boolean higherIsBetter() {
          return true;
        }

        @Override
        public double evaluate(LlamaModel m, LoraAdapter adapter) {
          seen.add(adapter.snapshot());
          return script[seen.size() - 1];
        }
      };
      Trainer.Result r = new Trainer(model, a, train, v, s, 0,
          new Trainer.Options().progress(new PrintStream(new ByteArrayOutputStream()))).run();
      // evaluations at steps 2, 4, 6, 8, 10: best 0.70 at step 4; 0.65, 0.70 (not better), 0.60 -> 3 without improvement.
      assertTrue(r.stoppedEarly());
      assertEquals(10, r.steps());
      assertEquals(4, r.bestStep());
      assertEquals(0.70, r.bestMetric());
      assertEquals(5, seen.size());
      List<double[]> now = a.snapshot();
      for (int i = 0; i < now.size(); i++) {
        assertArrayEquals(seen.get(1).get(i), now.get(i));
      }
    }
  }

  @Test
  void trainOnInputsFalseMasksThePromptAndEosEndsTheSequence() {
    ByteTokenizer tok = new ByteTokenizer();
    SamplePrompt p = SamplePrompt.fixed("x", "Say yes", "");
    TrainExample e = TrainExample.build(tok, p, "Yes.", 512);
    int promptLen = tok.encode(p.render(0), true).length;
    assertEquals(promptLen, e.promptTokens());
    assertEquals(promptLen + 4 + 1, e.ids().length);
    assertEquals(tok.eosId(), e.ids()[e.ids().length - 1]);
    assertFalse(e.predicts(promptLen - 2, false));
    assertTrue(e.predicts(promptLen - 1, false), "the first response token is predicted");
    assertTrue(e.predicts(0, true));
    assertFalse(e.predicts(e.ids().length - 1, true), "nothing after EOS");
    // Too long even without history: skipped, never cut inside the response.
    assertEquals(null, TrainExample.build(tok, p, "Yes.", promptLen + 2));
  }
}
