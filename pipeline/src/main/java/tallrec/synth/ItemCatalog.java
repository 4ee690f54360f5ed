package tallrec.synth;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The synthetic items: titles, release dates, 1-3 genres each, a Zipf-like popularity and an
 * item bias (better-known films are rated slightly higher, as in MovieLens). Item {@code i}
 * (1-based id) lives at index {@code i - 1}. Built from one seeded stream, in id order.
 */
public final class ItemCatalog {

  static final String[] MONTHS = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };

  /** Release years; all before the rating window (1997-1998), so no film is rated unreleased. */
  static final int FIRST_YEAR = 1920;

  static final int LAST_YEAR = 1996;

  static final double ITEM_BIAS_SD = 0.4;

  /** Weight of the standardised log-popularity in the item bias. */
  static final double POPULARITY_BIAS = 0.2;

  final int size;
  final String[] titles;
  final String[] releaseDates;
  /** Genres of item index {@code k}: {@code genres[genreStart[k] .. genreStart[k+1])}. */
  final int[] genreStart;
  final byte[] genres;
  final double[] bias;
  final double[] popularity;
  final AliasTable popularityTable;

  ItemCatalog(int size, double popularitySkew, SplittableRandom rng) {
    this.size = size;
    titles = new String[size];
    releaseDates = new String[size];
    genreStart = new int[size + 1];
    byte[] g = new byte[size * 3];
    int ng = 0;
    AliasTable genrePrior = new AliasTable(Genres.PRIOR);
    Set<String> seen = new HashSet<>(size * 2);
    boolean[] has = new boolean[Genres.COUNT];
    for (int k = 0; k < size; k++) {
      genreStart[k] = ng;
      int primary;
      if (rng.nextInt(500) == 0) {
        primary = Genres.UNKNOWN;
        g[ng++] = (byte) Genres.UNKNOWN;
      } else {
        double u = rng.nextDouble();
        int count = u < 0.50 ? 1 : u < 0.86 ? 2 : 3;
        Arrays.fill(has, false);
        primary = -1;
        for (int c = 0; c < count; c++) {
          int genre;
          do {
            genre = genrePrior.sample(rng);
          } while (has[genre]);
          has[genre] = true;
          if (primary < 0) {
            primary = genre;
          }
        }
        for (int genre = 1; genre < Genres.COUNT; genre++) { // stored in flag order
          if (has[genre]) {
            g[ng++] = (byte) genre;
          }
        }
      }
      int year = releaseYear(rng);
      releaseDates[k] = releaseDate(rng, year);
      String title = TitleGenerator.title(rng, primary) + " (" + year + ")";
      boolean unique = seen.add(title);
      for (int attempt = 0; !unique && attempt < 20; attempt++) {
        title = TitleGenerator.title(rng, primary) + " (" + year + ")";
        unique = seen.add(title);
      }
      if (!unique) { // still a clash (small word lists vs. a huge catalogue): number it
        String base = title.substring(0, title.length() - 7);
        int n = 2;
        do {
          title = base + " " + n++ + " (" + year + ")";
        } while (!seen.add(title));
      }
      titles[k] = title;
    }
    genreStart[size] = ng;
    genres = Arrays.copyOf(g, ng);

    // Popularity over a random permutation of the ids: rank r of n gets weight
    // (r + 10)^-skew * exp(-6 skew r / n), a Zipf-Mandelbrot head with an exponential tail, which
    // at skew 0.55 matches MovieLens-100K (top film rated by ~55% of users, top 10% of films
    // ~45% of ratings, ~20% of films under 5 ratings); skew 0 is uniform.
    int[] rank = new int[size];
    for (int k = 0; k < size; k++) {
      rank[k] = k;
    }
    for (int k = size - 1; k > 0; k--) {
      int j = rng.nextInt(k + 1);
      int t = rank[k];
      rank[k] = rank[j];
      rank[j] = t;
    }
    popularity = new double[size];
    double[] logPop = new double[size];
    double mean = 0;
    for (int k = 0; k < size; k++) {
      double r = rank[k] + 1.0;
      logPop[k] = -popularitySkew * (StrictMath.log(r + 10.0) + 6.0 * r / size);
      popularity[k] = StrictMath.exp(logPop[k]);
      mean += logPop[k];
    }
    mean /= size;
    double var = 0;
    for (int k = 0; k < size; k++) {
      var += (logPop[k] - mean) * (logPop[k] - mean);
    }
    double sd = Math.sqrt(var / size);
    bias = new double[size];
    for (int k = 0; k < size; k++) {
      double z = sd > 0 ? (logPop[k] - mean) / sd : 0;
      bias[k] = ITEM_BIAS_SD * rng.nextGaussian() + POPULARITY_BIAS * z;
    }
    popularityTable = new AliasTable(popularity);
  }

  private static int releaseYear(SplittableRandom rng) {
    if (rng.nextInt(100) < 65) { // mostly recent, as in MovieLens-100K
      int back = (int) (-StrictMath.log(1.0 - rng.nextDouble()) * 2.2);
      return Math.max(1990, LAST_YEAR - back);
    }
    int back = (int) Math.abs(rng.nextGaussian() * 22);
    return Math.max(FIRST_YEAR, 1989 - back);
  }

  private static String releaseDate(SplittableRandom rng, int year) {
    if (year < 1993 || rng.nextInt(100) < 55) {
      return "01-Jan-" + year;
    }
    int day = 1 + rng.nextInt(28);
    return (day < 10 ? "0" : "") + day + "-" + MONTHS[rng.nextInt(12)] + "-" + year;
  }

  /** Title with year, e.g. "Bloody Graveyard, The (1994)"; {@code item} is the 1-based id. */
  public String title(int item) {
    return titles[item - 1];
  }

  /** Genre indices (into {@link Genres#NAMES}) of a 1-based item id. */
  public int[] genres(int item) {
    int from = genreStart[item - 1];
    int to = genreStart[item];
    int[] out = new int[to - from];
    for (int j = 0; j < out.length; j++) {
      out[j] = genres[from + j];
    }
    return out;
  }

  public int size() {
    return size;
  }

  /** The {@code u.item} line (without newline): 24 {@code |}-separated fields. */
  String itemLine(int item) {
    int k = item - 1;
    StringBuilder sb = new StringBuilder(160);
    sb.append(item).append('|').append(titles[k]).append('|').append(releaseDates[k]).append("||");
    sb.append("http://us.imdb.com/M/title-exact?");
    appendUrlEncoded(sb, titles[k]);
    int from = genreStart[k];
    int to = genreStart[k + 1];
    int next = from;
    for (int genre = 0; genre < Genres.COUNT; genre++) {
      boolean on = next < to && genres[next] == genre;
      if (on) {
        next++;
      }
      sb.append('|').append(on ? '1' : '0');
    }
    return sb.toString();
  }

  /** MovieLens-style: spaces as %20, Latin-1 letters as their %XX byte, the rest as is. */
  static void appendUrlEncoded(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ' || c == '%' || c == '&' || c == '#' || c == '?' || c == '+' || c > 126) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      } else {
        sb.append(c);
      }
    }
  }
}
