package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Gradients recorded on several threads at once, which DJL's own collector refuses: each thread
 * gets d/dw sum((w·x)²) = 2 (w·x) x, exactly, and its grad mode is as before after.
 */
class ThreadGradientsTest {

  private static float[] gradient(float[] w, float[] x) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray wa = m.create(w);
      wa.setRequiresGradient(true);
      NDArray xa = m.create(x);
      GradMode.off();
      try (ThreadGradients g = ThreadGradients.record()) {
        assertTrue(GradMode.on());
        g.backward(wa.mul(xa).sum().square());
      }
      assertFalse(GradMode.on(), "the thread's grad mode is as before the recorder");
      return wa.getGradient().toFloatArray();
    }
  }

  @Test
  void threadsRecordSideBySideAndEachGetsItsOwnExactGradient() throws Exception {
    Engine.getInstance();
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier together = new CyclicBarrier(threads);
    try {
      List<Future<float[]>> out = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        float[] w = {1 + t, 2, -1};
        float[] x = {0.5f, t, 2};
        out.add(pool.submit(() -> {
          together.await();
          float[] g = null;
          for (int i = 0; i < 50; i++) {
            g = gradient(w, x);
          }
          return g;
        }));
      }
      for (int t = 0; t < threads; t++) {
        float dot = (1 + t) * 0.5f + 2 * t - 2;
        assertArrayEquals(new float[] {2 * dot * 0.5f, 2 * dot * t, 2 * dot * 2}, out.get(t).get(), 1e-5f);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void djlsOwnCollectorAllowsOnlyOneAtATimeWhichIsWhyThisExists() {
    try (GradientCollector first = Engine.getInstance().newGradientCollector()) {
      assertThrows(IllegalStateException.class, () -> Engine.getInstance().newGradientCollector());
    }
  }
}
