package tallrec.synth;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The planted preference structure. A user has a taste over the 19 genres (a couple of loved
 * genres at +1, one or two disliked at -1, plus small Gaussian variation) and a bias; an item has
 * a bias (see {@link ItemCatalog}). The latent score of a (user, item) pair is
 *
 * <pre>  user bias + item bias + TASTE_WEIGHT * mean(taste over the item's genres) + noise * N(0,1)</pre>
 *
 * and the rating is 1..5 by four thresholds, calibrated on a seeded sample of the model so that
 * ratings follow MovieLens-100K's distribution (6% 1, 11% 2, 27% 3, 34% 4, 21% 5; mean 3.53, 55%
 * above 3). A user's like-rate on other items (the bias) and the genre match to the user's taste
 * therefore both predict whether a rating is above 3.
 */
public final class PreferenceModel {

  static final double USER_BIAS_SD = 0.45;
  static final double TASTE_WEIGHT = 1.0;
  static final double TASTE_SD = 0.35;
  static final double LOVED = 1.0;
  static final double HATED = -1.0;

  /** Cumulative share of ratings 1, 1-2, 1-3, 1-4 in MovieLens-100K. */
  static final double[] TARGET_CUMULATIVE = {0.0611, 0.1748, 0.4463, 0.7880};

  private final ItemCatalog items;
  private final double noise;
  private double[] thresholds;

  PreferenceModel(ItemCatalog items, double noise) {
    this.items = items;
    this.noise = noise;
  }

  /** A user's taste (length {@link Genres#COUNT}) and bias. */
  public record UserProfile(double[] taste, double bias) {}

  /**
   * Draws a user's profile; the generator calls it first on each user's own stream, so the
   * profile of user {@code u} can be re-derived from that stream alone.
   */
  static UserProfile drawUser(SplittableRandom rng, AliasTable genrePrior) {
    double[] taste = new double[Genres.COUNT];
    for (int g = 0; g < Genres.COUNT; g++) {
      taste[g] = TASTE_SD * rng.nextGaussian();
    }
    int loved1 = genrePrior.sample(rng);
    int loved2;
    do {
      loved2 = genrePrior.sample(rng);
    } while (loved2 == loved1);
    taste[loved1] += LOVED;
    taste[loved2] += LOVED;
    int hatedCount = 1 + rng.nextInt(2);
    for (int h = 0; h < hatedCount; h++) {
      int g;
      do {
        g = 1 + rng.nextInt(Genres.COUNT - 1);
      } while (g == loved1 || g == loved2);
      taste[g] += HATED;
    }
    return new UserProfile(taste, USER_BIAS_SD * rng.nextGaussian());
  }

  /** Mean taste over the genres of item index {@code k} (0-based). */
  double affinity(double[] taste, int k) {
    int from = items.genreStart[k];
    int to = items.genreStart[k + 1];
    double s = 0;
    for (int j = from; j < to; j++) {
      s += taste[items.genres[j]];
    }
    return s / (to - from);
  }

  /** The latent score (with noise) for item index {@code k}. */
  double latent(SplittableRandom rng, double[] taste, double userBias, int k) {
    return userBias + items.bias[k] + TASTE_WEIGHT * affinity(taste, k) + noise * rng.nextGaussian();
  }

  /** One rating for item index {@code k}: latent score with noise, thresholded to 1..5. */
  int rate(SplittableRandom rng, double[] taste, double userBias, int k) {
    return toRating(latent(rng, taste, userBias, k));
  }

  int toRating(double latent) {
    double[] t = thresholds;
    return latent < t[1]
        ? (latent < t[0] ? 1 : 2)
        : latent < t[2] ? 3 : latent < t[3] ? 4 : 5;
  }

  double[] thresholds() {
    return thresholds.clone();
  }

  /**
   * Sets the thresholds to the quantiles of {@link #TARGET_CUMULATIVE} in a sample of latent
   * scores drawn exactly as the generator draws them (so popularity, repeat-free sampling and
   * heavy users are all accounted for).
   */
  void calibrate(double[] latentSample) {
    double[] sample = latentSample.clone();
    Arrays.sort(sample);
    double[] t = new double[TARGET_CUMULATIVE.length];
    for (int j = 0; j < t.length; j++) {
      t[j] = sample[(int) Math.round(TARGET_CUMULATIVE[j] * (sample.length - 1))];
    }
    thresholds = t;
  }
}
