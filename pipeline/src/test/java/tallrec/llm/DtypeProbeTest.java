package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** F32/F16 probed here, BF16 in a child JVM that the pinned CPU build of libtorch aborts. */
class DtypeProbeTest {

  @Test
  void f32AndF16WorkOnTheCpu() {
    assertEquals(Optional.empty(), DtypeProbe.unusable(Device.cpu(), Precision.F32));
    assertEquals(Optional.empty(), DtypeProbe.unusable(Device.cpu(), Precision.F16));
  }

  @Test
  void bf16OnTheCpuAbortsTheChildNotThisJvm() {
    Optional<String> why = DtypeProbe.unusable(Device.cpu(), Precision.BF16);
    assertTrue(why.isPresent(), "BF16 on the CPU build is expected to abort the engine");
    String reason = why.get();
    System.out.println(reason);
    assertTrue(reason.startsWith("BF16 arrays abort the PyTorch engine (DJL " + Engine.getDjlVersion() + ") on cpu: "),
        reason);
    assertTrue(reason.contains("(exit "), reason);
    assertEquals(1, reason.lines().count(), reason);
    // This JVM is still here, and its engine still computes.
    assertEquals(Optional.empty(), DtypeProbe.inProcess(Device.cpu(), Precision.F32));
    assertSame(why, DtypeProbe.unusable(Device.cpu(), Precision.BF16), "answers are cached per JVM");
  }

  @Test
  void aChildThatFailsCleanlyPassesItsReasonOn() {
    assumeTrue(Engine.getInstance().getGpuCount() == 0, "needs a machine without a GPU");
    Optional<String> why = ChildProbe.run(Device.gpu(0), Precision.F32);
    assertTrue(why.isPresent());
    System.out.println(why.get());
    assertTrue(why.get().startsWith("f32 on gpu:0: "), why.get());
  }

  @Test
  void childClasspathHoldsTheProbeTheEngineAndItsNatives() {
    List<String> cp = ChildProbe.classpath();
    Path probe = Paths.get(DtypeProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    assertTrue(cp.contains(probe.toString()), cp.toString());
    assertTrue(cp.stream().anyMatch(e -> e.contains("pytorch-engine")), cp.toString());
    assertTrue(cp.stream().anyMatch(e -> e.contains("pytorch-jni")), cp.toString());
    assertTrue(cp.stream().anyMatch(e -> e.contains("pytorch-native-")), cp.toString());
  }

  @Test
  void deviceNamesRoundTrip() {
    assertEquals("cpu", DtypeProbe.deviceName(Device.cpu()));
    assertEquals("gpu:1", DtypeProbe.deviceName(Device.gpu(1)));
    assertEquals(Device.gpu(1), DtypeProbe.parseDevice("gpu:1"));
    assertEquals(Device.cpu(), DtypeProbe.parseDevice("cpu"));
  }
}
