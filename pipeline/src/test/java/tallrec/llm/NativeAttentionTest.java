package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fused native attention against torch's ops: on random inputs (head dimensions with and
 * without a specialised kernel, grouped-query heads, padding keys, a padding query, one query per
 * row as the last-position layer asks), and through whole scoring forwards of stories260K with a
 * shared-prefix cache, both padding sides.
 */
public class NativeAttentionTest {

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    requireLibrary();
  }

  /** Skips a test class without the native library, except under CI, which must build and test it. */
  public static void requireLibrary() {
    if (!NativeAttention.available()) {
      String why = "the native kernels are not loaded: " + NativeAttention.unavailableReason();
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why + "; CI must build and test them");
      }
      Assumptions.abort(why);
    }
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
    }
  }

  /** torch's sequence, as LlamaModel's unblocked path: (q·scale)·kᵀ + additive mask, softmax, ·v. */
  static float[] reference(NDManager m, NDArray q, NDArray k, NDArray v, NativeAttention.KeyMask mask, float scale) {
    return referenceArray(m, q, k, v, mask, scale).toFloatArray();
  }

  static NDArray random(NDManager m, Random rnd, long... shape) {
    Shape s = new Shape(shape);
    float[] x = new float[(int) s.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return m.create(x, s);
  }

  @Test
  void equalsTorchsOpsOnRandomInputs() {
    Random rnd = new Random(11);
    int[][] shapes = { // heads, kvHeads, head dimension
        {4, 4, 8}, {8, 4, 8}, {4, 2, 16}, {6, 2, 12}, {2, 1, 64}, {2, 2, 128}, {3, 3, 5}};
    for (int[] sh : shapes) {
      int heads = sh[0];
      int kvHeads = sh[1];
      int hd = sh[2];
      int b = 3;
      int past = 21; // cached keys before this call's queries (a shared prefix: all real)
      int t = 37;
      int keys = past + t;
      byte[] valid = new byte[b * keys];
      int[] self = new int[b * t];
      for (int r = 0; r < b; r++) {
        int pad = r * 5; // row r: its first `pad` tokens of this call are left padding
        for (int j = 0; j < keys; j++) {
          valid[r * keys + j] = (byte) (j < past || j >= past + pad ? 1 : 0);
        }
        for (int i = 0; i < t; i++) {
          self[r * t + i] = past + i; // queries at padding positions see only themselves among this call's keys
        }
      }
      NativeAttention.KeyMask mask = new NativeAttention.KeyMask(b, t, keys, valid, self);
      float scale = (float) (1 / Math.sqrt(hd));
      try (NDManager m = manager.newSubManager()) {
        NDArray q = random(m, rnd, b, heads, t, hd);
        NDArray k = random(m, rnd, b, kvHeads, keys, hd);
        NDArray v = random(m, rnd, b, kvHeads, keys, hd);
        float[] want = reference(m, q, k, v, mask, scale);
        float[] got = NativeAttention.attend(q, k, v, mask, scale, false, m).toFloatArray();
        float d = LlmFixtures.maxAbsDiff(want, got);
        assertTrue(d < 1e-5, "heads " + heads + "/" + kvHeads + ", hd " + hd + ": max diff " + d);
        // Token-major output [b, t, heads, hd]: the same values, transposed, bit for bit.
        float[] tokenMajor = NativeAttention.attend(q, k, v, mask, scale, true, m).toFloatArray();
        assertArrayEquals(NativeAttention.attend(q, k, v, mask, scale, false, m).transpose(0, 2, 1, 3)
            .toFloatArray(), tokenMajor, "token-major output, heads " + heads + "/" + kvHeads + ", hd " + hd);

        // One query per row at a row-specific position, as the last-position layer scores.
        int[] last = {t - 1, t - 3, 7};
        NativeAttention.KeyMask one = mask.rowsAt(last);
        NDArray q1 = random(m, rnd, b, heads, 1, hd);
        float d1 = LlmFixtures.maxAbsDiff(reference(m, q1, k, v, one, scale),
            NativeAttention.attend(q1, k, v, one, scale, false, m).toFloatArray());
        assertTrue(d1 < 1e-5, "one query per row, heads " + heads + "/" + kvHeads + ", hd " + hd + ": max diff " + d1);
        System.out.printf("heads %d/%d, head dimension %d: max |native - torch| %.2e, one query per row %.2e%n",
            heads, kvHeads, hd, d, d1);
      }
    }
  }

  /**
   * Training's attention (forward with log-sum-exp, then the native backward) against autograd
   * through torch's sequence: the output and the gradients of q, k and v for a random output
   * gradient, on right-padded rows as training batches them (and left-padded ones), with and
   * without grouped-query heads. The 150-token shapes span several of the backward's key tiles (128
   * keys for heads of 8 dimensions, 64 for 16, 32 for 32) and end on an odd number of 16-key blocks.
   */
  @Test
  void backwardEqualsTorchsAutograd() {
    Random rnd = new Random(5);
    // heads, kv heads, head dimension, tokens
    int[][] shapes = {{4, 4, 16, 37}, {8, 4, 8, 37}, {6, 2, 12, 37}, {2, 1, 64, 37}, {3, 3, 5, 37},
        {4, 2, 16, 150}, {2, 1, 8, 150}, {2, 2, 32, 150}};
    for (int[] sh : shapes) {
      for (boolean rightPadded : new boolean[] {true, false}) {
        int heads = sh[0];
        int kvHeads = sh[1];
        int hd = sh[2];
        int b = 3;
        int t = sh[3];
        int past = 0; // training's attention: its own keys only
        int keys = t;
        byte[] valid = new byte[b * keys];
        int[] self = new int[b * t];
        for (int r = 0; r < b; r++) {
          int pad = r * 6;
          for (int j = 0; j < keys; j++) {
            boolean real = rightPadded ? j < t - pad : j >= pad;
            valid[r * keys + j] = (byte) (real ? 1 : 0);
          }
          for (int i = 0; i < t; i++) {
            self[r * t + i] = past + i;
          }
        }
        NativeAttention.KeyMask mask = new NativeAttention.KeyMask(b, t, keys, valid, self);
        float scale = (float) (1 / Math.sqrt(hd));
        String what = "heads " + heads + "/" + kvHeads + ", hd " + hd + ", " + t + " tokens"
            + (rightPadded ? ", right-padded" : ", left-padded");
        try (NDManager m = manager.newSubManager()) {
          NDArray q = random(m, rnd, b, heads, t, hd);
          NDArray k = random(m, rnd, b, kvHeads, keys, hd);
          NDArray v = random(m, rnd, b, kvHeads, keys, hd);
          NDArray g = random(m, rnd, b, heads, t, hd); // the output's gradient (head-major, as torch's output)
          float[][] want = new float[4][];
          NDArray[] leaves = {q.duplicate(), k.duplicate(), v.duplicate()};
          try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
            for (NDArray a : leaves) {
              a.setRequiresGradient(true);
            }
            NDArray out = referenceArray(m, leaves[0], leaves[1], leaves[2], mask, scale);
            want[0] = out.toFloatArray();
            gc.backward(out.mul(g).sum());
          }
          for (int i = 0; i < 3; i++) {
            want[i + 1] = leaves[i].getGradient().toFloatArray();
          }
          NativeAttention.Packed shape = NativeAttention.packedShape(q, k);
          NDArray qkv = NativeAttention.pack(q, k, v);
          NDArray[] fwd = NativeAttention.attendForTraining(qkv, shape, mask, scale, m);
          float dOut = LlmFixtures.maxAbsDiff(want[0], fwd[0].transpose(0, 2, 1, 3).toFloatArray());
          assertTrue(dOut < 1e-5, what + ": output max diff " + dOut);
          NDArray[] grads = shape.unpack(NativeAttention.backward(qkv, shape, fwd[0], fwd[1],
              g.transpose(0, 2, 1, 3).duplicate(), mask, scale, m));
          String[] names = {"dq", "dk", "dv"};
          StringBuilder line = new StringBuilder(what + ": max |native - autograd| output " + String.format("%.2e", dOut));
          for (int i = 0; i < 3; i++) {
            float[] got = grads[i].toFloatArray();
            float d = LlmFixtures.maxAbsDiff(want[i + 1], got);
            float size = 0;
            for (float x : want[i + 1]) {
              size = Math.max(size, Math.abs(x));
            }
            assertTrue(d <= 1e-5 * Math.max(1, size), what + ": " + names[i] + " max diff " + d + " (largest " + size + ")");
            line.append(String.format(", %s %.2e (largest %.2f)", names[i], d, size));
          }
          System.out.println(line);
        }
      }
    }
  }

  /**
   * torch's sequence, as LlamaModel's unblocked path: (q·scale)·kᵀ + additive mask, softmax, ·v
   * (recorded inside a collector).
   */
  static NDArray referenceArray(NDManager m, NDArray q, NDArray k, NDArray v, NativeAttention.KeyMask mask,
      float scale) {
    Shape qs = q.getShape();
    int b = (int) qs.get(0);
    int heads = (int) qs.get(1);
    int t = (int) qs.get(2);
    int keys = mask.keys();
    int groups = heads / (int) k.getShape().get(1);
    float[] add = new float[b * t * keys];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        int self = mask.self()[r * t + i];
        for (int j = 0; j < keys; j++) {
          boolean seen = j <= self && (j == self || mask.valid()[r * keys + j] != 0);
          add[(r * t + i) * keys + j] = seen ? 0f : -1e9f;
        }
      }
    }
    NDArray kr = groups > 1 ? k.repeat(1, groups) : k;
    NDArray vr = groups > 1 ? v.repeat(1, groups) : v;
    NDArray scores = q.mul(scale).matMul(kr.transpose(0, 1, 3, 2)).add(m.create(add, new Shape(b, 1, t, keys)));
    return scores.softmax(-1).matMul(vr);
  }

  @Test
  void scoringForwardsEqualTorchsAttention() {
    try (NDManager m = manager.newSubManager()) {
      LlamaCheckpoints.Loaded hf = LlmFixtures.hf(m);
      String p = LlmFixtures.TALLREC_PROMPT;
      List<int[]> ids = new ArrayList<>();
      for (String s : new String[] {p, p.replace("Heat (1995)", "Heat (1995)\", \"Babe (1995)"),
          p.replace("Casino", "Clueless"), p + "Well."}) {
        ids.add(hf.tokenizer.encode(s, true));
      }
      int[] yes = new int[ids.size()];
      int[] no = new int[ids.size()];
      java.util.Arrays.fill(yes, hf.tokenizer.encode("Yes", false)[0]);
      java.util.Arrays.fill(no, hf.tokenizer.encode("No", false)[0]);
      for (PaddingSide side : PaddingSide.values()) {
        YesNoScorer scorer = new YesNoScorer(hf.model, hf.tokenizer, new YesNoScorer.Options().batchSize(3).padding(side));
        assertTrue(scorer.sharedPrefixLength(ids) > 0, "the prompts share a prefix: the cache is used");
        double[][] fused = scorer.scoreTokenized(ids, yes, no);
        double[][] torch;
        NativeAttention.off = true;
        try {
          torch = scorer.scoreTokenized(ids, yes, no);
        } finally {
          NativeAttention.off = false;
        }
        for (int i = 0; i < ids.size(); i++) {
          assertEquals(torch[i][0], fused[i][0], 1e-5, side + " prompt " + i + " logit yes");
          assertEquals(torch[i][1], fused[i][1], 1e-5, side + " prompt " + i + " logit no");
          assertEquals(torch[i][2], fused[i][2], 1e-6, side + " prompt " + i + " score");
        }
      }
    }
  }
}
