package tallrec.synth;

import com.typesafe.config.Config;

/**
 * Size and shape of a synthetic MovieLens dataset. {@code users} and {@code items} of 0 mean
 * "derive from {@code ratings}" with MovieLens-like ratios (100 K ratings: ~950 users, ~1,700
 * items; 25 M ratings: ~240 K users, items capped at {@link #MAX_AUTO_ITEMS}).
 *
 * @param ratings total ratings written to {@code u.data} (exact)
 * @param users number of users (ids 1..users); 0 = auto
 * @param items number of items (ids 1..items); 0 = auto
 * @param seed all randomness derives from it: same seed and sizes give the same bytes
 * @param minRatingsPerUser every user rates at least this many distinct items (MovieLens: 20)
 * @param popularitySkew steepness of item popularity: rank r of n items gets weight
 *     {@code (r + 10)^-skew x exp(-6 skew r / n)}; 0.55 resembles MovieLens, 0 is uniform
 * @param noise standard deviation of the per-rating Gaussian noise on the latent score (the
 *     planted signal has a standard deviation of about 0.8, so larger values make the data harder)
 * @param ratingsPerUser the mean ratings per user when {@code users} is auto (MovieLens-100K: about 105)
 * @param viewerStories how many stories of viewers the corpus tells (see {@link ItemCorpus#viewerStory}):
 *     viewers drawn afresh from the planted model, none of them a user of the dataset; 0 = none
 */
public record SynthParams(
    long ratings,
    int users,
    int items,
    long seed,
    int minRatingsPerUser,
    double popularitySkew,
    double noise,
    double ratingsPerUser,
    int viewerStories) {

  public static final int MAX_AUTO_ITEMS = 60_000;

  /** MovieLens: 100K -> 943 users, 1M -> 6,040, 10M -> 69,878, 25M -> 162,541 (~105-165 each). */
  public static final double MOVIELENS_RATINGS_PER_USER = 105;

  public SynthParams {
    if (ratings < 1) {
      throw new IllegalArgumentException("synth.ratings must be positive, got " + ratings);
    }
    if (users < 0 || items < 0) {
      throw new IllegalArgumentException("synth.users and synth.items must be >= 0 (0 = auto)");
    }
    if (minRatingsPerUser < 1) {
      throw new IllegalArgumentException("synth.min-ratings-per-user must be >= 1");
    }
    if (popularitySkew < 0 || noise < 0 || Double.isNaN(popularitySkew) || Double.isNaN(noise)) {
      throw new IllegalArgumentException("synth.popularity-skew and synth.noise must be >= 0");
    }
    if (!(ratingsPerUser >= minRatingsPerUser)) {
      throw new IllegalArgumentException("synth.ratings-per-user must be >= synth.min-ratings-per-user ("
          + minRatingsPerUser + "), got " + ratingsPerUser);
    }
    if (viewerStories < 0) {
      throw new IllegalArgumentException("synth.viewer-stories must be >= 0, got " + viewerStories);
    }
  }

  /** Defaults for everything but the size and seed. */
  public static SynthParams of(long ratings, long seed) {
    return new SynthParams(ratings, 0, 0, seed, 20, 0.55, 0.75, MOVIELENS_RATINGS_PER_USER, 0);
  }

  public SynthParams withUsers(int n) {
    return new SynthParams(ratings, n, items, seed, minRatingsPerUser, popularitySkew, noise, ratingsPerUser, viewerStories);
  }

  public SynthParams withViewerStories(int n) {
    return new SynthParams(ratings, users, items, seed, minRatingsPerUser, popularitySkew, noise, ratingsPerUser, n);
  }

  public SynthParams withItems(int n) {
    return new SynthParams(ratings, users, n, seed, minRatingsPerUser, popularitySkew, noise, ratingsPerUser, viewerStories);
  }

  /** Reads the {@code tallrec.synth} section; {@code users}/{@code items} may be {@code auto}. */
  public static SynthParams fromConfig(Config synth) {
    return new SynthParams(
        synth.getLong("ratings"),
        sizeOrAuto(synth, "users"),
        sizeOrAuto(synth, "items"),
        synth.getLong("seed"),
        synth.getInt("min-ratings-per-user"),
        synth.getDouble("popularity-skew"),
        synth.getDouble("noise"),
        synth.hasPath("ratings-per-user") ? synth.getDouble("ratings-per-user") : MOVIELENS_RATINGS_PER_USER,
        synth.hasPath("viewer-stories") ? synth.getInt("viewer-stories") : 0);
  }

  private static int sizeOrAuto(Config c, String key) {
    if (!c.hasPath(key)) {
      return 0;
    }
    String raw = c.getValue(key).unwrapped().toString().trim();
    if (raw.equalsIgnoreCase("auto") || raw.isEmpty()) {
      return 0;
    }
    try {
      long v = Long.parseLong(raw);
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "synth." + key + " must be 'auto' or a non-negative integer, got: " + raw);
    }
  }

  /** Users actually generated. */
  public int resolvedUsers() {
    if (users > 0) {
      return users;
    }
    long byRatio = Math.round(ratings / ratingsPerUser);
    long maxByMin = ratings / minRatingsPerUser;
    return (int) Math.max(1, Math.min(Math.min(byRatio, maxByMin), Integer.MAX_VALUE));
  }

  /** Items actually generated. */
  public int resolvedItems() {
    if (items > 0) {
      return items;
    }
    // 1,700 * (R / 100K)^0.65: 20K -> ~600, 1M -> ~7,600, 10M -> ~34,000, 25M -> 60,000 (cap).
    // At least 3x the mean ratings per user, so small demos still fit (a user rates <= half).
    double n = 1700.0 * StrictMath.pow(ratings / 100_000.0, 0.65);
    long floor = Math.max(Math.max(50, 2L * minRatingsPerUser), 3 * ratings / resolvedUsers());
    return (int) Math.min(Integer.MAX_VALUE, Math.max(floor, Math.min(MAX_AUTO_ITEMS, Math.round(n))));
  }
}
