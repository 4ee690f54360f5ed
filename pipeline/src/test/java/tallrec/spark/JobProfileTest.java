package tallrec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;

/** The profile adds each job to the phase its description names, with the bytes its stages moved. */
class JobProfileTest {

  @TempDir Path tmp;

  @Test
  void jobsAreCountedUnderTheirDescriptionWithShuffleAndOutput() {
    SparkSession spark = LocalSpark.get();
    try (JobProfile profile = JobProfile.attach(spark.sparkContext())) {
      spark.sparkContext().setJobDescription("phase A: count");
      assertEquals(1000, spark.range(1000).count());
      spark.sparkContext().setJobDescription("phase B: shuffle and write");
      spark.range(20_000).selectExpr("id % 97 AS g", "id").groupBy("g").count()
          .write().parquet(tmp.resolve("out").toString());
      spark.sparkContext().setJobDescription(null);

      Map<String, JobProfile.Phase> phases = profile.phases();
      assertEquals(List.of("phase A: count", "phase B: shuffle and write"), List.copyOf(phases.keySet()));
      JobProfile.Phase a = phases.get("phase A: count");
      JobProfile.Phase b = phases.get("phase B: shuffle and write");
      assertTrue(a.jobs() >= 1 && b.jobs() >= 1, a.jobs() + " / " + b.jobs());
      assertEquals(0, a.outputBytes());
      assertTrue(b.shuffleBytes() > 0, "the groupBy shuffles");
      assertTrue(b.outputBytes() > 0, "the write writes");

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      profile.print(Math.max(1, a.wallSeconds() + b.wallSeconds() + 1), new PrintStream(bytes, true,
          StandardCharsets.UTF_8));
      String table = bytes.toString(StandardCharsets.UTF_8);
      assertTrue(table.contains("phase B: shuffle and write") && table.contains("outside any job"), table);

      profile.reset();
      assertFalse(profile.phases().containsKey("phase A: count"));
    }
  }
}
