package tallrec.eval;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The tests' independent AUC: the Mann–Whitney statistic from average ranks (ties share their
 * mean rank), AUC = (sum of positives' ranks − n_pos(n_pos + 1)/2) / (n_pos · n_neg).
 */
final class RankAuc {

  private RankAuc() {}

  static double of(int[] labels, double[] scores) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
    double[] rank = new double[n];
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1; // ranks are 1-based
      for (int t = i; t <= j; t++) {
        rank[order[t]] = avg;
      }
      i = j + 1;
    }
    double sumPos = 0;
    long pos = 0;
    for (int i = 0; i < n; i++) {
      if (labels[i] == 1) {
        sumPos += rank[i];
        pos++;
      }
    }
    long neg = n - pos;
    return (sumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
