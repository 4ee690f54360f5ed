package tallrec.baselines;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The driver threads the baselines stage fits on. Spark runs jobs from several driver threads
 * concurrently, and most fits are a few small jobs or a single-threaded torch loop on the driver,
 * so one at a time leaves the machine idle. Closing it interrupts fits still running and waits
 * for them to end, so that a failed stage's fits do not go on writing models into a staging
 * directory that is being removed.
 */
final class FitPool implements AutoCloseable {

  /** How long closing waits for interrupted fits (a Spark job or a torch step) to end. */
  private static final long STOP_WAIT_SECONDS = 120;

  private final ExecutorService threads;

  FitPool(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("baselines.parallel-fits must be >= 1, got " + size);
    }
    AtomicInteger n = new AtomicInteger();
    threads = Executors.newFixedThreadPool(size, r -> {
      Thread t = new Thread(r, "baselines-fit-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  <T> Future<T> submit(Callable<T> fit) {
    return threads.submit(fit);
  }

  /** A fit's result, or its own exception (not wrapped) when it failed. */
  static <T> T await(Future<T> fit) {
    try {
      return fit.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a baseline fit", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
    try {
      if (!threads.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
        System.err.println("baselines: fits still running " + STOP_WAIT_SECONDS + " s after the stage stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
