package tallrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tallrec.testing.LocalSpark;

/** MLlib's AUC (numBins = 0) is the exact rank AUC, ties counted half, per group. */
class AucEvaluatorTest {

  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = LocalSpark.get();
  }

  private static double mllib(int[] labels, double[] scores) {
    List<Metric> m = new AucEvaluator(1).evaluate(new ScoresFixture().add("m", 0, 0, labels, scores).build(spark));
    assertEquals(1, m.size());
    assertEquals(labels.length, m.get(0).n());
    return m.get(0).auc();
  }

  @Test
  void knownValues() {
    int[] labels = {0, 0, 1, 1};
    assertEquals(1.0, mllib(labels, new double[] {0.1, 0.2, 0.8, 0.9}), 1e-12, "perfect");
    assertEquals(0.0, mllib(labels, new double[] {0.9, 0.8, 0.2, 0.1}), 1e-12, "reversed");
    assertEquals(0.5, mllib(labels, new double[] {0.3, 0.3, 0.3, 0.3}), 1e-12, "all tied");
    // One tied positive-negative pair out of four: 3 wins + 1 half = 0.875.
    assertEquals(0.875, mllib(labels, new double[] {0.1, 0.5, 0.5, 0.9}), 1e-12);
  }

  @Test
  void handMadeTiesMatchTheRankAuc() {
    int[] labels = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    double[] scores = {0.7, 0.7, 0.2, 0.9, 0.2, 0.1, 0.7, 0.4, 0.4, 0.9, 0.0};
    assertEquals(RankAuc.auc(scores, labels), mllib(labels, scores), 1e-12);
  }

  @Test
  void everyGroupOfARandomTableMatchesTheRankAuc() {
    Random rnd = new Random(7);
    ScoresFixture f = new ScoresFixture();
    int[][] labels = new int[6][];
    double[][] scores = new double[6][];
    for (int g = 0; g < 6; g++) {
      int n = 50 + rnd.nextInt(300);
      labels[g] = new int[n];
      scores[g] = new double[n];
      for (int i = 0; i < n; i++) {
        labels[g][i] = rnd.nextDouble() < 0.4 ? 1 : 0;
        // Coarse scores (20 levels) with signal, so ties are frequent and the AUC is not 0.5.
        scores[g][i] = Math.round((rnd.nextGaussian() + labels[g][i]) * 4) / 4.0;
      }
      f.add(g < 3 ? "a" : "b", 16 * (g % 3 + 1), g, labels[g], scores[g]);
    }
    List<Metric> metrics = new AucEvaluator(3).evaluate(f.build(spark));
    assertEquals(6, metrics.size());
    for (Metric m : metrics) {
      int g = m.seed();
      assertEquals(RankAuc.auc(scores[g], labels[g]), m.auc(), 1e-12, m.group());
      assertEquals(labels[g].length, m.n());
      assertEquals(java.util.Arrays.stream(labels[g]).sum(), m.nPos());
      assertTrue(m.auc() > 0.6, "planted signal");
    }
  }

  @Test
  void aSingleClassGroupIsAnErrorNamingTheGroup() {
    ScoresFixture f = new ScoresFixture()
        .add("good", 16, 0, new int[] {0, 1}, new double[] {0.1, 0.9})
        .add("lr", 64, 3, new int[] {1, 1, 1}, new double[] {0.1, 0.2, 0.3});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AucEvaluator(2).evaluate(f.build(spark)));
    assertTrue(e.getMessage().contains("model=lr, train_domain=movie, test_domain=movie, k=64, seed=3"), e.getMessage());
    assertTrue(e.getMessage().contains("all 3 labels are 1"), e.getMessage());
  }

  @Test
  void aNaNScoreIsAnError() {
    ScoresFixture f = new ScoresFixture().add("m", 0, 0, new int[] {0, 1}, new double[] {0.1, Double.NaN});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new AucEvaluator(1).evaluate(f.build(spark)));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
  }
}
