package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedDatasets;
import tallrec.testing.Stages;

/** The paper's MovieLens-100K dataset, regenerated from the raw GroupLens files. */
class MovieLensTallRecModeTest {

  static final String FIRST_TEST_INPUT =
      "User Preference: \"Paris, Texas (1984)\", \"Rebel Without a Cause (1955)\", \"Return of the Pink Panther, The (1974)\", "
          + "\"Ace Ventura: Pet Detective (1994)\", \"Magnificent Seven, The (1954)\", \"Star Trek: The Wrath of Khan (1982)\", "
          + "\"Cat People (1982)\", \"Orlando (1993)\", \"Dave (1993)\"\nUser Unpreference: \"Kalifornia (1993)\"\n"
          + "Whether the user will like the target movie \"Perez Family, The (1995)\"?";

  @TempDir static Path tmp;
  static SparkSession spark;
  static Path dataset;
  static Ingest.Result ingested;
  static Instructions.Result result;
  static Dataset<Row> samples;

  @BeforeAll
  static void build() {
    spark = LocalSpark.get();
    TallRecConf conf = TallRecConf.defaults();
    // The ingested dataset is shared with other test classes; this one writes its samples apart.
    SharedDatasets.Ingested ml = SharedDatasets.movieLens100k();
    dataset = ml.dir();
    ingested = ml.result();
    result = Stages.instructions(spark, conf, dataset, tmp.resolve("ml"), SelectionMode.TALLREC, "movie", tmp.resolve("json"));
    samples = Stages.promptedSamples(spark, tmp.resolve("ml/samples"), "movie").cache();
  }

  @Test
  void ingestReadsAllHundredThousandRatingsWithoutRejects() {
    assertEquals(100_000, ingested.interactions());
    assertEquals(1_682, ingested.items());
    assertEquals(0, ingested.rejects());
    assertEquals(943, spark.read().parquet(dataset.resolve("interactions").toString()).select("user_id").distinct().count());
  }

  @Test
  void splitsAreEightThousandOneThousandOneThousand() {
    assertEquals(Map.of("train", 8000L, "valid", 1000L, "test", 1000L), result.splitCounts());
  }

  @Test
  void firstTestSampleIsTheReferencesFirstTestSample() {
    Row first = samples.filter(col("split").equalTo("test")).orderBy("sample_index").first();
    assertEquals(FIRST_TEST_INPUT, first.getAs("input"));
    assertEquals("No.", first.getAs("output"));
    assertEquals(0, (int) first.getAs("label"));
    assertEquals(
        "Given the user's preference and unpreference, identify whether the user will like the target movie by answering \"Yes.\" or \"No.\".",
        first.getAs("instruction"));
    List<String> history = first.getList(first.fieldIndex("history_item_ids"));
    assertEquals(10, history.size());
  }

  @Test
  void everySampleHasTenHistoryItemsAndLabelsMatchOutputs() {
    assertEquals(0, samples.filter("size(history_item_ids) != 10 OR size(history_labels) != 10").count());
    assertEquals(0, samples.filter("(label = 1 AND output != 'Yes.') OR (label = 0 AND output != 'No.')").count());
    assertEquals(10_000, samples.select("sample_id").distinct().count());
    // Sample indices are 0..N-1 within each split... of the global 10,000 order.
    Row range = samples.agg(org.apache.spark.sql.functions.min("sample_index"), org.apache.spark.sql.functions.max("sample_index")).first();
    assertEquals(0L, range.getLong(0));
    assertEquals(9_999L, range.getLong(1));
  }

  @Test
  void kshotSetsAreNestedAndDeterministic() {
    Dataset<Row> kshot = spark.read().parquet(tmp.resolve("ml/kshot").toString());
    assertEquals(5 * (16 + 64 + 256), kshot.count());
    for (int seed = 0; seed < 5; seed++) {
      List<Row> k16 = kshot.filter("k = 16 AND seed = " + seed).select("sample_id").collectAsList();
      long inside = kshot.filter("k = 64 AND seed = " + seed).select("sample_id").collectAsList().stream()
          .filter(k16::contains).count();
      assertEquals(16, inside, "the 16-shot set is inside the 64-shot set for seed " + seed);
      assertEquals(0, kshot.filter("k = " + 16 + " AND seed = " + seed + " AND split != 'train'").count());
    }
    assertTrue(kshot.filter("k = 16 AND seed = 0").select("sample_id").except(kshot.filter("k = 16 AND seed = 1").select("sample_id")).count() > 0,
        "different seeds draw different sets");
    // Determinism: drawing again gives the same ids.
    Dataset<Row> again = KShotSampler.sample(spark, samples, List.of(16), List.of(3));
    assertArrayEquals(
        kshot.filter("k = 16 AND seed = 3").select("sample_id").orderBy("sample_id").collectAsList().toArray(),
        again.select("sample_id").orderBy("sample_id").collectAsList().toArray());
  }

  @Test
  void jsonExportMatchesTheReferenceFormat() throws Exception {
    JsonNode test = new ObjectMapper().readTree(Files.readString(tmp.resolve("json/test.json")));
    assertEquals(1000, test.size());
    assertEquals(FIRST_TEST_INPUT, test.get(0).get("input").asText());
    assertEquals("No.", test.get(0).get("output").asText());
    assertEquals(List.of("instruction", "input", "output"),
        iter(test.get(0).fieldNames()));
    assertEquals(8000, new ObjectMapper().readTree(Files.readString(tmp.resolve("json/train.json"))).size());
    assertTrue(Files.readString(tmp.resolve("json/valid.json")).startsWith("[\n    {\n        \"instruction\""));
  }

  @Test
  void manifestsRecordInputsConfigAndCounts() throws Exception {
    JsonNode m = new ObjectMapper().readTree(Files.readString(tmp.resolve("ml/samples/_MANIFEST.json")));
    assertEquals("instructions", m.get("stage").asText());
    assertEquals(1000, m.get("row_counts").get("samples.test").asLong());
    assertTrue(m.get("inputs").fieldNames().hasNext());
    assertEquals("movie", m.get("properties").get("domain").asText());
    JsonNode ingest = new ObjectMapper().readTree(Files.readString(dataset.resolve("interactions/_MANIFEST.json")));
    assertTrue(ingest.get("inputs").toString().contains("sha256:"));
  }

  private static List<String> iter(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
