package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.resource.ResourceProfile;
import org.junit.jupiter.api.Test;

/** The tuning stage's stage-level resource profile: one GPU per task and per executor. */
class TuningProfileTest {

  @Test
  void gpuProfileAsksOneGpuPerTaskAndExecutor() {
    ResourceProfile p = Tuning.gpuProfile();
    assertEquals(1.0, p.taskResourcesJMap().get("gpu").amount());
    assertEquals(1L, p.executorResourcesJMap().get("gpu").amount());
    assertEquals(1.0, p.taskResourcesJMap().get("cpus").amount());
    // Outside a Spark task the requested device stands.
    assertEquals("cpu", Tuning.taskDevice("cpu"));
    assertEquals("auto", Tuning.taskDevice("auto"));
  }
}
