package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code tallrec doctor} in-process: its report, and its exit code for what cannot run here. */
class DoctorCommandTest {

  /** Timing is not what these tests check; a short budget keeps each run to a few seconds. */
  private static final String SECONDS = "0.1";

  @Test
  void cpuF32ReportsEngineDevicesDtypesAndWhereTheModelRuns() {
    CliRun r = CliRun.of("doctor", "--device", "cpu", "--precision", "f32", "--seconds", SECONDS);
    assertEquals(0, r.rc(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).matches("engine +PyTorch \\d+\\.\\d+\\.\\d+ \\(DJL \\d+\\.\\d+\\.\\d+\\)"), lines.get(0));
    assertTrue(lines.get(1).matches("natives +(cpu|cu\\d+|cuda).*, loaded from /.+"), lines.get(1));
    assertTrue(lines.get(2).matches("devices +cpu and " + Engine.getInstance().getGpuCount() + " GPUs?"), lines.get(2));
    // Under surefire nothing is preloaded: MKL's own dispatch, named with the CPU's vendor.
    assertTrue(lines.get(3).matches("cpu blas +MKL default dispatch, \\S+.*"), lines.get(3));
    // The build compiles the fused attention with gcc (CI has it); without AVX-512 doctor says why not.
    assertTrue(lines.get(4).matches("cpu attention +(fused native kernel \\(AVX-512\\), with RMSNorm, SiLU·up and rotary"
        + " in native passes|torch's ops \\(native kernel not loaded: .+\\))"), lines.get(4));
    // Which compilers ran: bin/tallrec starts C1 only; surefire's JVM keeps HotSpot's default (tiered).
    assertTrue(lines.get(5).matches("jvm +.+ \\d+\\S*, JIT (C1 only \\(-XX:TieredStopAtLevel=1\\)|C1 then C2 \\(tiered\\))"),
        lines.get(5));
    assertTrue(lines.contains("device   dtype works / matmul rate, or why not"), r.out());
    Pattern rate = Pattern.compile("cpu +f32 +works, [0-9.]+ GFLOP/s \\(\\d+\\^3 x \\d+ in [0-9.]+ s\\)");
    assertTrue(lines.stream().anyMatch(l -> rate.matcher(l).matches()), r.out());
    for (String dtype : List.of("f16", "bf16")) {
      assertTrue(lines.stream().anyMatch(l -> l.matches("cpu +" + dtype + " +\\S.*")), dtype + " row\n" + r.out());
    }
    assertEquals("the model would run on cpu in f32", lines.get(lines.size() - 1));
  }

  @Test
  void autoOnTheCpuResolvesToF32() {
    assumeTrue(Engine.getInstance().getGpuCount() == 0, "on a GPU machine auto is a GPU and f16");
    CliRun r = CliRun.of("doctor", "--seconds", "0");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().contains("cpu      f32   works\n"), r.out());
    assertTrue(r.out().endsWith("the model would run on cpu in f32\n"), r.out());
  }

  @Test
  void aGpuThatIsNotThereIsAOneLineReason() {
    assumeTrue(Engine.getInstance().getGpuCount() == 0, "needs a machine without a GPU");
    CliRun r = CliRun.of("doctor", "--device", "gpu", "--seconds", "0");
    assertEquals(1, r.rc());
    assertTrue(r.errorLine().matches("tallrec doctor: no device gpu:0 here: the engine sees 0 GPUs \\(PyTorch .+ natives\\)"),
        r.errorLine());
    assertTrue(!r.out().contains("the model would run"), r.out());
  }

  @Test
  void aGpuIndexPastTheLastIsAOneLineReason() {
    CliRun r = CliRun.of("doctor", "--device", "gpu:99", "--precision", "f32", "--seconds", "0");
    assertEquals(1, r.rc());
    assertTrue(r.errorLine().startsWith("tallrec doctor: no device gpu:99 here: the engine sees "), r.errorLine());
  }

  @Test
  void bf16OnTheCpuFailsWithTheAbortAndThisJvmLives() {
    CliRun r = CliRun.of("doctor", "--device", "cpu", "--precision", "bf16", "--seconds", "0");
    assertEquals(1, r.rc(), r.out());
    String reason = "BF16 arrays abort the PyTorch engine (DJL " + Engine.getDjlVersion() + ") on cpu: ";
    assertTrue(r.errorLine().startsWith("tallrec doctor: " + reason), r.errorLine());
    assertTrue(r.out().contains("cpu      bf16  " + reason), r.out());
    // The probe's crash stayed in its child: this JVM answers the next command.
    assertEquals(0, CliRun.of("doctor", "--device", "cpu", "--precision", "f16", "--seconds", "0").rc());
  }

  @Test
  void badFlagsAreOneLineErrors() {
    CliRun device = CliRun.of("doctor", "--device", "tpu", "--seconds", "0");
    assertEquals(1, device.rc());
    assertEquals("tallrec doctor: unknown device 'tpu' (cpu, gpu, gpu:N, auto)", device.errorLine());
    CliRun precision = CliRun.of("doctor", "--precision", "f8", "--seconds", "0");
    assertEquals(1, precision.rc());
    assertEquals("tallrec doctor: --precision = 'f8' is not a precision (f32, f16, bf16, auto)", precision.errorLine());
  }
}
