package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.dataset.SelectionMode;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/** {@code tallrec baselines} then {@code tallrec evaluate}, end to end on a small synthetic dataset. */
class BaselinesEvaluateCommandTest {



  @Test
  void baselinesThenEvaluate(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    TallRecConf conf = TallRecConf.defaults().with("synth.ratings", 6000)
        .with("instructions.kshot.k", java.util.List.of(16, 64)).with("instructions.kshot.seeds", java.util.List.of(0, 1));
    new SyntheticMovieLens(SynthParams.fromConfig(conf.section("synth"))).writeTo(tmp.resolve("raw").toString(), true);
    Stages.ingest(spark, conf, "movielens100k", tmp.resolve("raw").toString(), null, null, tmp.resolve("ds"));
    Stages.instructions(spark, conf, tmp.resolve("ds"), SelectionMode.TEMPORAL, "movie", null);

    CliRun unknown = CliRun.of("baselines", "--samples", tmp.resolve("ds/samples").toString(), "--out", tmp.resolve("b").toString(),
        "--only", "like-ratio,bert4rec");
    assertEquals(1, unknown.rc());
    assertTrue(unknown.err().contains("Unknown baseline(s) [bert4rec]; available: like-ratio, item-rate"), unknown.err());

    CliRun b = CliRun.of("baselines", "--samples", tmp.resolve("ds/samples").toString(), "--out", tmp.resolve("b").toString(),
        "--only", "like-ratio,item-rate,mllib-lr", "--k", "16", "--seeds", "0,1",
        "--set", "baselines.mllib-lr.max-iter=5");
    assertEquals(0, b.rc(), b.err());
    assertTrue(Files.exists(tmp.resolve("b/scores/_MANIFEST.json")));
    assertTrue(Files.isDirectory(tmp.resolve("b/models/mllib-lr/k=16/seed=1")));

    CliRun e = CliRun.of("evaluate", "--scores", tmp.resolve("b/scores").toString());
    assertEquals(0, e.rc(), e.err());
    assertTrue(Files.exists(tmp.resolve("b/metrics.json")));
    assertEquals(5, spark.read().parquet(tmp.resolve("b/metrics").toString()).count()); // 1 + 2 x 1 x 2
    assertTrue(e.out().contains("AUC mean ± std") && e.out().contains("mllib-lr"), e.out());
  }
}
