package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW against PyTorch's formula written out in double; schedule and rank AUC. */
class AdamWTest {

  @Test
  void matchesPytorchAdamWFormula() {
    double lr = 0.01;
    double wd = 0.1;
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double[] p = {0.5, -1.0, 2.0};
    double[] m = new double[3];
    double[] v = new double[3];
    try (NDManager root = NDManager.newBaseManager()) {
      NDArray param = root.create(p.clone(), new Shape(3));
      param.setRequiresGradient(true);
      AdamW opt = new AdamW(List.of(param), root, b1, b2, eps, wd);
      for (int t = 1; t <= 5; t++) {
        // loss = sum(c * p^2) -> grad = 2 c p, with c changing per step
        double[] c = {t, 0.5, -0.25 * t};
        try (NDManager scope = root.newSubManager()) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = param.mul(param).mul(scope.create(c)).sum();
            gc.backward(loss);
          }
        }
        double[] g = new double[3];
        for (int i = 0; i < 3; i++) {
          g[i] = 2 * c[i] * p[i];
        }
        opt.step(lr, 1.0);
        for (int i = 0; i < 3; i++) {
          p[i] *= 1 - lr * wd;
          m[i] = b1 * m[i] + (1 - b1) * g[i];
          v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
          double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
          p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
        }
        double[] got = param.toDoubleArray();
        for (int i = 0; i < 3; i++) {
          assertEquals(p[i], got[i], 1e-12, "step " + t + " element " + i);
        }
        try (NDArray grad = param.getGradient()) {
          assertEquals(0.0, grad.abs().sum().getDouble(), "gradient zeroed after the step");
        }
      }
      assertEquals(DataType.FLOAT64, param.getDataType());
    }
  }

  @Test
  void linearScheduleWithWarmupAsHuggingFace() {
    LrSchedule s = new LrSchedule(1e-3, 10, 110);
    assertEquals(0.0, s.at(0));
    assertEquals(5e-4, s.at(5), 1e-15);
    assertEquals(1e-3, s.at(10), 1e-15);
    assertEquals(5e-4, s.at(60), 1e-15);
    assertEquals(0.0, s.at(110));
    assertEquals(1e-3, new LrSchedule(1e-3, 0, 10).at(0));
  }

  /**
   * After {@link AdamW#zeroGradients()} the gradients still live in torch's own memory. They once
   * borrowed a Java direct buffer (NDArray.set(Buffer)) that was freed when the per-call scope
   * closed; the next backward then accumulated into freed memory, corrupting the C heap (a test
   * JVM aborted with "free(): corrupted unsorted chunks"). Here the freed block is reused by Java
   * buffers filled with a pattern before the next backward: a borrowed gradient reads the pattern.
   */
  @Test
  void zeroedGradientsKeepTheirOwnMemory() throws InterruptedException {
    int n = 256;
    try (NDManager root = NDManager.newBaseManager()) {
      NDArray param = root.ones(new Shape(n));
      param.setRequiresGradient(true);
      AdamW opt = new AdamW(List.of(param), root, 0.9, 0.999, 1e-8, 0.0);
      for (int round = 0; round < 3; round++) {
        try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance()
            .newGradientCollector()) {
          gc.backward(param.mul(scope.create(Float.POSITIVE_INFINITY)).sum());
        }
        opt.zeroGradients();
        List<java.nio.ByteBuffer> reuse = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
          System.gc();
          Thread.sleep(20);
          for (int j = 0; j < 200; j++) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(n * 4);
            while (b.hasRemaining()) {
              b.put((byte) 0x41);
            }
            reuse.add(b);
          }
        }
        float[] c = new float[n];
        for (int i = 0; i < n; i++) {
          c[i] = i;
        }
        try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance()
            .newGradientCollector()) {
          gc.backward(param.mul(scope.create(c)).sum());
        }
        try (NDArray grad = param.getGradient()) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(c, grad.toFloatArray(), "round " + round);
        }
        opt.zeroGradients();
        reuse.clear();
      }
    }
  }
}
