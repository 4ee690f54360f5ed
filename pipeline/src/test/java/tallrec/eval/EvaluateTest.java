package tallrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.data.Schemas;
import tallrec.testing.LocalSpark;

/** The stage: reads scores, evaluates one split, writes metrics Parquet + JSON with a manifest. */
class EvaluateTest {

  @Test
  void writesMetricsAndSummary(@TempDir Path tmp) throws Exception {
    SparkSession spark = LocalSpark.get();
    int[] labels = {0, 0, 1, 1};
    new ScoresFixture()
        .add("m", "movie", "test", 16, 0, labels, new double[] {0.1, 0.2, 0.8, 0.9})
        .add("m", "movie", "test", 16, 1, labels, new double[] {0.1, 0.5, 0.5, 0.9})
        .add("m", "movie", "valid", 16, 0, new int[] {1, 1}, new double[] {0.1, 0.2}) // not evaluated
        .build(spark).write().parquet(tmp.resolve("scores").toString());
    org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("eval").toUri());
    Evaluate.Result r = Evaluate.run(spark, new org.apache.hadoop.fs.Path(tmp.resolve("scores").toUri()), out,
        Evaluate.Settings.from(TallRecConf.defaults().with("evaluate.parallelism", 2)), "{}");
    assertEquals(2, r.metrics().size());
    assertEquals(0.9375, r.summary().get(0).mean(), 1e-12);

    Row[] rows = (Row[]) spark.read().parquet(tmp.resolve("eval/metrics").toString()).orderBy("seed").collect();
    assertEquals(Schemas.METRICS.fieldNames().length, rows[0].length());
    assertEquals(0.875, rows[1].getDouble(rows[1].fieldIndex("auc")), 1e-12);
    JsonNode json = new ObjectMapper().readTree(Files.readString(tmp.resolve("eval/metrics.json")));
    assertEquals(Math.sqrt(0.0078125), json.get("summary").get(0).get("auc_std").asDouble(), 1e-12);
    assertTrue(Files.exists(tmp.resolve("eval/metrics/_MANIFEST.json")));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluate.run(spark,
        new org.apache.hadoop.fs.Path(tmp.resolve("scores").toUri()), out,
        Evaluate.Settings.from(TallRecConf.defaults().with("evaluate.split", "train")), "{}"));
    assertTrue(e.getMessage().contains("splits present"), e.getMessage());
  }

  @Test
  void anUnknownSplitIsRefusedNamingTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Evaluate.Settings.from(TallRecConf.load(null, List.of("evaluate.split=tst"), Map.of())));
    assertEquals("tallrec.evaluate.split = \"tst\": expected one of train, valid, test, all", e.getMessage());
  }
}
