package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tallrec.llm.LlamaCheckpoints;
import tallrec.train.CausalLmLoss;
import tallrec.train.TrainExample;
import tallrec.testing.SharedData;

/**
 * LoRA gradients through an F16 model follow the F32 model's: every A and B gets a gradient (the
 * casts between F16 activations and F32 statistics/adapters keep the autograd chain, which DJL's
 * own toType cuts), and each parameter's gradient is the F32 one up to F16 rounding. Also with
 * activation checkpointing, whose per-layer backward hands F16 gradients between layers.
 */
class HalfPrecisionGradientTest {

  @Test
  void f16LoraGradientsFollowF32() {
    compare(false);
  }

  @Test
  void f16LoraGradientsFollowF32WithActivationCheckpointing() {
    compare(true);
  }

  private static void compare(boolean checkpointing) {
    try (NDManager root = NDManager.newBaseManager()) {
      List<List<double[]>> grads = new ArrayList<>();
      for (String precision : new String[] {"f32", "f16"}) {
        LlamaCheckpoints.Loaded l = LlamaCheckpoints.load(SharedData.require("models/stories260K-hf"),
            new LlamaCheckpoints.Options().precision(precision), root);
        assertEquals(precision.equals("f16") ? DataType.FLOAT16 : DataType.FLOAT32, l.model.dataType());
        LoraAdapter a = LoraAdapter.attach(l.model, new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), ""), 3);
        assertEquals(DataType.FLOAT32, a.parameters().get(0).getDataType(), "adapters stay F32");
        LoraFixtures.randomize(a, 11, 0.05);
        List<TrainExample> batch = List.of(
            example(l, "Once upon a time, there was a dog named Max. He liked to play.", "a"),
            example(l, "Lily saw a big red ball in the park.", "b"));
        tallrec.llm.GradMode.off();
        try (NDManager scope = root.newSubManager()) {
          // 1024: loss scaling as the trainer applies it to half weights.
          double scale = precision.equals("f16") ? 1024 : 1;
          CausalLmLoss.forwardBackward(l.model, scope, batch, true, 0, scale, checkpointing, 5);
          List<double[]> g = new ArrayList<>();
          for (NDArray p : a.parameters()) {
            try (NDArray gr = p.getGradient(); NDArray d = gr.toType(DataType.FLOAT64, true)) {
              double[] v = d.toDoubleArray();
              for (int i = 0; i < v.length; i++) {
                v[i] /= scale;
              }
              g.add(v);
            }
          }
          grads.add(g);
        }
        l.close();
      }
      List<double[]> f32 = grads.get(0);
      List<double[]> f16 = grads.get(1);
      double worst = 0;
      for (int p = 0; p < f32.size(); p++) {
        double diff = 0;
        double norm = 0;
        double norm16 = 0;
        for (int i = 0; i < f32.get(p).length; i++) {
          diff += sq(f32.get(p)[i] - f16.get(p)[i]);
          norm += sq(f32.get(p)[i]);
          norm16 += sq(f16.get(p)[i]);
        }
        assertTrue(norm > 0 && norm16 > 0, "parameter " + p + " has no gradient (F32 " + norm + ", F16 " + norm16 + ")");
        double rel = Math.sqrt(diff / norm);
        worst = Math.max(worst, rel);
        assertTrue(rel < 0.02, "parameter " + p + ": F16 gradient differs from F32 by " + rel + " (relative L2)");
      }
      System.out.printf("F16 vs F32 LoRA gradients (checkpointing %s): %d parameters, worst relative L2 %.2e%n",
          checkpointing, f32.size(), worst);
    }
  }

  private static TrainExample example(LlamaCheckpoints.Loaded l, String text, String id) {
    int[] ids = l.tokenizer.encode(text, true);
    return new TrainExample(id, ids, 1, 0);
  }

  private static double sq(double x) {
    return x * x;
  }
}
