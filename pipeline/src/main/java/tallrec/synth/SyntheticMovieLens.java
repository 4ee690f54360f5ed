package tallrec.synth;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A deterministic synthetic MovieLens dataset in the MovieLens-100K file format ({@code u.data},
 * {@code u.item}, {@code u.genre}, {@code u.info}, {@code README}), from a 20 K-rating demo to a
 * 25 M-rating catalogue. Runs on the driver and streams {@code u.data} line by line through the
 * Hadoop {@link FileSystem} API (local, HDFS, S3A), so memory does not grow with the number of
 * ratings, only with users and items.
 *
 * <p>Ratings come from a planted preference structure ({@link PreferenceModel}): user bias, item
 * bias and user taste over the item's genres, plus noise. Each user rates at least {@code
 * min-ratings-per-user} distinct items (a heavy-tailed number), drawn with Zipf-like popularity;
 * a user's timestamps increase through sessions inside 1997-01-01..1998-12-31 (UTC), starting
 * at different times. {@code u.data} lists users in id order, each user's ratings in time order.
 *
 * <p>Deterministic: every random draw comes from a {@link SplittableRandom} seeded from {@code
 * seed} and a fixed stream (items, user counts, calibration, and one per user), nothing iterates
 * a hash, and transcendental functions go through {@link StrictMath}, so the same parameters give
 * the same bytes on every run and machine.
 */
public final class SyntheticMovieLens {

  /** 1997-01-01T00:00:00Z. */
  public static final long WINDOW_START = 852_076_800L;

  /** 1998-12-31T23:59:59Z. */
  public static final long WINDOW_END = 915_148_799L;

  /** No user rates more than this share of the catalogue (MovieLens-100K's top user: 44%). */
  static final double MAX_USER_SHARE = 0.5;

  /** Spread (log-normal sigma) of the ratings per user above the minimum. */
  static final double ACTIVITY_SIGMA = 1.1;

  static final double MEAN_SESSION_LENGTH = 20;
  static final double MEAN_GAP_IN_SESSION_S = 25;

  private static final int CALIBRATION_SAMPLE = 200_000;

  private static final long STREAM_ITEMS = 1;
  private static final long STREAM_COUNTS = 2;
  private static final long STREAM_CALIBRATION = 3;
  private static final long STREAM_USERS = 4;
  private static final long STREAM_CORPUS = 5;
  private static final long STREAM_STORIES = 6;

  /** Films a viewer story lists before its last one: the TALLRec prompt's history length. */
  static final int STORY_HISTORY = 10;

  /** A story's viewer enjoyed a film they rated above this (MovieLens' like threshold). */
  static final int STORY_LIKED_ABOVE = 3;

  /** What the world says about the items, one sentence per line (UTF-8): see {@link ItemCorpus}. */
  public static final String CORPUS_FILE = "corpus.txt";

  /** Alpaca-format instructions about the items (UTF-8 JSON): see {@link ItemCorpus#instructions}. */
  public static final String ALPACA_FILE = "alpaca.json";

  /** The files of a dataset directory. */
  public static final List<String> FILES =
      List.of("u.data", "u.item", "u.genre", "u.info", "README", CORPUS_FILE, ALPACA_FILE);

  private final SynthParams params;
  private final int users;
  private final int items;
  private final ItemCatalog catalog;
  private final PreferenceModel model;
  private final AliasTable genrePrior = new AliasTable(Genres.PRIOR);
  private final int[] counts;

  /** What was written. */
  public record Result(
      String directory,
      int users,
      int items,
      long ratings,
      Map<String, Long> fileBytes,
      long[] ratingCounts,
      double seconds) {

    public long totalBytes() {
      return fileBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    public double meanRating() {
      long n = 0;
      long s = 0;
      for (int r = 0; r < 5; r++) {
        n += ratingCounts[r];
        s += (r + 1) * ratingCounts[r];
      }
      return n == 0 ? 0 : (double) s / n;
    }

    public double likeShare() {
      return ratings == 0 ? 0 : (double) (ratingCounts[3] + ratingCounts[4]) / ratings;
    }
  }

  /** Receives ratings in file order. */
  @FunctionalInterface
  public interface RatingSink {
    void accept(int user, int item, int rating, long timestamp) throws IOException;
  }

  public SyntheticMovieLens(SynthParams params) {
    this.params = params;
    this.users = params.resolvedUsers();
    this.items = params.resolvedItems();
    long r = params.ratings();
    boolean autoUsers = params.users() == 0;
    int minPerUser = (int) Math.min(params.minRatingsPerUser(), r / users);
    if (minPerUser < params.minRatingsPerUser() && !(autoUsers && users == 1)) {
      throw new IllegalArgumentException(
          users + " users x " + params.minRatingsPerUser() + " ratings each exceeds synth.ratings = "
              + r + "; lower synth.users");
    }
    if (minPerUser < 1) {
      throw new IllegalArgumentException("fewer ratings (" + r + ") than users (" + users + ")");
    }
    int cap = (int) Math.min(items, Math.max(minPerUser, (long) (items * MAX_USER_SHARE)));
    if (minPerUser > items) {
      throw new IllegalArgumentException(
          "every user rates " + minPerUser + " distinct items but there are only " + items
              + "; raise synth.items");
    }
    if ((long) cap * users < r) {
      throw new IllegalArgumentException(
          r + " ratings do not fit " + users + " users x " + items + " items (each user rates at most "
              + cap + "); raise synth.users or synth.items");
    }
    this.catalog = new ItemCatalog(items, params.popularitySkew(), rng(STREAM_ITEMS, 0));
    this.counts = userCounts(r, users, minPerUser, cap, rng(STREAM_COUNTS, 0));
    this.model = new PreferenceModel(catalog, params.noise());
    model.calibrate(calibrationSample());
  }

  /**
   * Latent scores of simulated users (fresh profiles, real rating counts, the real item draw),
   * from their own stream, so the thresholds match what the generator will produce.
   */
  private double[] calibrationSample() {
    SplittableRandom rng = rng(STREAM_CALIBRATION, 0);
    double[] sample = new double[CALIBRATION_SAMPLE];
    int[] seenBy = new int[items];
    int m = 0;
    for (int stamp = 1; m < sample.length; stamp++) {
      int n = counts[rng.nextInt(users)];
      PreferenceModel.UserProfile p = PreferenceModel.drawUser(rng, genrePrior);
      for (int j = 0; j < n && m < sample.length; j++) {
        int k = drawItem(rng, catalog.popularityTable, seenBy, stamp);
        sample[m++] = model.latent(rng, p.taste(), p.bias(), k);
      }
    }
    return sample;
  }

  /**
   * The item corpus ({@link ItemCorpus}), from its own stream of the seed, then {@code
   * synth.viewer-stories} viewer stories.
   */
  public List<String> corpus() {
    List<String> out = new ArrayList<>(ItemCorpus.sentences(catalog, seedFor(params.seed(), STREAM_CORPUS, 0)));
    out.addAll(viewerStories());
    return out;
  }

  /**
   * Stories of viewers who are not users of the dataset: each a fresh profile from its own stream,
   * {@link #STORY_HISTORY} + 1 distinct films drawn by popularity and rated by the planted model
   * (user bias, item bias, taste, noise), told by {@link ItemCorpus#viewerStory}. They teach what
   * reviews and forum threads taught LLaMA, how liking one film bears on another, without any
   * rating of the dataset's users. The TALLRec prompt asks the same question but wants Yes or No.
   */
  List<String> viewerStories() {
    int[] seenBy = new int[items];
    List<String> out = new ArrayList<>(params.viewerStories());
    for (int s = 1; s <= params.viewerStories(); s++) {
      SplittableRandom rng = rng(STREAM_STORIES, s);
      PreferenceModel.UserProfile p = PreferenceModel.drawUser(rng, genrePrior);
      List<String> enjoyed = new ArrayList<>();
      List<String> notEnjoyed = new ArrayList<>();
      for (int j = 0; j < STORY_HISTORY; j++) {
        int k = drawItem(rng, catalog.popularityTable, seenBy, s);
        boolean liked = model.rate(rng, p.taste(), p.bias(), k) > STORY_LIKED_ABOVE;
        (liked ? enjoyed : notEnjoyed).add(ItemCorpus.quoted(catalog.title(k + 1)));
      }
      int t = drawItem(rng, catalog.popularityTable, seenBy, s);
      boolean liked = model.rate(rng, p.taste(), p.bias(), t) > STORY_LIKED_ABOVE;
      out.add(ItemCorpus.viewerStory(enjoyed, notEnjoyed, ItemCorpus.quoted(catalog.title(t + 1)), liked));
    }
    return out;
  }

  public SynthParams params() {
    return params;
  }

  public int users() {
    return users;
  }

  public int items() {
    return items;
  }

  public ItemCatalog catalog() {
    return catalog;
  }

  public PreferenceModel model() {
    return model;
  }

  /** The planted taste and bias of a 1-based user id (for tests and diagnostics). */
  public PreferenceModel.UserProfile userProfile(int user) {
    return PreferenceModel.drawUser(rng(STREAM_USERS, user), genrePrior);
  }

  private SplittableRandom rng(long stream, long index) {
    return new SplittableRandom(seedFor(params.seed(), stream, index));
  }

  static long seedFor(long seed, long stream, long index) {
    return mix64(mix64(seed) + 0x9E3779B97F4A7C15L * ((stream << 40) + index + 1));
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Heavy-tailed (log-normal) ratings per user, each in [min, cap], summing exactly to total. */
  static int[] userCounts(long total, int users, int min, int cap, SplittableRandom rng) {
    int[] c = new int[users];
    double[] w = new double[users];
    for (int u = 0; u < users; u++) {
      c[u] = min;
      w[u] = StrictMath.exp(ACTIVITY_SIGMA * rng.nextGaussian());
    }
    long left = total - (long) users * min;
    while (left > 0) {
      double open = 0;
      for (int u = 0; u < users; u++) {
        if (c[u] < cap) {
          open += w[u];
        }
      }
      if (!(open > 0)) {
        throw new IllegalStateException("no room for " + left + " more ratings");
      }
      long given = 0;
      for (int u = 0; u < users; u++) {
        if (c[u] < cap) {
          long add = Math.min(cap - c[u], (long) Math.floor(left * (w[u] / open)));
          c[u] += (int) add;
          given += add;
        }
      }
      left -= given;
      if (given == 0) { // the remainder is smaller than one rating per user: one each
        int start = rng.nextInt(users);
        for (int j = 0; j < users && left > 0; j++) {
          int u = (start + j) % users;
          if (c[u] < cap) {
            c[u]++;
            left--;
          }
        }
      }
    }
    return c;
  }

  /** Generates every rating in file order (users 1..N, each user's ratings in time order). */
  public void forEachRating(RatingSink sink) throws IOException {
    int[] seenBy = new int[items];
    AliasTable popularity = catalog.popularityTable;
    for (int u = 1; u <= users; u++) {
      SplittableRandom rng = rng(STREAM_USERS, u);
      PreferenceModel.UserProfile profile = PreferenceModel.drawUser(rng, genrePrior);
      double[] taste = profile.taste();
      double bias = profile.bias();
      int n = counts[u - 1];

      long span;
      if (rng.nextInt(100) < 35) { // a one-sitting user
        span = rng.nextInt(6 * 3600);
      } else {
        double meanDays = 60 * (1 + StrictMath.log((double) n / params.minRatingsPerUser() + 1));
        span = (long) Math.min(WINDOW_END - WINDOW_START - 1, exp(rng) * meanDays * 86_400);
      }
      long ts = WINDOW_START + rng.nextLong(WINDOW_END - WINDOW_START - span + 1);
      double breakMean = span / Math.max(1.0, (n - 1) / MEAN_SESSION_LENGTH);
      int breakOdds = (int) MEAN_SESSION_LENGTH;

      for (int j = 0; j < n; j++) {
        int k = drawItem(rng, popularity, seenBy, u);
        int rating = model.rate(rng, taste, bias, k);
        if (j > 0) {
          double gap = exp(rng) * (rng.nextInt(breakOdds) == 0 ? breakMean : MEAN_GAP_IN_SESSION_S);
          ts = Math.min(WINDOW_END, ts + (long) gap);
        }
        sink.accept(u, k + 1, rating, ts);
      }
    }
  }

  private static double exp(SplittableRandom rng) {
    return -StrictMath.log(1.0 - rng.nextDouble());
  }

  /** A not-yet-rated item index: by popularity, then (rarely, for heavy users) by scanning. */
  private int drawItem(SplittableRandom rng, AliasTable popularity, int[] seenBy, int user) {
    for (int tries = 0; tries < 32; tries++) {
      int k = popularity.sample(rng);
      if (seenBy[k] != user) {
        seenBy[k] = user;
        return k;
      }
    }
    int k = rng.nextInt(items);
    while (seenBy[k] == user) {
      k = k + 1 == items ? 0 : k + 1;
    }
    seenBy[k] = user;
    return k;
  }

  /**
   * Writes the dataset to {@code outDir} (any Hadoop path) without ever leaving it partial: the
   * files go to a staging directory next to it ({@code .NAME.staging-UUID}), which is renamed
   * into place at the end. An existing non-empty {@code outDir} is an error unless {@code
   * overwrite}.
   */
  public Result writeTo(String outDir, boolean overwrite, Configuration conf) throws IOException {
    long t0 = System.nanoTime();
    Path requested = new Path(outDir);
    try (FileSystem fs = FileSystem.newInstance(requested.toUri(), conf)) {
      fs.setWriteChecksum(false); // no .crc side files on the local file system
      Path target = fs.makeQualified(requested);
      Path parent = target.getParent();
      if (parent == null) {
        throw new IllegalArgumentException("refusing to write to a root directory: " + target);
      }
      if (fs.exists(target)) {
        FileStatus st = fs.getFileStatus(target);
        if (!st.isDirectory()) {
          throw new IOException("output exists and is not a directory: " + target);
        }
        if (fs.listStatus(target).length > 0 && !overwrite) {
          throw new IOException(
              "output directory is not empty: " + target + " (use --overwrite to replace it)");
        }
      }
      String tag = UUID.randomUUID().toString();
      Path staging = new Path(parent, "." + target.getName() + ".staging-" + tag);
      boolean done = false;
      try {
        if (!fs.mkdirs(staging)) {
          throw new IOException("could not create " + staging);
        }
        Result staged = writeFiles(fs, staging);
        Path backup = null;
        if (fs.exists(target)) {
          backup = new Path(parent, "." + target.getName() + ".old-" + tag);
          if (!fs.rename(target, backup)) {
            throw new IOException("could not move the old " + target + " aside");
          }
        }
        if (!fs.rename(staging, target)) {
          if (backup != null) {
            fs.rename(backup, target);
          }
          throw new IOException("could not rename " + staging + " to " + target);
        }
        done = true;
        if (backup != null) {
          fs.delete(backup, true);
        }
        return new Result(target.toString(), staged.users(), staged.items(), staged.ratings(),
            staged.fileBytes(), staged.ratingCounts(), (System.nanoTime() - t0) / 1e9);
      } finally {
        if (!done) {
          try {
            fs.delete(staging, true);
          } catch (IOException | RuntimeException ignored) {
            // best effort; the original failure matters more
          }
        }
      }
    }
  }

  public Result writeTo(String outDir, boolean overwrite) throws IOException {
    return writeTo(outDir, overwrite, new Configuration());
  }

  /** Writes the files straight into an existing directory. */
  Result writeFiles(FileSystem fs, Path dir) throws IOException {
    long t0 = System.nanoTime();
    Map<String, Long> bytes = new LinkedHashMap<>();

    try (LineBuffer out = open(fs, dir, "u.genre")) {
      for (int g = 0; g < Genres.COUNT; g++) {
        out.latin1(Genres.NAMES.get(g)).ch('|').number(g).ch('\n');
      }
      out.ch('\n'); // MovieLens' u.genre ends with an empty line
      bytes.put("u.genre", out.bytesWritten());
    }

    try (LineBuffer out = open(fs, dir, "u.item")) {
      for (int i = 1; i <= items; i++) {
        out.latin1(catalog.itemLine(i)).ch('\n');
      }
      bytes.put("u.item", out.bytesWritten());
    }

    long[] hist = new long[5];
    long[] n = new long[1];
    try (LineBuffer out = open(fs, dir, "u.data")) {
      forEachRating(
          (user, item, rating, ts) -> {
            out.number(user).ch('\t').number(item).ch('\t').number(rating).ch('\t').number(ts)
                .ch('\n');
            hist[rating - 1]++;
            n[0]++;
          });
      bytes.put("u.data", out.bytesWritten());
    }

    try (LineBuffer out = open(fs, dir, "u.info")) {
      out.number(users).latin1(" users\n").number(items).latin1(" items\n").number(n[0])
          .latin1(" ratings\n");
      bytes.put("u.info", out.bytesWritten());
    }

    try (OutputStream os = fs.create(new Path(dir, CORPUS_FILE), false)) {
      StringBuilder sb = new StringBuilder();
      for (String sentence : corpus()) {
        sb.append(sentence).append('\n');
      }
      byte[] utf8 = sb.toString().getBytes(StandardCharsets.UTF_8);
      os.write(utf8);
      bytes.put(CORPUS_FILE, (long) utf8.length);
    }

    try (OutputStream os = fs.create(new Path(dir, ALPACA_FILE), false)) {
      JsonArray arr = new JsonArray();
      for (ItemCorpus.Instruction x : ItemCorpus.instructions(catalog, seedFor(params.seed(), STREAM_CORPUS, 1))) {
        JsonObject o = new JsonObject();
        o.addProperty("instruction", x.instruction());
        o.addProperty("input", x.input());
        o.addProperty("output", x.output());
        arr.add(o);
      }
      byte[] utf8 = (new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(arr) + "\n")
          .getBytes(StandardCharsets.UTF_8);
      os.write(utf8);
      bytes.put(ALPACA_FILE, (long) utf8.length);
    }

    try (LineBuffer out = open(fs, dir, "README")) {
      out.latin1(readme(n[0]));
      bytes.put("README", out.bytesWritten());
    }
    return new Result(dir.toString(), users, items, n[0], Collections.unmodifiableMap(bytes), hist,
        (System.nanoTime() - t0) / 1e9);
  }

  private static LineBuffer open(FileSystem fs, Path dir, String name) throws IOException {
    return new LineBuffer(fs.create(new Path(dir, name), false), 1 << 18);
  }

  private String readme(long ratings) {
    return "SYNTHETIC DATA - NOT MOVIELENS\n"
        + "==============================\n\n"
        + "This directory mimics the file format of the MovieLens-100K dataset (u.data, u.item,\n"
        + "u.genre, u.info), but every user, title and rating in it is made up by the TALLRec\n"
        + "synthetic generator (tallrec synth). It contains no data from GroupLens/MovieLens.\n\n"
        + "  users:   " + users + "\n"
        + "  items:   " + items + "\n"
        + "  ratings: " + ratings + "\n"
        + "  seed:    " + params.seed() + "\n"
        + "  popularity-skew: " + params.popularitySkew() + ", noise: " + params.noise()
        + ", min-ratings-per-user: " + params.minRatingsPerUser() + "\n\n"
        + "u.data: user id | item id | rating (1-5) | unix seconds, tab-separated; users in id\n"
        + "order, each user's ratings in time order (1997-01-01..1998-12-31 UTC).\n"
        + "u.item: id | title | release date | video release date | IMDb URL | 19 genre flags,\n"
        + "ISO-8859-1. Titles and URLs are invented.\n\n"
        + "Ratings follow a planted model: user bias + item bias + the user's taste for the\n"
        + "item's genres + Gaussian noise, thresholded to 1..5 with MovieLens-100K's rating\n"
        + "distribution. The same seed and sizes always give the same bytes.\n\n"
        + "corpus.txt: what the world says about the items (UTF-8, one sentence per line): each\n"
        + "item's genres, its reputation among critics (from its planted bias) and films that\n"
        + "share a genre with it" + (params.viewerStories() == 0 ? ". No user or rating appears in it"
            : "; then " + params.viewerStories() + " stories of viewers drawn afresh from the\n"
            + "planted model (none of them a user in u.data)") + ". `tallrec run` pretrains the\n"
        + "demo's backbone on it (experiment.model.path = pretrained-on-synth).\n"
        + "alpaca.json: instructions about the items in the Alpaca format (genres, reputation),\n"
        + "the demo's alpaca-tuning data (experiment.alpaca.data = \"synth:NAME\").\n";
  }
}
