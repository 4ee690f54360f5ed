package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedDatasets;
import tallrec.testing.Stages;

/** Temporal mode on the real MovieLens-100K: split by target time at quantile cuts. */
class MovieLensTemporalModeTest {

  static SparkSession spark;
  static Path out;
  static Instructions.Result result;
  static Dataset<Row> samples;

  @BeforeAll
  static void build() {
    spark = LocalSpark.get();
    SharedDatasets.Ingested ml = SharedDatasets.movieLens100k();
    out = SharedDatasets.newDir("ml-temporal").resolve("ds");
    TallRecConf conf = TallRecConf.load(null, List.of("instructions.kshot.k=[8]", "instructions.kshot.seeds=[0]"), Map.of());
    result = Stages.instructions(spark, conf, ml.dir(), out, SelectionMode.TEMPORAL, "movie", null);
    samples = spark.read().parquet(out.resolve("samples").toString()).cache();
  }

  @Test
  void everyTargetWithTenPreviousRatingsIsASample() {
    // Every one of the 943 users has at least 20 ratings: all but each user's first 10 are targets.
    assertEquals(100_000 - 943 * 10, samples.count());
    assertEquals(0, samples.filter("size(history_item_ids) < 10").count(), "min-history 10");
    assertEquals(0, samples.filter("size(history_item_ids) > 10").count(), "history-length 10");
    assertEquals(samples.count(), samples.select("sample_id").distinct().count());
  }

  @Test
  void noValidOrTestTargetPrecedesATrainTarget() {
    Row train = samples.filter("split = 'train'").agg(max("target_ts")).first();
    Row later = samples.filter("split != 'train'").agg(min("target_ts")).first();
    assertTrue(train.getLong(0) < later.getLong(0), train + " vs " + later);
    Row valid = samples.filter("split = 'valid'").agg(min("target_ts"), max("target_ts")).first();
    Row test = samples.filter("split = 'test'").agg(min("target_ts")).first();
    assertTrue(valid.getLong(1) < test.getLong(0));
    assertEquals(result.validStart().longValue(), valid.getLong(0));
    assertTrue(test.getLong(0) >= result.testStart());
    // Quantile cuts 0.8 / 0.9 give about 80/10/10.
    long n = samples.count();
    double trainShare = result.splitCounts().get("train") / (double) n;
    assertTrue(trainShare > 0.78 && trainShare < 0.82, "train share " + trainShare);
    assertEquals(n, result.splitCounts().values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void historyIsTheTenPreviousRatingsInTimeOrder() {
    Row s = samples.filter(col("sample_id").equalTo("movie-1-20")).first();
    List<Row> own = spark.read().parquet(SharedDatasets.movieLens100k().dir().resolve("interactions").toString())
        .filter("user_id = '1'").orderBy("ts", "seq").limit(21).collectAsList();
    assertEquals(own.subList(10, 20).stream().map(r -> r.<String>getAs("item_id")).toList(),
        s.getList(s.fieldIndex("history_item_ids")));
    assertEquals(own.get(20).<String>getAs("item_id"), s.getAs("target_item_id"));
    assertEquals(own.get(20).<Long>getAs("ts"), s.getAs("target_ts"));
  }

  @Test
  void manifestRecordsTheCuts() throws Exception {
    JsonNode m = new ObjectMapper().readTree(Files.readString(out.resolve("samples/_MANIFEST.json")));
    assertEquals("temporal", m.get("properties").get("mode").asText());
    assertEquals(result.validStart().toString(), m.get("properties").get("temporal.valid-start").asText());
    assertEquals(result.testStart().toString(), m.get("properties").get("temporal.test-start").asText());
    assertEquals(8, m.get("row_counts").get("kshot").asLong());
  }
}
