package tallrec.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;
import tallrec.testing.Stages;

/**
 * Window, prompt and split rules on a small hand-made timestamped dataset whose every sample is
 * known: history in time order (not file order), liked then disliked, empty groups, explicit
 * temporal cuts, K-shot limits, and reruns.
 */
class InstructionsRulesTest {

  static final String[] TITLES = {"Alpha, The", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"};

  @TempDir static Path tmp;
  static SparkSession spark;
  static Path dataset;
  static Instructions.Result result;
  static Map<String, Row> byId;

  static TallRecConf conf(String... more) {
    List<String> sets = new ArrayList<>(List.of("instructions.history-length=3", "instructions.temporal.min-history=3",
        "instructions.temporal.cuts=[45, 58]", "instructions.kshot.k=[1, 2]", "instructions.kshot.seeds=[0, 1]"));
    sets.addAll(List.of(more));
    return TallRecConf.load(null, sets, Map.of());
  }

  @BeforeAll
  static void build() throws Exception {
    spark = LocalSpark.get();
    Path raw = Files.createDirectories(tmp.resolve("raw"));
    StringBuilder ratings = new StringBuilder("user_id,item_id,rating,timestamp\n");
    int[] u1 = {5, 1, 4, 2, 5, 3};
    // u1 in reverse time order in the file: history order must come from the timestamps.
    for (int i = 5; i >= 0; i--) {
      ratings.append("u1,i").append(i).append(',').append(u1[i]).append(',').append(10 * (i + 1)).append('\n');
    }
    for (int i = 0; i < 6; i++) {
      ratings.append("u2,i").append(i).append(",5,").append(15 + 10 * i).append('\n');
      ratings.append("u3,i").append(i).append(",1,").append(12 + 10 * i).append('\n');
    }
    ratings.append("u4,i0,5,1\nu4,i1,1,2\n");
    Files.writeString(raw.resolve("ratings.csv"), ratings.toString());
    StringBuilder items = new StringBuilder("item_id,title\n");
    for (int i = 0; i < 6; i++) {
      items.append('i').append(i).append(",\"").append(TITLES[i]).append("\"\n");
    }
    Files.writeString(raw.resolve("items.csv"), items.toString());
    dataset = tmp.resolve("ds");
    Stages.ingest(spark, conf(), "csv", raw.toString(), null, null, dataset);
    result = Stages.instructions(spark, conf(), dataset, SelectionMode.TEMPORAL, "movie", tmp.resolve("json"));
    byId = new java.util.HashMap<>();
    for (Row r : samples().collectAsList()) {
      byId.put(r.getAs("sample_id"), r);
    }
  }

  static Dataset<Row> samples() {
    return Stages.promptedSamples(spark, dataset.resolve("samples"), "movie");
  }

  static String q(int i) {
    return "\"" + TITLES[i] + "\"";
  }

  @Test
  void explicitCutsSplitByTargetTime() {
    assertEquals(Map.of("train", 2L, "valid", 4L, "test", 3L), result.splitCounts());
    assertEquals(45L, result.validStart());
    assertEquals(58L, result.testStart());
    Map<String, String> split = new java.util.TreeMap<>();
    byId.forEach((id, r) -> split.put(id, r.getAs("split") + "@" + r.getAs("target_ts")));
    assertEquals(Map.of(
        "movie-u1-3", "train@40", "movie-u1-4", "valid@50", "movie-u1-5", "test@60",
        "movie-u2-3", "valid@45", "movie-u2-4", "valid@55", "movie-u2-5", "test@65",
        "movie-u3-3", "train@42", "movie-u3-4", "valid@52", "movie-u3-5", "test@62"), split);
  }

  @Test
  void historyIsThePreviousItemsInTimeOrderLikedThenDisliked() {
    Row d = byId.get("movie-u1-3");
    assertEquals(List.of("i0", "i1", "i2"), d.getList(d.fieldIndex("history_item_ids")));
    assertEquals(List.of(1, 0, 1), d.getList(d.fieldIndex("history_labels")));
    assertEquals("User Preference: " + q(0) + ", " + q(2) + "\nUser Unpreference: " + q(1)
        + "\nWhether the user will like the target movie " + q(3) + "?", d.getAs("input"));
    assertEquals("No.", d.getAs("output"));
    assertEquals("i3", d.getAs("target_item_id"));
    Row f = byId.get("movie-u1-5");
    assertEquals(List.of("i2", "i3", "i4"), f.getList(f.fieldIndex("history_item_ids")));
    assertEquals("User Preference: " + q(2) + ", " + q(4) + "\nUser Unpreference: " + q(3)
        + "\nWhether the user will like the target movie " + q(5) + "?", f.getAs("input"));
    assertEquals(0, (int) f.getAs("label"), "rating 3 is not above the movie threshold 3");
  }

  @Test
  void emptyGroupsLeaveNothingAfterTheColon() {
    assertEquals("User Preference: " + q(2) + ", " + q(3) + ", " + q(4) + "\nUser Unpreference: \n"
        + "Whether the user will like the target movie " + q(5) + "?", byId.get("movie-u2-5").getAs("input"));
    assertEquals("Yes.", byId.get("movie-u2-5").getAs("output"));
    assertEquals("User Preference: \nUser Unpreference: " + q(0) + ", " + q(1) + ", " + q(2) + "\n"
        + "Whether the user will like the target movie " + q(3) + "?", byId.get("movie-u3-3").getAs("input"));
  }

  @Test
  void everySampleHasAtLeastMinHistoryAndShortUsersHaveNone() {
    assertEquals(0, samples().filter("size(history_item_ids) < 3 OR size(history_item_ids) > 3").count());
    assertEquals(0, samples().filter("user_id = 'u4'").count());
    assertEquals(0, samples().filter("array_contains(history_item_ids, target_item_id)").count());
  }

  @Test
  void kshotSetsAreNestedAndAKAboveTheTrainSplitIsAnError() throws Exception {
    Dataset<Row> kshot = spark.read().parquet(dataset.resolve("kshot").toString());
    assertEquals(2 * (1 + 2), kshot.count());
    for (int seed : new int[] {0, 1}) {
      List<Row> k1 = kshot.filter("k = 1 AND seed = " + seed).select("sample_id").collectAsList();
      List<Row> k2 = kshot.filter("k = 2 AND seed = " + seed).select("sample_id").collectAsList();
      assertTrue(k2.containsAll(k1), "nested for seed " + seed);
    }
    assertEquals(0, kshot.filter("split != 'train'").count());

    Path out = tmp.resolve("too-many").resolve("ds");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stages.instructions(spark,
        conf("instructions.kshot.k=[1, 3]"), dataset, out, SelectionMode.TEMPORAL, "movie", null));
    assertEquals("K = 3 exceeds the 2 training samples; lower instructions.kshot.k", e.getMessage());
    assertFalse(Files.exists(out), "a failed stage writes nothing");
    try (Stream<Path> s = Files.list(out.getParent())) {
      assertEquals(List.of(), s.toList(), "no staging directory left");
    }
  }

  @Test
  void jsonExportHoldsTheSplitsInOrder() throws Exception {
    com.fasterxml.jackson.databind.JsonNode test = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readString(tmp.resolve("json/test.json")));
    assertEquals(3, test.size());
    // Temporal samples are ordered by their line in the source file: u1's f (line 2), then u2's and u3's.
    assertEquals(byId.get("movie-u1-5").getAs("input"), test.get(0).get("input").asText());
    assertEquals(byId.get("movie-u2-5").getAs("input"), test.get(1).get("input").asText());
    assertEquals(byId.get("movie-u1-5").getAs("instruction"), test.get(0).get("instruction").asText());
    assertEquals("No.", test.get(0).get("output").asText());
  }

  @Test
  void manifestRecordsInputsConfigCountsAndCuts() throws Exception {
    com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readString(dataset.resolve("samples/_MANIFEST.json")));
    assertEquals("instructions", m.get("stage").asText());
    assertEquals("temporal", m.get("properties").get("mode").asText());
    assertEquals("movie", m.get("properties").get("domain").asText());
    assertEquals("45", m.get("properties").get("temporal.valid-start").asText());
    assertEquals("58", m.get("properties").get("temporal.test-start").asText());
    assertEquals(2, m.get("row_counts").get("samples.train").asLong());
    assertEquals(4, m.get("row_counts").get("samples.valid").asLong());
    assertEquals(3, m.get("row_counts").get("samples.test").asLong());
    assertEquals(6, m.get("row_counts").get("kshot").asLong());
    assertEquals(3, m.get("config").get("instructions").get("history-length").asInt());
    List<String> inputs = new ArrayList<>();
    m.get("inputs").fields().forEachRemaining(e -> inputs.add(e.getKey().split(" ")[0] + "=" + e.getValue().asText().split(":")[0]));
    assertEquals(List.of("interactions=manifest", "items=manifest"), inputs);
    assertEquals(m.get("fingerprint").asText(), new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readString(dataset.resolve("kshot/_MANIFEST.json"))).get("fingerprint").asText());
  }

  @Test
  void aRerunReplacesThePreviousOutputs() throws Exception {
    Path out = tmp.resolve("rerun");
    Stages.instructions(spark, conf(), dataset, out, SelectionMode.TEMPORAL, "movie", null);
    assertEquals(9, spark.read().parquet(out.resolve("samples").toString()).count());
    Instructions.Result again = Stages.instructions(spark,
        conf("instructions.history-length=2", "instructions.temporal.min-history=2", "instructions.kshot.k=[1]"),
        dataset, out, SelectionMode.TEMPORAL, "movie", null);
    Dataset<Row> s = spark.read().parquet(out.resolve("samples").toString());
    assertEquals(12, s.count());
    assertEquals(12L, again.splitCounts().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(0, s.filter("size(history_item_ids) != 2").count());
    assertEquals(2, spark.read().parquet(out.resolve("kshot").toString()).count());
    assertTrue(Files.readString(out.resolve("samples/_MANIFEST.json")).contains("\"samples.train\" : " + again.splitCounts().get("train")));
    try (Stream<Path> l = Files.list(out)) {
      assertEquals(List.of("item_texts", "kshot", "samples"), l.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Stream<Path> l = Files.list(tmp)) {
      assertEquals(List.of(), l.map(p -> p.getFileName().toString()).filter(n -> n.contains("-staging-")).toList());
    }
  }
}
