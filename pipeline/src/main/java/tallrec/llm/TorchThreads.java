package tallrec.llm;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A cap on torch's intra-op threads, held by any number of concurrent users (several baseline fits
 * train on the driver at once). Torch's setting is half global, half per thread: the value
 * {@code set_num_threads} records is the process's, but the OpenMP thread count an op uses is the
 * calling thread's own (a thread that never set it forks as many threads as there are cores). So
 * every holder sets the cap on its own thread, and a user that set and restored it on its own
 * would undo the cap of users still running beside it: the first holder saves the process's value,
 * and each thread gets that value back when its last hold closes.
 */
public final class TorchThreads {

  private static final Object LOCK = new Object();
  private static int holders;
  private static int saved;
  private static int cap;
  /**
   * Holds open per thread. A thread that ends its last hold gets the process's saved value back
   * even while other threads still hold the cap: the count is the calling thread's, and pool
   * threads (Spark's task threads) are reused, so a thread left capped would run every later task's
   * ops capped (a tuning task after a side-by-side scoring one would train on one thread). Not the
   * thread's own count from before its hold: torch sets a thread's count lazily, on its first use,
   * from the process's value, which is the cap while any hold is open.
   */
  private static final ThreadLocal<int[]> OPEN_HERE = ThreadLocal.withInitial(() -> new int[1]);

  private TorchThreads() {}

  /** One hold on the cap; closing it twice releases once. */
  public static final class Hold implements AutoCloseable {
    private final int[] openHere;
    private final Thread thread = Thread.currentThread();
    private boolean open = true;

    private Hold(int[] openHere) {
      this.openHere = openHere;
    }

    @Override
    public void close() {
      synchronized (LOCK) {
        if (!open) {
          return;
        }
        open = false;
        holders--;
        // Only the thread that took the hold can set its count back (close it there, as
        // try-with-resources does); its other holds keep the cap on it until the last one closes.
        if (--openHere[0] == 0 && Thread.currentThread() == thread) {
          JniUtils.setNumThreads(saved);
        }
      }
    }
  }

  /**
   * Caps torch's intra-op threads at {@code threads} on this thread (and in the process's
   * setting) until the returned hold and every other concurrent one are closed. Holders asking for
   * different caps get the first one's; {@link #cap()} says which.
   */
  public static Hold limit(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("torch threads must be >= 1, got " + threads);
    }
    Engine.getInstance();  // loads the native library before its thread settings are touched
    synchronized (LOCK) {
      if (holders++ == 0) {
        saved = JniUtils.getNumThreads();
        cap = threads;
      }
      int[] openHere = OPEN_HERE.get();
      openHere[0]++;
      JniUtils.setNumThreads(cap);  // on this thread, whoever set it first
      return new Hold(openHere);
    }
  }

  /** The cap in force (0 when nobody holds one). */
  public static int cap() {
    synchronized (LOCK) {
      return holders == 0 ? 0 : cap;
    }
  }
}
