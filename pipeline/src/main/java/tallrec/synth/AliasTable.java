package tallrec.synth;

import java.util.SplittableRandom;

/** Walker/Vose alias table: O(1) draws from a fixed discrete distribution over 0..n-1. */
final class AliasTable {

  private final double[] prob;
  private final int[] alias;

  AliasTable(double[] weights) {
    int n = weights.length;
    if (n == 0) {
      throw new IllegalArgumentException("empty distribution");
    }
    double sum = 0;
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be finite and >= 0");
      }
      sum += w;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("weights sum to zero");
    }
    prob = new double[n];
    alias = new int[n];
    double[] scaled = new double[n];
    int[] small = new int[n];
    int[] large = new int[n];
    int ns = 0;
    int nl = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = weights[i] * n / sum;
      if (scaled[i] < 1.0) {
        small[ns++] = i;
      } else {
        large[nl++] = i;
      }
    }
    while (ns > 0 && nl > 0) {
      int s = small[--ns];
      int l = large[--nl];
      prob[s] = scaled[s];
      alias[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        small[ns++] = l;
      } else {
        large[nl++] = l;
      }
    }
    while (nl > 0) {
      int l = large[--nl];
      prob[l] = 1.0;
      alias[l] = l;
    }
    while (ns > 0) { // only through rounding
      int s = small[--ns];
      prob[s] = 1.0;
      alias[s] = s;
    }
  }

  int size() {
    return prob.length;
  }

  int sample(SplittableRandom rng) {
    int i = rng.nextInt(prob.length);
    return rng.nextDouble() < prob[i] ? i : alias[i];
  }
}
