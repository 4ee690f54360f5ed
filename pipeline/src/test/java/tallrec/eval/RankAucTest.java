package tallrec.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RankAuc} against hand-made cases and the pairwise definition P(score⁺ > score⁻) + ½ P(tie). */
class RankAucTest {

  @Test
  void handMadeCasesCountTiesHalf() {
    assertEquals(1.0, RankAuc.auc(new double[] {0.1, 0.9, 0.8}, new int[] {0, 1, 1}));
    assertEquals(0.5, RankAuc.auc(new double[] {0.5, 0.5}, new int[] {0, 1}));
    assertEquals(0.75, RankAuc.auc(new double[] {0.1, 0.4, 0.35, 0.8}, new int[] {0, 0, 1, 1}));
    assertEquals(0.0, RankAuc.auc(new double[] {0.9, 0.1}, new int[] {0, 1}));
    assertEquals(Double.NaN, RankAuc.auc(new double[] {0.1}, new int[] {1}));
    assertEquals(Double.NaN, RankAuc.auc(new double[] {0.1, 0.2}, new int[] {0, 0}));
  }

  @Test
  void equalsThePairwiseDefinitionOnRandomTiedScores() {
    Random r = new Random(17);
    for (int trial = 0; trial < 50; trial++) {
      int n = 2 + r.nextInt(300);
      double[] s = new double[n];
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        s[i] = r.nextInt(1 + r.nextInt(20)) / 4.0; // few distinct values: many ties
        y[i] = r.nextInt(3) == 0 ? 1 : 0;
      }
      double wins = 0;
      long pairs = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (y[i] == 1 && y[j] == 0) {
            pairs++;
            wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
          }
        }
      }
      double want = pairs == 0 ? Double.NaN : wins / pairs;
      assertEquals(want, RankAuc.auc(s, y), 1e-12, "trial " + trial);
    }
  }
}
