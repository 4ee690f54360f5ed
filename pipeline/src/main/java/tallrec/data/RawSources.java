package tallrec.data;

import com.typesafe.config.Config;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import tallrec.io.Fs;

/**
 * Resolves {@code --source NAME} and its settings ({@code tallrec.sources.NAME}) into a
 * {@link RawSource}. Sources: {@code movielens100k}, {@code bookcrossing}, {@code csv}.
 */
public final class RawSources {

  public static final List<String> NAMES = List.of("movielens100k", "bookcrossing", "csv");

  private RawSources() {}

  /**
   * @param inputDir directory with the source's usual file names, or null
   * @param ratingsFile explicit ratings file (wins over inputDir), or null
   * @param itemsFile explicit items file (wins over inputDir), or null
   */
  public static RawSource resolve(String name, Config sources, String inputDir, String ratingsFile,
      String itemsFile, Configuration hadoop) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("Unknown --source '" + name + "'; expected one of " + NAMES);
    }
    Config c = sources.getConfig(name);
    String ratings = pick(ratingsFile, inputDir, c.getString("ratings-file"), "--ratings");
    String items = pick(itemsFile, inputDir, c.getString("items-file"), "--items");
    Charset rc = Charset.forName(c.getString("ratings-charset"));
    Charset ic = Charset.forName(c.getString("items-charset"));
    RatingRange range = new RatingRange(c.getDouble("rating-min"), c.getDouble("rating-max"),
        c.getBoolean("rating-fractions"), c.getLong("timestamp-min"), c.getLong("timestamp-max"));
    String domain = c.getString("domain");
    return switch (name) {
      case "movielens100k" -> new RawSource(name, domain, ratings, rc,
          new MovieLensRatingsFormat(range), items, ic, new MovieLensItemsFormat());
      case "bookcrossing" -> {
        HeaderMode header = HeaderMode.parse(c.getString("header"));
        yield new RawSource(name, domain, ratings, rc,
            new BookCrossingRatingsFormat(range, header, c.getBoolean("keep-implicit")),
            items, ic, new BookCrossingBooksFormat(header));
      }
      default -> csv(c, domain, ratings, rc, items, ic, range, hadoop);
    };
  }

  private static String pick(String explicit, String dir, String defaultName, String flag) {
    if (explicit != null) {
      return explicit;
    }
    if (dir == null) {
      throw new IllegalArgumentException("Give --input DIR or " + flag + " FILE");
    }
    return new Path(dir, defaultName).toString();
  }

  private static RawSource csv(Config c, String domain, String ratings, Charset rc, String items,
      Charset ic, RatingRange range, Configuration hadoop) {
    char delimiter = single(c.getString("delimiter"), "delimiter");
    char quote = single(c.getString("quote"), "quote");
    boolean header = c.getBoolean("header");
    Config cols = c.getConfig("columns");
    List<String> rHeader = firstLine(ratings, rc, delimiter, quote, hadoop, "Ratings file");
    List<String> iHeader = firstLine(items, ic, delimiter, quote, hadoop, "Items file");
    CsvLayout rLayout = new CsvLayout(delimiter, quote, header, rHeader.size());
    CsvLayout iLayout = new CsvLayout(delimiter, quote, header, iHeader.size());
    RatingsFormat rf = new CsvRatingsFormat(rLayout,
        column(cols, "user", rHeader, header, ratings, true),
        column(cols, "item", rHeader, header, ratings, true),
        column(cols, "rating", rHeader, header, ratings, true),
        column(cols, "timestamp", rHeader, header, ratings, false),
        range);
    ItemsFormat itf = new CsvItemsFormat(iLayout,
        column(cols, "item-id", iHeader, header, items, true),
        column(cols, "title", iHeader, header, items, true),
        column(cols, "author", iHeader, header, items, false),
        column(cols, "year", iHeader, header, items, false));
    return new RawSource("csv", domain, ratings, rc, rf, items, ic, itf);
  }

  private static char single(String s, String key) {
    String t = s.equals("\\t") ? "\t" : s;
    if (t.length() != 1) {
      throw new IllegalArgumentException("sources.csv." + key + " must be one character, got '" + s + "'");
    }
    return t.charAt(0);
  }

  /** Column setting: a header name, or a 0-based index; empty means absent (optional columns). */
  private static int column(Config cols, String key, List<String> header, boolean hasHeader,
      String file, boolean required) {
    String v = cols.hasPath(key) ? cols.getString(key).trim() : "";
    if (v.isEmpty()) {
      if (required) {
        throw new IllegalArgumentException("sources.csv.columns." + key + " is required");
      }
      return -1;
    }
    if (Fields.isInteger(v)) {
      int i = Integer.parseInt(v);
      if (i < 0 || i >= header.size()) {
        throw new IllegalArgumentException("sources.csv.columns." + key + " = " + i
            + " but " + file + " has " + header.size() + " fields");
      }
      return i;
    }
    if (!hasHeader) {
      throw new IllegalArgumentException("sources.csv.columns." + key + " names column '" + v
          + "' but sources.csv.header = false; give a 0-based index instead");
    }
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).trim().equals(v)) {
        return i;
      }
    }
    throw new IllegalArgumentException("Column '" + v + "' (sources.csv.columns." + key + ") not found in the header of "
        + file + ": " + header);
  }

  private static List<String> firstLine(String file, Charset cs, char delimiter, char quote,
      Configuration hadoop, String what) {
    Path p = new Path(file);
    Fs.requireNonEmptyFile(p, hadoop, what);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.of(p, hadoop).open(p), cs))) {
      String line = r.readLine();
      List<String> f = line == null ? null : Fields.splitQuoted(line.replace("\uFEFF", ""), delimiter, quote);
      if (f == null) {
        throw new IllegalArgumentException(what + " " + file + " line 1: cannot split the header");
      }
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }
}
