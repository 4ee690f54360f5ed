package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

/** The paper's BookCrossing selection on the real subset: one shuffled sample per active user. */
class BookCrossingTallRecModeTest {

  /** Users of the subset with more than 3 ratings of books in the books file. */
  static final long ACTIVE_USERS = 5_386;

  static SparkSession spark;
  static SharedDatasets.Ingested bx;
  static Path out;
  static Instructions.Result result;
  static Dataset<Row> samples;
  static final TallRecConf CONF = TallRecConf.defaults();

  @BeforeAll
  static void build() {
    spark = LocalSpark.get();
    bx = SharedDatasets.bookCrossing();
    out = SharedDatasets.newDir("bx-tallrec");
    result = Stages.instructions(spark, CONF, bx.dir(), out.resolve("ds"), SelectionMode.TALLREC, "book", out.resolve("json"));
    samples = Stages.promptedSamples(spark, out.resolve("ds/samples"), "book").cache();
  }

  @Test
  void oneSamplePerUserWithMoreThanThreeRatingsSplitEightyTenTen() {
    assertEquals(ACTIVE_USERS, samples.count());
    assertEquals(ACTIVE_USERS, samples.select("user_id").distinct().count());
    Dataset<Row> active = spark.read().parquet(bx.dir().resolve("interactions").toString())
        .groupBy("user_id").count().filter("count > 3");
    assertEquals(ACTIVE_USERS, active.count());
    assertEquals(0, samples.join(active, "user_id").filter("size(history_item_ids) != least(count - 1, 10)").count(),
        "history: up to 10 of the user's other items");
    // 5,386 users: floor(0.8 n) train, floor(0.9 n) - floor(0.8 n) valid, the rest test.
    assertEquals(Map.of("train", 4_308L, "valid", 539L, "test", 539L), result.splitCounts());
    assertEquals(0, samples.filter("array_contains(history_item_ids, target_item_id)").count());
    assertEquals(0, samples.filter("target_ts IS NOT NULL").count());
    assertEquals(0, samples.filter("(label = 1 AND output != 'Yes.') OR (label = 0 AND output != 'No.')").count());
  }

  @Test
  void booksAreRenderedWithTheirAuthors() {
    Row r = samples.filter(col("target_item_id").equalTo("0743486226")).first();
    assertTrue(r.<String>getAs("input").endsWith("Whether the user will like the target book \"Angels & Demons\" written by Dan Brown?"),
        r.<String>getAs("input"));
    assertEquals("Given the user's preference and unpreference, identify whether the user will like the target book "
        + "by answering \"Yes.\" or \"No.\".", r.getAs("instruction"));
    assertTrue(r.<String>getAs("input").matches("(?s)User Preference: .*\nUser Unpreference: .*\nWhether .*"));
  }

  @Test
  void selectionIsDeterministicForTheSeed() {
    InstructionSettings s = InstructionSettings.from(CONF);
    Dataset<Row> enriched = HistoryWindows.enrich(spark.read().parquet(bx.dir().resolve("interactions").toString()),
        spark.read().parquet(bx.dir().resolve("items").toString()), DomainSpec.of("book", CONF.section("domains")));
    Dataset<Row> again = TallRecSelection.shuffled(enriched, s)
        .selectExpr("user_id", "target_item_id", "transform(history, h -> h.item_id) AS history_item_ids", "split", "sample_index");
    Dataset<Row> written = samples.select("user_id", "target_item_id", "history_item_ids", "split", "sample_index");
    assertEquals(0, again.except(written).count());
    assertEquals(0, written.except(again).count());
    // Another seed draws other targets.
    InstructionSettings other = InstructionSettings.from(CONF.with("instructions.tallrec.seed", 7));
    long differentTargets = TallRecSelection.shuffled(enriched, other).select("user_id", "target_item_id")
        .except(written.select("user_id", "target_item_id")).count();
    assertTrue(differentTargets > ACTIVE_USERS / 2, differentTargets + " targets changed with the seed");
  }

  @Test
  void kshotSetsAreNestedDeterministicAndFromTrain() {
    Dataset<Row> kshot = spark.read().parquet(out.resolve("ds/kshot").toString());
    assertEquals(5 * (16 + 64 + 256), kshot.count());
    assertEquals(0, kshot.filter("split != 'train'").count());
    for (int seed = 0; seed < 5; seed++) {
      long k64 = kshot.filter("k = 64 AND seed = " + seed).count();
      long both = kshot.filter("k = 16 AND seed = " + seed).select("sample_id")
          .intersect(kshot.filter("k = 256 AND seed = " + seed).select("sample_id")).count();
      assertEquals(64, k64);
      assertEquals(16, both, "16-shot inside 256-shot, seed " + seed);
    }
    Dataset<Row> again = KShotSampler.sample(spark, samples, List.of(16, 64), List.of(2));
    assertEquals(0, again.filter("k = 64").select("sample_id")
        .except(kshot.filter("k = 64 AND seed = 2").select("sample_id")).count());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KShotSampler.sample(spark, samples, List.of(16, 5000), List.of(0)));
    assertEquals("K = 5000 exceeds the 4308 training samples; lower instructions.kshot.k", e.getMessage());
  }

  @Test
  void jsonExportFollowsSampleOrder() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode train = json.readTree(Files.readString(out.resolve("json/train.json")));
    JsonNode test = json.readTree(Files.readString(out.resolve("json/test.json")));
    assertEquals(4_308, train.size());
    assertEquals(539, test.size());
    List<Row> firstTest = samples.filter("split = 'test'").orderBy("sample_index").limit(2).collectAsList();
    for (int i = 0; i < 2; i++) {
      assertEquals(firstTest.get(i).getAs("input"), test.get(i).get("input").asText());
      assertEquals(firstTest.get(i).getAs("output"), test.get(i).get("output").asText());
    }
  }

  @Test
  void manifestRecordsModeDomainSeedAndCounts() throws Exception {
    JsonNode m = new ObjectMapper().readTree(Files.readString(out.resolve("ds/samples/_MANIFEST.json")));
    assertEquals("tallrec", m.get("properties").get("mode").asText());
    assertEquals("book", m.get("properties").get("domain").asText());
    assertEquals(42, m.get("config").get("instructions").get("tallrec").get("seed").asInt());
    assertEquals(4_308, m.get("row_counts").get("samples.train").asLong());
    assertEquals(5 * (16 + 64 + 256), m.get("row_counts").get("kshot").asLong());
    JsonNode ingest = new ObjectMapper().readTree(Files.readString(bx.dir().resolve("interactions/_MANIFEST.json")));
    assertEquals("ingest", ingest.get("stage").asText());
    assertEquals("bookcrossing", ingest.get("properties").get("source").asText());
    assertEquals(76_490, ingest.get("row_counts").get("interactions").asLong());
    assertEquals(15_780, ingest.get("row_counts").get("items").asLong());
  }

  @Test
  void temporalModeNeedsTimestamps() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stages.instructions(spark, CONF,
        bx.dir(), out.resolve("temporal"), SelectionMode.TEMPORAL, "book", null));
    assertEquals("--mode temporal needs a timestamp on every interaction, but this dataset has interactions without one"
        + " (BookCrossing has none): use --mode tallrec", e.getMessage());
    assertTrue(!Files.exists(out.resolve("temporal")));
  }
}
