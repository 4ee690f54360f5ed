package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoringBenchTest {

  @Test
  void flopCountMatchesAHandCount() {
    LlamaConfig c = LlamaConfig.of(8, 16, 1, 2, 1, 10, 32, true);
    // per token: q 8x8, k 8x4, v 8x4, o 8x8, gate/up/down 3x8x16 = 64+32+32+64+384 = 576 MACs
    // attention: 2 heads * t(=4) keys * headDim 4 * 2 (QK and PV) = 64 MACs per token; head: 8*10 per row
    double expected = 2.0 * (4 * 576 + 4 * 64) + 2.0 * 80;
    assertEquals(expected, ScoringBench.forwardFlops(c, 1, 4), 1e-9);
  }

  @Test
  void scoringFlopsCountWhatTheScorerRuns() {
    LlamaConfig c = LlamaConfig.of(8, 16, 1, 2, 1, 10, 32, true);
    // One layer, the last: k and v (2 × 8x4 = 64 MACs) on all 4 positions; q, o, gate/up/down
    // (64+64+384 = 512 MACs) and attention (2 heads × 4 keys × headDim 4 × 2 = 64) on the last one;
    // the head 8*10.
    double expected = 2.0 * (4 * 64 + 512 + 64) + 2.0 * 80;
    assertEquals(expected, ScoringBench.scoringFlops(c, 1, 4, 0, true), 1e-9);
    // Query blocks: 200 queries in 4 blocks of 50 read 50, 100, 150, 200 keys (after no prefix),
    // or 50 more each after a 50-token prefix; unblocked every query reads them all.
    assertEquals(50.0 * (50 + 100 + 150 + 200), LlamaModel.attentionProducts(200, 0, true), 1e-9);
    assertEquals(50.0 * (100 + 150 + 200 + 250), LlamaModel.attentionProducts(200, 50, true), 1e-9);
    assertEquals(200.0 * 250, LlamaModel.attentionProducts(200, 50, false), 1e-9);
    assertEquals(40.0 * 50, LlamaModel.attentionProducts(40, 10, true), 1e-9);
  }

  @Test
  void runsOnARandomModel() {
    LlamaConfig c = LlamaConfig.of(32, 64, 2, 4, 2, 100, 64, false);
    try (NDManager m = NDManager.newBaseManager();
        LlamaModel model = LlamaModel.load(c, new RandomWeights(c, 1), m)) {
      List<ScoringBench.Result> r = ScoringBench.run(model, new int[] {1, 3}, 20, 5, 1, null);
      assertEquals(2, r.size());
      assertTrue(r.get(1).tokens >= 5 * 5 && r.get(1).gflops() > 0);
      assertTrue(ScoringBench.matmulGflops(m, 128, 2) > 0);
    }
  }
}
