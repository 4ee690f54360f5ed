package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.DenseLinear;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.Linear;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraFixtures;

/** 60 steps on 8 fixed TALLRec samples with stories260K: the loss halves, base weights do not move. */
class TrainerOverfitTest {

  @TempDir Path tmp;

  static TuneSettings settings(int maxSteps) {
    return TuneSettings.builder()
        .epochs(1).maxSteps(maxSteps).batch(8).microBatch(4)
        .lr(3e-3).warmupSteps(5).weightDecay(0.0).adam(0.9, 0.999, 1e-8)
        .maxGradNorm(1.0).cutoffLen(320).trainOnInputs(false).seed(42)
        .evalEvery(0).patience(0).checkpointEvery(0).evalBatch(8)
        .lora(8, 16, 0.05, List.of("q_proj", "v_proj"))
        .build();
  }

  @Test
  void sixtyStepsOnEightSamplesHalveTheLossAndLeaveBaseWeightsBitwiseUnchanged() throws Exception {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      Map<String, float[]> before = baseWeights(l);
      List<TrainExample> train = new ArrayList<>();
      for (RecFixtures.Sample s : RecFixtures.movieLens(8, 0)) {
        TrainExample e = TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320);
        assertNotNull(e);
        assertEquals(l.tokenizer.eosId(), e.ids()[e.ids().length - 1]);
        train.add(e);
      }
      LoraAdapter a = LoraAdapter.attach(l.model, settings(60).lora(), 42);
      Trainer.Result r = new Trainer(l.model, a, train, null, settings(60), l.tokenizer.eosId(),
          new Trainer.Options().workDir(tmp)).run();
      assertEquals(60, r.steps());
      double first = r.losses().get(0);
      double last = r.losses().get(59);
      System.out.printf("overfit: loss %.4f -> %.4f in %d steps, %.1f s, %.0f tokens/s%n", first, last, r.steps(),
          r.seconds(), r.tokens() / r.seconds());
      assertTrue(last <= first / 2, "loss " + first + " -> " + last);
      Map<String, float[]> after = baseWeights(l);
      for (String k : before.keySet()) {
        assertArrayEquals(before.get(k), after.get(k), k);
      }
      assertEquals(60, Files.readAllLines(tmp.resolve(Trainer.LOG_FILE)).size());
      a.detach(l.model);
    }
  }

  static Map<String, float[]> baseWeights(LlamaCheckpoints.Loaded l) {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (Map.Entry<String, Linear> e : l.model.linears().entrySet()) {
      Linear lin = e.getValue();
      DenseLinear d = lin instanceof tallrec.lora.LoraLinear ll ? ll.base() : (DenseLinear) lin;
      m.put(e.getKey(), d.weight().toFloatArray());
    }
    return m;
  }
}
