package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Overlapping holds keep torch's thread cap until the last one closes, then restore the process's value. */
class TorchThreadsTest {

  @Test
  void theCapHoldsUntilTheLastHolderClosesThenTheOldValueReturns() throws Exception {
    Engine.getInstance();
    int before = JniUtils.getNumThreads();
    int other = before == 1 ? 2 : 1;
    JniUtils.setNumThreads(other);
    try {
      TorchThreads.Hold a = TorchThreads.limit(1);
      assertEquals(1, JniUtils.getNumThreads());
      TorchThreads.Hold b = TorchThreads.limit(1);
      a.close();
      // a's close must not undo the cap while b still runs (what a plain set-and-restore did).
      assertEquals(1, JniUtils.getNumThreads());
      assertEquals(1, TorchThreads.cap());
      // Torch's OpenMP thread count is per thread: a second holder on another thread gets the cap there too.
      ExecutorService elsewhere = Executors.newSingleThreadExecutor();
      try {
        assertEquals(1, elsewhere.submit(() -> {
          try (TorchThreads.Hold c = TorchThreads.limit(1)) {
            return JniUtils.getNumThreads();
          }
        }).get());
      } finally {
        elsewhere.shutdownNow();
      }
      assertEquals(1, JniUtils.getNumThreads());
      a.close();  // a second close releases nothing
      assertEquals(1, JniUtils.getNumThreads());
      b.close();
      assertEquals(other, JniUtils.getNumThreads());
      assertEquals(0, TorchThreads.cap());
      assertThrows(IllegalArgumentException.class, () -> TorchThreads.limit(0));
    } finally {
      JniUtils.setNumThreads(before);
    }
  }

  /**
   * A reused pool thread (as Spark's task threads are) that ends its hold while another thread still
   * holds the cap runs its later ops with the process's count again, not capped: before, only the last
   * holder to close restored anything, on its own thread, and a tuning task that ran after a scoring
   * task on such a thread trained on one thread.
   */
  @Test
  void aThreadEndingItsHoldGetsItsOwnCountBackWhileAnotherStillHoldsTheCap() throws Exception {
    Engine.getInstance();
    int before = JniUtils.getNumThreads();
    ExecutorService worker = Executors.newSingleThreadExecutor();
    try {
      JniUtils.setNumThreads(2);  // the process's value the first hold saves
      // Reading it once makes torch initialise the worker's own count (it does so lazily, from the
      // process's value, on a thread's first read or parallel op), as a task thread that has run ops.
      assertEquals(2, worker.submit(() -> {
        JniUtils.setNumThreads(2);
        return JniUtils.getNumThreads();
      }).get());
      TorchThreads.Hold main = TorchThreads.limit(1);
      try {
        assertEquals(1, worker.submit(() -> {
          try (TorchThreads.Hold task = TorchThreads.limit(1)) {
            return JniUtils.getNumThreads();
          }
        }).get());
        assertEquals(2, worker.submit(JniUtils::getNumThreads).get(), "the worker is still capped");
        assertEquals(1, JniUtils.getNumThreads(), "the main thread's hold is still in force");
      } finally {
        main.close();
      }
      assertEquals(2, worker.submit(JniUtils::getNumThreads).get());
    } finally {
      worker.shutdownNow();
      JniUtils.setNumThreads(before);
    }
  }
}
