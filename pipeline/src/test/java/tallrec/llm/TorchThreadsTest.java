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
}
