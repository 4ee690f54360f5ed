package tallrec.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The ROC curve of (score, label) pairs: one point per distinct score (ties move both rates at once). */
public final class Roc {

  private Roc() {}

  /** {fpr[], tpr[]} from (0, 0) to (1, 1), thinned to about {@code maxPoints} points. */
  public static double[][] curve(List<double[]> scoreLabel, int maxPoints) {
    List<double[]> s = new ArrayList<>(scoreLabel);
    s.sort(Comparator.comparingDouble((double[] x) -> -x[0]));
    long pos = s.stream().filter(x -> x[1] > 0.5).count();
    long neg = s.size() - pos;
    List<double[]> pts = new ArrayList<>();
    pts.add(new double[] {0, 0});
    long tp = 0;
    long fp = 0;
    for (int i = 0; i < s.size(); i++) {
      if (s.get(i)[1] > 0.5) {
        tp++;
      } else {
        fp++;
      }
      if (i + 1 == s.size() || s.get(i + 1)[0] != s.get(i)[0]) {
        pts.add(new double[] {neg == 0 ? 0 : (double) fp / neg, pos == 0 ? 0 : (double) tp / pos});
      }
    }
    int step = Math.max(1, (int) Math.ceil(pts.size() / (double) Math.max(2, maxPoints)));
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < pts.size(); i += step) {
      kept.add(pts.get(i));
    }
    if (kept.get(kept.size() - 1) != pts.get(pts.size() - 1)) {
      kept.add(pts.get(pts.size() - 1));
    }
    double[][] out = new double[2][kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      out[0][i] = kept.get(i)[0];
      out[1][i] = kept.get(i)[1];
    }
    return out;
  }

  /** Trapezoidal area under the curve (for tests: equals the rank AUC with ties counted half). */
  public static double area(double[][] c) {
    double a = 0;
    for (int i = 1; i < c[0].length; i++) {
      a += (c[0][i] - c[0][i - 1]) * (c[1][i] + c[1][i - 1]) / 2;
    }
    return a;
  }
}
