package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fused elementwise steps against the torch ops they replace (LlamaModel's sequences), on
 * random inputs whose widths are and are not multiples of a vector, on one thread and split over
 * two; whole forwards with and without them are compared by {@code LlamaModelTest} and
 * {@code NativeAttentionTest}.
 */
class FusedOpsTest {

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    NativeAttentionTest.requireLibrary();
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
    }
  }

  /** Relative to the reference's largest magnitude, as the other kernel tests bound F32 rounding. */
  static float relDiff(float[] want, float[] got) {
    float scale = 0;
    for (float w : want) {
      scale = Math.max(scale, Math.abs(w));
    }
    return LlmFixtures.maxAbsDiff(want, got) / Math.max(scale, 1e-30f);
  }

  @Test
  void rmsNormEqualsTorchsOps() {
    Random rnd = new Random(3);
    for (int d : new int[] {8, 64, 67, 288}) {
      for (int threads : new int[] {1, 2}) {
        try (NDManager m = manager.newSubManager(); TorchThreads.Hold h = TorchThreads.limit(threads)) {
          NDArray x = NativeAttentionTest.random(m, rnd, 3, 13, d).mul(3f);
          NDArray w = NativeAttentionTest.random(m, rnd, d);
          float eps = 1e-5f;
          NDArray ms = x.mul(x).mean(new int[] {-1}, true).add(eps);
          float[] want = x.mul(ms.pow(-0.5f)).mul(w).toFloatArray();
          float[] got = FusedOps.rmsNorm(x, w, eps).toFloatArray();
          float r = relDiff(want, got);
          assertTrue(r < 1e-6, "RMSNorm, width " + d + ", " + threads + " threads: relative diff " + r);
          System.out.printf("RMSNorm width %d, %d threads: max relative diff %.2e%n", d, threads, r);
        }
      }
    }
  }

  @Test
  void siluMulEqualsTorchsOps() {
    Random rnd = new Random(5);
    for (long n : new long[] {7, 16, 1000, 4099}) {
      for (int threads : new int[] {1, 2}) {
        try (NDManager m = manager.newSubManager(); TorchThreads.Hold h = TorchThreads.limit(threads)) {
          // Wide gates: sigmoid's tails (exp's clamps) are crossed too.
          NDArray gate = NativeAttentionTest.random(m, rnd, n).mul(12f);
          NDArray up = NativeAttentionTest.random(m, rnd, n);
          float[] want = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up).toFloatArray();
          float[] got = FusedOps.siluMul(gate, up).toFloatArray();
          float r = relDiff(want, got);
          assertTrue(r < 1e-6, "SiLU·up, " + n + " elements, " + threads + " threads: relative diff " + r);
          System.out.printf("SiLU*up %d elements, %d threads: max relative diff %.2e%n", n, threads, r);
        }
      }
    }
  }

  @Test
  void ropeHeadsEqualsTorchsRotateHalfAndTranspose() {
    Random rnd = new Random(7);
    int[][] shapes = {{8, 8}, {4, 8}, {12, 64}, {3, 6}}; // heads, head dimension
    for (int[] sh : shapes) {
      int heads = sh[0];
      int hd = sh[1];
      int b = 2;
      int t = 19;
      for (int threads : new int[] {1, 2}) {
        try (NDManager m = manager.newSubManager(); TorchThreads.Hold h = TorchThreads.limit(threads)) {
          NDArray x = NativeAttentionTest.random(m, rnd, b, t, (long) heads * hd);
          NDArray cos = NativeAttentionTest.random(m, rnd, b, 1, t, hd);
          NDArray sin = NativeAttentionTest.random(m, rnd, b, 1, t, hd);
          // HF: x·cos + rotate_half(x)·sin over [b, heads, t, hd], rotate_half(x) = [-x2, x1].
          NDArray xh = x.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
          NDArray rotated = xh.get(":, :, :, " + hd / 2 + ":").neg()
              .concat(xh.get(":, :, :, :" + hd / 2), 3);
          float[] want = xh.mul(cos).add(rotated.mul(sin)).toFloatArray();
          NDArray got = FusedOps.ropeHeads(x, cos, sin, heads, hd);
          assertArrayEquals(new long[] {b, heads, t, hd}, got.getShape().getShape());
          float r = relDiff(want, got.toFloatArray());
          assertTrue(r < 1e-6, "rotary, " + heads + " heads of " + hd + ", " + threads + " threads: relative diff " + r);
          System.out.printf("rotary %d heads of %d, %d threads: max relative diff %.2e%n", heads, hd, threads, r);
        }
      }
    }
  }

  @Test
  void refusesWhatItCannotCompute() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.zeros(new Shape(2, 3, 16));
      assertThrows(IllegalArgumentException.class,
          () -> FusedOps.rmsNorm(x, m.ones(new Shape(8)), 1e-5f));
      assertThrows(IllegalArgumentException.class,
          () -> FusedOps.siluMul(x, m.zeros(new Shape(2, 3, 8))));
      assertThrows(IllegalArgumentException.class,
          () -> FusedOps.ropeHeads(x, m.zeros(new Shape(2, 1, 3, 8)), m.zeros(new Shape(2, 1, 3, 8)), 4, 8));
      assertThrows(IllegalArgumentException.class,
          () -> FusedOps.siluMul(x.toType(DataType.FLOAT16, false), x));
    }
  }
}
