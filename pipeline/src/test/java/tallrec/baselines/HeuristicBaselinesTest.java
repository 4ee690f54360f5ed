package tallrec.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.conf.TallRecConf;
import tallrec.testing.LocalSpark;

/** like-ratio, item-rate and the MLlib features on hand-made samples. */
class HeuristicBaselinesTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalSpark.get();
  }

  private static Map<String, Double> scores(Dataset<Row> scored) {
    return scored.select("sample_id", "score").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getDouble(1)));
  }

  @Test
  void likeRatioIsTheHistorysShareOfLikes() {
    Dataset<Row> eval = new SampleFixture()
        .add("a", "test", "u1", "x", 1, "i1:1", "i2:1", "i3:0", "i4:0", "i5:1")
        .add("b", "test", "u1", "x", 0, "i1:0")
        .add("c", "test", "u2", "x", 0)
        .build(spark);
    Map<String, Double> s = scores(new LikeRatio().score(eval.limit(0), eval, new Baseline.Run(0, 0, null)));
    assertEquals(Map.of("a", 0.6, "b", 0.0, "c", 0.5), s);
  }

  @Test
  void itemRateUsesOnlyTheKShotSetAndGivesUnseenItemsThePrior() {
    // The K-shot set reveals ratings of user u1 (targets and histories): A liked twice? No —
    // (u1, A) appears in two windows and counts once; (u2, A) disliked; B liked once.
    Dataset<Row> kshot = new SampleFixture()
        .add("k1", "train", "u1", "A", 1, "B:1")
        .add("k2", "train", "u1", "C", 0, "B:1", "A:1")
        .add("k3", "train", "u2", "A", 0)
        .build(spark);
    // D is liked many times in the training split, but outside the K-shot set.
    Dataset<Row> eval = new SampleFixture()
        .add("eA", "test", "u9", "A", 1, "D:1")
        .add("eD", "test", "u9", "D", 1, "D:1", "A:0")
        .build(spark);
    // Distinct ratings: (u1,A,1) (u1,B,1) (u1,C,0) (u2,A,0) -> prior 2/4; A: 1 like of 2.
    double prior = 0.5;
    double a = 1.0;
    Map<String, Double> s = scores(new ItemRate("item-rate", Baseline.Training.KSHOT, a)
        .score(kshot, eval, new Baseline.Run(3, 0, null)));
    assertEquals((1 + a * prior) / (2 + a), s.get("eA"), 1e-12);
    assertEquals(prior, s.get("eD"), 1e-12, "an item seen only outside the K-shot set gets the prior");

    // Smoothing a = 3 pulls towards the prior: (1 + 3 * 0.5) / (2 + 3).
    Map<String, Double> s3 = scores(new ItemRate("item-rate", Baseline.Training.KSHOT, 3.0)
        .score(kshot, eval, new Baseline.Run(3, 0, null)));
    assertEquals(0.5, s3.get("eA"), 1e-12);
  }

  @Test
  void featuresDescribeTheHistoryAndLeaveTheTrainingRowsOwnLabelOut() {
    Dataset<Row> train = new SampleFixture()
        .add("t1", "train", "u1", "A", 1, "B:1", "C:0", "D:0")
        .add("t2", "train", "u2", "A", 1, "B:0")
        .add("t3", "train", "u3", "A", 0)
        .build(spark);
    ItemStats stats = ItemStats.of(train);
    Row t1 = SampleFeatures.of(train, stats, 1.0, true).filter("sample_id = 't1'").first();
    assertEquals(1.0 / 3, t1.<Double>getAs("like_ratio"), 1e-12);
    assertEquals(3.0, t1.<Double>getAs("hist_len"));
    assertEquals(1.0, t1.<Double>getAs("liked"));
    assertEquals(2.0, t1.<Double>getAs("disliked"));
    assertEquals(2.0, t1.<Double>getAs("since_last_like"));
    assertEquals(0.0, t1.<Double>getAs("last_liked"));
    assertEquals(1.0 / 3, t1.<Double>getAs("recent_ratio"), 1e-12);
    // A's ratings: u1 1, u2 1, u3 0; t1's own (u1, A) = 1 is left out -> 1 like of 2.
    double prior = 3.0 / 7; // 7 distinct ratings, 3 likes
    assertEquals((1 + prior) / (2 + 1), t1.<Double>getAs("item_rate"), 1e-12);
    assertEquals(Math.log1p(2), t1.<Double>getAs("item_pop"), 1e-12);

    Row t3 = SampleFeatures.of(train, stats, 1.0, true).filter("sample_id = 't3'").first();
    assertEquals(0.0, t3.<Double>getAs("since_last_like"), "empty history: nothing since the last like");
    assertEquals(0.5, t3.<Double>getAs("recent_ratio"));
    Row asEval = SampleFeatures.of(train, stats, 1.0, false).filter("sample_id = 't1'").first();
    assertEquals((2 + prior) / (3 + 1), asEval.<Double>getAs("item_rate"), 1e-12);
  }

  @Test
  void unknownBaselinesAreAnErrorListingTheAvailableOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        BaselineRegistry.resolve(List.of("like-ratio", "bert4rec"), TallRecConf.defaults().section("baselines")));
    assertTrue(e.getMessage().contains("[bert4rec]") && e.getMessage().contains(
        "like-ratio, item-rate, item-rate-train, mllib-lr, mllib-gbt, gru4rec, caser, sasrec, dros"),
        e.getMessage());
    assertEquals(5, BaselineRegistry.resolve(TallRecConf.defaults().section("baselines").getStringList("only"),
        TallRecConf.defaults().section("baselines")).size());
  }
}
