package tallrec.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/**
 * The dataset bench's measurement and its check: temporal samples from real ingest + instructions
 * on a small synthetic input equal the windows counted from the raw file without Spark, and the
 * temporal cuts are the exact quantiles of the targets' times.
 */
class DatasetBenchTest {

  @TempDir Path tmp;

  @Test
  void samplesEqualTheWindowsCountedWithoutSparkAndCutsAreExactQuantiles() throws Exception {
    SparkSession spark = LocalSpark.get();
    Path raw = tmp.resolve("raw");
    new SyntheticMovieLens(SynthParams.of(20_000, 7)).writeTo(raw.toString(), false);
    TallRecConf conf = TallRecConf.defaults().with("instructions.kshot.k", List.of(16))
        .with("instructions.kshot.seeds", List.of(0));
    Instructions.Result[] out = new Instructions.Result[1];
    DatasetBench.Row row = DatasetBench.measure(spark, 20_000, new org.apache.hadoop.fs.Path(tmp.resolve("ds").toUri()),
        new DatasetBench.Stages() {
          @Override
          public Ingest.Result ingest(org.apache.hadoop.fs.Path dir) {
            return Stages.ingest(spark, conf, "movielens100k", raw.toString(), null, null, Path.of(dir.toUri()));
          }

          @Override
          public Instructions.Result instructions(org.apache.hadoop.fs.Path dir) {
            out[0] = Stages.instructions(spark, conf, Path.of(dir.toUri()), SelectionMode.TEMPORAL, "movie", null);
            return out[0];
          }
        });

    assertEquals(0, row.rejects());
    long expected = DatasetBench.independentWindowCount(raw.resolve("u.data"), 10);
    assertTrue(expected > 10_000, "windows " + expected);
    assertEquals(expected, row.samples());

    // The cuts, by sorting every target's time here: values of rank ceil(0.8 n) and ceil(0.9 n).
    long[] ts = spark.read().parquet(tmp.resolve("ds/samples").toString()).select("target_ts").collectAsList()
        .stream().mapToLong(r -> r.getLong(0)).sorted().toArray();
    assertEquals(ts[(int) Math.ceil(0.8 * ts.length) - 1], out[0].validStart().longValue());
    assertEquals(ts[(int) Math.ceil(0.9 * ts.length) - 1], out[0].testStart().longValue());
    assertTrue(row.outputBytes() > 0 && Files.isDirectory(tmp.resolve("ds/kshot")));
  }
}
