package tallrec.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * The same n×n×n F32 matmul in numpy (OpenBLAS in Debian's build), on as many threads as torch
 * uses, in a python3 child: the bench's yardstick for what this CPU's BLAS reaches. Empty where
 * python3 or numpy is missing (it is not a dependency of the project).
 */
final class NumpyMatmulRate {

  private NumpyMatmulRate() {}

  static OptionalDouble measure(int n, int threads) {
    String script = String.join("\n",
        "import time, numpy as np",
        "a = np.random.default_rng(1).random((" + n + ", " + n + "), dtype=np.float32)",
        "b = np.random.default_rng(2).random((" + n + ", " + n + "), dtype=np.float32)",
        "a @ b",
        "best = float('inf')",
        "for _ in range(3):",
        "    t0 = time.perf_counter()",
        "    a @ b",
        "    best = min(best, time.perf_counter() - t0)",
        "print(2.0 * " + n + " ** 3 / best / 1e9)");
    try {
      ProcessBuilder pb = new ProcessBuilder(List.of("python3", "-c", script)).redirectErrorStream(true);
      String t = String.valueOf(threads);
      pb.environment().put("OPENBLAS_NUM_THREADS", t);
      pb.environment().put("OMP_NUM_THREADS", t);
      pb.environment().put("MKL_NUM_THREADS", t);
      // numpy has its own BLAS; the JVM's preload (if any) is not for it.
      pb.environment().remove("LD_PRELOAD");
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return OptionalDouble.empty();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        return OptionalDouble.empty();
      }
      String[] lines = out.split("\n");
      return OptionalDouble.of(Double.parseDouble(lines[lines.length - 1].strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalDouble.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalDouble.empty();
    }
  }

  static String describe(int n, int threads) {
    OptionalDouble r = measure(n, threads);
    return r.isPresent()
        ? String.format(Locale.ROOT, "%.1f GFLOP/s", r.getAsDouble())
        : "not measured (needs python3 with numpy)";
  }
}
