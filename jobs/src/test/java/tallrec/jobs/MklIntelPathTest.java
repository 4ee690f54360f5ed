package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.MklDispatch;

/**
 * Gate of the MKL vendor-dispatch shim ({@code src/main/native}, preloaded by bin/tallrec): the same
 * matmul and LLaMA forward in two fresh JVMs, one with the shim preloaded and one without, agree
 * within F32 rounding of a different summation order, and the shim is really mapped in the one
 * and absent from the other (otherwise the comparison would prove nothing).
 */
class MklIntelPathTest {

  /**
   * Relative to each result's largest magnitude. Different GEMM kernels sum in a different order:
   * measured 5.9e-7 on the matmul and 9.6e-7 on the logits here (AMD EPYC, AVX-512).
   */
  static final double TOLERANCE = 1e-5;

  @Test
  void shimChangesKernelsNotResults(@TempDir Path dir) throws Exception {
    Path shim = Path.of("target", "native", MklDispatch.SHIM_NAME).toAbsolutePath();
    if (!Files.isRegularFile(shim)) {
      String why = "the build made no " + shim + " (no gcc at build time)";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why + "; CI must build and test it");
      }
      Assumptions.abort(why);
    }
    List<float[]> plain = probe(dir.resolve("plain.bin"), null, "shim=none");
    List<float[]> forced = probe(dir.resolve("forced.bin"), shim, "shim=" + shim);
    assertEquals(plain.size(), forced.size());
    String[] what = {"384x768x1024 matmul", "LLaMA logits"};
    for (int i = 0; i < plain.size(); i++) {
      float[] p = plain.get(i);
      float[] f = forced.get(i);
      assertEquals(p.length, f.length, what[i]);
      double scale = 0;
      double diff = 0;
      for (int j = 0; j < p.length; j++) {
        scale = Math.max(scale, Math.abs(p[j]));
        diff = Math.max(diff, Math.abs(p[j] - f[j]));
      }
      System.out.printf("%s: max |plain - shim| / max |plain| = %.2e%n", what[i], diff / scale);
      assertTrue(diff / scale <= TOLERANCE, what[i] + " differs by " + diff / scale + " of its scale");
    }
  }

  private static List<float[]> probe(Path out, Path shim, String expectedShimLine) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-Dai.djl.offline=true");
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MklIntelPathProbe.class.getName(),
        out.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("LD_PRELOAD");
    if (shim != null) {
      pb.environment().put("LD_PRELOAD", shim.toString());
    }
    Path log = out.resolveSibling(out.getFileName() + ".log");
    Process p = pb.redirectOutput(log.toFile()).start();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "probe JVM timed out");
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains(expectedShimLine), "expected '" + expectedShimLine + "' in:\n" + text);
    List<float[]> results = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new FileInputStream(out.toFile()))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        float[] r = new float[in.readInt()];
        for (int j = 0; j < r.length; j++) {
          r[j] = in.readFloat();
        }
        results.add(r);
      }
    }
    return results;
  }
}
