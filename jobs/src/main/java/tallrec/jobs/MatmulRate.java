package tallrec.jobs;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;

/**
 * Square matmul throughput of one device and dtype within a time budget. The size grows until one
 * product takes a noticeable slice of the budget, so the same code gives a number for F16 on a CPU
 * (about 0.2 GFLOP/s in libtorch 2.7.1) and for a GPU's half-precision kernels.
 */
record MatmulRate(int n, long products, double seconds) {

  private static final int MAX_N_CPU = 2048;
  private static final int MAX_N_GPU = 8192;

  double gflops() {
    return seconds <= 0 ? 0 : 2.0 * n * n * n * products / seconds / 1e9;
  }

  String describe() {
    double g = gflops();
    String rate = g >= 100 ? String.format(Locale.ROOT, "%.0f", g)
        : g >= 1 ? String.format(Locale.ROOT, "%.1f", g) : String.format(Locale.ROOT, "%.3f", g);
    return String.format(Locale.ROOT, "%s GFLOP/s (%d^3 x %d in %.1f s)", rate, n, products, seconds);
  }

  static MatmulRate measure(Device device, DataType dtype, double budgetSeconds) {
    int maxN = device.isGpu() ? MAX_N_GPU : MAX_N_CPU;
    try (NDManager m = NDManager.newBaseManager(device)) {
      // Below 256 a product is mostly thread hand-off, which on busy cores can cost milliseconds and
      // would stop the growth at a size that says nothing about the kernels.
      int n = 256;
      // Also the warm-up (thread pools, kernel choice, allocator caches): each size is timed twice
      // and the first, cold, time is dropped.
      while (n < maxN && Math.min(timeOne(m, n, dtype), timeOne(m, n, dtype)) * 20 < budgetSeconds) {
        n *= 2;
      }
      NDArray a = operand(m, n, dtype);
      NDArray b = operand(m, n, dtype);
      long products = 0;
      long reps = 1;
      long start = System.nanoTime();
      double elapsed = 0;
      while (elapsed < budgetSeconds) {
        long t0 = System.nanoTime();
        runSynced(a, b, reps);
        double dt = (System.nanoTime() - t0) / 1e9;
        products += reps;
        elapsed = (System.nanoTime() - start) / 1e9;
        if (dt < budgetSeconds / 10) {
          reps *= 2;
        }
      }
      return new MatmulRate(n, products, elapsed);
    }
  }

  private static double timeOne(NDManager m, int n, DataType dtype) {
    try (NDManager sub = m.newSubManager()) {
      NDArray a = operand(sub, n, dtype);
      NDArray b = operand(sub, n, dtype);
      long t0 = System.nanoTime();
      runSynced(a, b, 1);
      return (System.nanoTime() - t0) / 1e9;
    }
  }

  private static NDArray operand(NDManager m, int n, DataType dtype) {
    return m.randomUniform(-1f, 1f, new Shape(n, n), DataType.FLOAT32).toType(dtype, false);
  }

  /**
   * GPU kernels run asynchronously: reading one element of the last product waits for all of them
   * (one stream), so the clock covers the work and not only its launch.
   */
  private static void runSynced(NDArray a, NDArray b, long reps) {
    NDArray last = null;
    for (long i = 0; i < reps; i++) {
      if (last != null) {
        last.close();
      }
      last = a.matMul(b);
    }
    try (NDArray one = last.get(0, 0).toType(DataType.FLOAT32, false)) {
      one.getFloat();
    }
    last.close();
  }
}
