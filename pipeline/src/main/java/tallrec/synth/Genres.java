package tallrec.synth;

import java.util.List;

/** The 19 MovieLens genres, in {@code u.genre} / {@code u.item} flag order. */
public final class Genres {

  private Genres() {}

  public static final List<String> NAMES =
      List.of(
          "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western");

  public static final int COUNT = 19;

  /** Index of the "unknown" genre, given only to a handful of items (as in MovieLens). */
  public static final int UNKNOWN = 0;

  /**
   * How often each genre appears on an item: the MovieLens-100K flag counts (Drama 725, Comedy
   * 505, ...); "unknown" is handled separately.
   */
  static final double[] PRIOR = {
    0, 251, 135, 42, 122, 505, 109, 50, 725, 22, 24, 92, 56, 61, 247, 101, 251, 71, 27
  };
}
