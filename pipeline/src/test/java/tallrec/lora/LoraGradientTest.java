package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.RandomWeights;
import tallrec.train.CausalLmLoss;
import tallrec.train.TrainExample;

/** Autograd gradients of A and B against central finite differences, on a tiny model in float64. */
class LoraGradientTest {

  static final LlamaConfig TINY = LlamaConfig.of(16, 24, 2, 4, 2, 40, 32, false);

  @Test
  void gradientsOfAAndBMatchCentralDifferencesInFloat64() {
    try (NDManager root = NDManager.newBaseManager()) {
      LlamaModel model = LlamaModel.load(TINY, new F64Weights(new RandomWeights(TINY, 3)), root);
      LoraConfig cfg = new LoraConfig(2, 4, 0.0, List.copyOf(LoraConfig.KNOWN_TARGETS), "");
      LoraAdapter a = LoraAdapter.attach(model, cfg, 1);
      assertEquals(DataType.FLOAT64, a.parameters().get(0).getDataType());
      LoraFixtures.randomize(a, 9, 0.3);
      List<TrainExample> batch = List.of(
          new TrainExample("a", new int[] {1, 5, 9, 33, 12, 7, 2}, 3, 0),
          new TrainExample("b", new int[] {1, 17, 4, 2}, 2, 0));
      long t0 = System.nanoTime();
      // Analytic.
      try (NDManager scope = root.newSubManager()) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          CausalLmLoss.Result r = CausalLmLoss.compute(model, scope, batch, false, 0, 1.0, true);
          gc.backward(r.loss());
        }
      }
      List<double[]> grads = new ArrayList<>();
      for (NDArray p : a.parameters()) {
        try (NDArray g = p.getGradient()) {
          grads.add(g.toDoubleArray());
        }
      }
      List<double[]> base = a.snapshot();
      Random rnd = new Random(5);
      double h = 1e-5;
      double worst = 0;
      int checked = 0;
      for (int pi = 0; pi < base.size(); pi++) {
        for (int trial = 0; trial < 2; trial++) {
          int idx = rnd.nextInt(base.get(pi).length);
          double plus = lossWith(model, a, root, batch, base, pi, idx, h);
          double minus = lossWith(model, a, root, batch, base, pi, idx, -h);
          double fd = (plus - minus) / (2 * h);
          double an = grads.get(pi)[idx];
          double err = Math.abs(fd - an) / Math.max(1e-6, Math.abs(fd) + Math.abs(an));
          worst = Math.max(worst, err);
          assertTrue(err < 1e-5 || Math.abs(fd - an) < 1e-9,
              a.parameterNames().get(pi) + "[" + idx + "]: autograd " + an + " vs central difference " + fd);
          checked++;
        }
      }
      assertEquals(2 * 2 * 7 * 2, checked);
      a.restore(base);
      // Merging in float64 is exact to rounding of double.
      float[] unmerged = logits(model);
      a.merge();
      float[] merged = logits(model);
      assertTrue(LoraFixtures.maxAbsDiff(unmerged, merged) < 1e-6, "F64 merge " + LoraFixtures.maxAbsDiff(unmerged, merged));
      System.out.printf("LoRA gradient check: %d entries, worst relative error %.2e, %.1f s%n", checked, worst, (System.nanoTime() - t0) / 1e9);
    }
  }

  private static float[] logits(LlamaModel model) {
    return LoraFixtures.logits(model, new int[] {1, 5, 9, 33, 12, 7, 2});
  }

  private static double lossWith(LlamaModel model, LoraAdapter a, NDManager root, List<TrainExample> batch,
      List<double[]> base, int pi, int idx, double delta) {
    List<double[]> v = new ArrayList<>();
    for (double[] b : base) {
      v.add(b.clone());
    }
    v.get(pi)[idx] += delta;
    a.restore(v);
    try (NDManager scope = root.newSubManager()) {
      return CausalLmLoss.compute(model, scope, batch, false, 0, 1.0, false).loss().getDouble();
    }
  }
}
