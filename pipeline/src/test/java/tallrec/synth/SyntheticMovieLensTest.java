package tallrec.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticMovieLensTest {

  @TempDir static Path shared;

  static Path demo;
  static SyntheticMovieLens demoGen;

  @BeforeAll
  static void writeDemo() throws IOException {
    demoGen = new SyntheticMovieLens(SynthParams.of(20_000, 42));
    demo = shared.resolve("demo");
    demoGen.writeTo(demo.toString(), false);
  }

  private static String write(Path dir, SynthParams p) throws IOException {
    new SyntheticMovieLens(p).writeTo(dir.toString(), false);
    return dir.toString();
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes(@TempDir Path tmp) throws IOException {
    Path again = tmp.resolve("again");
    Path other = tmp.resolve("other");
    write(again, SynthParams.of(20_000, 42));
    write(other, SynthParams.of(20_000, 43));
    for (String f : SyntheticMovieLens.FILES) {
      assertArrayEquals(Files.readAllBytes(demo.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
    }
    assertFalse(Arrays.equals(
        Files.readAllBytes(demo.resolve("u.data")), Files.readAllBytes(other.resolve("u.data"))));
    assertFalse(Arrays.equals(
        Files.readAllBytes(demo.resolve("u.item")), Files.readAllBytes(other.resolve("u.item"))));
  }

  @Test
  void onlyTheDatasetFilesAreWritten() throws IOException {
    try (Stream<Path> s = Files.list(demo)) {
      assertEquals(Set.copyOf(SyntheticMovieLens.FILES),
          new HashSet<>(s.map(p -> p.getFileName().toString()).toList()));
    }
    try (Stream<Path> s = Files.list(shared)) { // no staging or .crc leftovers
      assertEquals(List.of("demo"), s.map(p -> p.getFileName().toString()).toList());
    }
    assertTrue(Files.readString(demo.resolve("README")).contains("SYNTHETIC"));
    assertEquals(demoGen.users() + " users\n" + demoGen.items() + " items\n20000 ratings\n",
        Files.readString(demo.resolve("u.info")));
  }

  @Test
  void uGenreMatchesMovieLens() throws IOException {
    List<String> lines = Files.readAllLines(demo.resolve("u.genre"), StandardCharsets.ISO_8859_1);
    assertEquals(20, lines.size());
    assertEquals("unknown|0", lines.get(0));
    assertEquals("Children's|4", lines.get(4));
    assertEquals("Western|18", lines.get(18));
    assertEquals("", lines.get(19));
  }

  @Test
  void uItemFormat() throws IOException {
    byte[] raw = Files.readAllBytes(demo.resolve("u.item"));
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    assertArrayEquals(raw, text.getBytes(StandardCharsets.ISO_8859_1));
    String[] lines = text.split("\n");
    assertEquals(demoGen.items(), lines.length);
    Set<String> titles = new HashSet<>();
    int accented = 0;
    int suffixThe = 0;
    for (int i = 0; i < lines.length; i++) {
      String[] f = lines[i].split("\\|", -1);
      assertEquals(24, f.length, lines[i]);
      assertEquals(String.valueOf(i + 1), f[0]);
      assertTrue(f[1].matches(".+ \\((19[2-9]\\d)\\)"), f[1]);
      String year = f[1].substring(f[1].length() - 5, f[1].length() - 1);
      assertTrue(f[2].matches("\\d\\d-[A-Z][a-z][a-z]-" + year), f[2]);
      assertEquals("", f[3]);
      assertTrue(f[4].startsWith("http://us.imdb.com/M/title-exact?") && !f[4].contains(" "));
      int flags = 0;
      for (int g = 5; g < 24; g++) {
        assertTrue(f[g].equals("0") || f[g].equals("1"));
        flags += Integer.parseInt(f[g]);
      }
      assertTrue(flags >= 1 && flags <= 3, lines[i]);
      titles.add(f[1]);
      if (f[1].chars().anyMatch(c -> c > 127)) {
        accented++;
      }
      if (f[1].contains(", The (")) {
        suffixThe++;
      }
    }
    assertEquals(lines.length, titles.size(), "titles are unique");
    assertTrue(accented > lines.length / 50, "some Latin-1 titles: " + accented);
    assertTrue(suffixThe > lines.length / 20, "some ', The' titles: " + suffixThe);
  }

  /** u.data parsed: user, item, rating, timestamp per line. */
  static long[][] readData(Path dir) throws IOException {
    List<long[]> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(dir.resolve("u.data"), StandardCharsets.US_ASCII)) {
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.split("\t", -1);
        assertEquals(4, f.length, line);
        rows.add(new long[] {
            Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
      }
    }
    return rows.toArray(new long[0][]);
  }

  @Test
  void uDataFormatAndPlausibility() throws IOException {
    long[][] rows = readData(demo);
    assertEquals(20_000, rows.length);
    Map<Long, Integer> perUser = new HashMap<>();
    Map<Long, long[]> spans = new HashMap<>();
    Set<Long> pairs = new HashSet<>();
    long[] hist = new long[6];
    for (long[] r : rows) {
      assertTrue(r[0] >= 1 && r[0] <= demoGen.users());
      assertTrue(r[1] >= 1 && r[1] <= demoGen.items());
      assertTrue(r[2] >= 1 && r[2] <= 5);
      assertTrue(r[3] >= SyntheticMovieLens.WINDOW_START && r[3] <= SyntheticMovieLens.WINDOW_END);
      assertTrue(pairs.add(r[0] * 1_000_000 + r[1]), "repeated pair " + r[0] + "," + r[1]);
      perUser.merge(r[0], 1, Integer::sum);
      spans.merge(r[0], new long[] {r[3], r[3]},
          (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
      hist[(int) r[2]]++;
    }
    assertEquals(demoGen.users(), perUser.size(), "every user id 1..N rates");
    perUser.values().forEach(n -> assertTrue(n >= 20, "user with " + n + " ratings"));
    int max = perUser.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertTrue(max > 5 * 20, "heavy tail: max " + max);
    // users start at different times, and not all at once
    long distinctStarts = spans.values().stream().map(s -> s[0] / 86_400).distinct().count();
    assertTrue(distinctStarts > perUser.size() / 2, "starts " + distinctStarts);
    double mean = 0;
    for (int r = 1; r <= 5; r++) {
      mean += r * hist[r] / (double) rows.length;
    }
    double liked = (hist[4] + hist[5]) / (double) rows.length;
    assertEquals(3.53, mean, 0.1, "mean rating");
    assertEquals(0.553, liked, 0.05, "share above 3");
    for (int r = 1; r <= 5; r++) {
      assertTrue(hist[r] > rows.length / 25, "rating " + r + " is used: " + hist[r]);
    }
    // popularity skew: the top 10% of items hold far more than 10% of the ratings
    long[] byItem = new long[demoGen.items() + 1];
    for (long[] r : rows) {
      byItem[(int) r[1]]++;
    }
    long[] sorted = Arrays.stream(byItem).skip(1).sorted().toArray();
    long top = 0;
    for (int k = sorted.length - sorted.length / 10; k < sorted.length; k++) {
      top += sorted[k];
    }
    assertTrue(top > rows.length / 4, "top-10% share " + top / (double) rows.length);
  }

  @Test
  void ratingsFollowThePlantedStructure() throws IOException {
    long[][] rows = readData(demo);
    int users = demoGen.users();
    ItemCatalog cat = demoGen.catalog();
    int[] n = new int[users + 1];
    int[] likes = new int[users + 1];
    int[][] nGenre = new int[users + 1][Genres.COUNT];
    int[][] likesGenre = new int[users + 1][Genres.COUNT];
    for (long[] r : rows) {
      int u = (int) r[0];
      int like = r[2] > 3 ? 1 : 0;
      n[u]++;
      likes[u] += like;
      for (int g : cat.genres((int) r[1])) {
        nGenre[u][g]++;
        likesGenre[u][g] += like;
      }
    }
    double[] userRate = new double[rows.length];
    double[] genreMatch = new double[rows.length];
    double[] planted = new double[rows.length];
    boolean[] label = new boolean[rows.length];
    PreferenceModel.UserProfile[] profiles = new PreferenceModel.UserProfile[users + 1];
    for (int i = 0; i < rows.length; i++) {
      int u = (int) rows[i][0];
      int item = (int) rows[i][1];
      int like = rows[i][2] > 3 ? 1 : 0;
      label[i] = like == 1;
      // leave-one-out: the user's like-rate on their other items
      double rate = (likes[u] - like) / (double) (n[u] - 1);
      userRate[i] = rate;
      // leave-one-out like-rate on the user's other items of the same genres, shrunk to the rate
      double s = 0;
      int[] gs = cat.genres(item);
      for (int g : gs) {
        s += (likesGenre[u][g] - like + 3 * rate) / (nGenre[u][g] - 1 + 3.0);
      }
      genreMatch[i] = s / gs.length;
      if (profiles[u] == null) {
        profiles[u] = demoGen.userProfile(u);
      }
      double t = 0;
      for (int g : gs) {
        t += profiles[u].taste()[g];
      }
      planted[i] = t / gs.length;
    }
    double aucRate = auc(userRate, label);
    double aucGenre = auc(genreMatch, label);
    double aucPlanted = auc(planted, label);
    System.out.printf("AUC user like-rate %.3f, history genre match %.3f, planted taste.genre %.3f%n",
        aucRate, aucGenre, aucPlanted);
    assertTrue(aucRate > 0.6, "user like-rate AUC " + aucRate);
    assertTrue(aucPlanted > 0.6, "planted taste AUC " + aucPlanted);
    assertTrue(aucGenre > aucRate + 0.02, "genre match adds to the like-rate: " + aucGenre);
  }

  /** Rank (Mann-Whitney) AUC with average ranks for ties. */
  static double auc(double[] score, boolean[] positive) {
    Integer[] idx = new Integer[score.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(score[a], score[b]));
    double rankSumPos = 0;
    long pos = 0;
    for (int i = 0; i < idx.length; ) {
      int j = i;
      while (j + 1 < idx.length && score[idx[j + 1]] == score[idx[i]]) {
        j++;
      }
      double avgRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positive[idx[k]]) {
          rankSumPos += avgRank;
          pos++;
        }
      }
      i = j + 1;
    }
    long neg = score.length - pos;
    return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }

  @Test
  void aucHelperIsRight() {
    assertEquals(1.0, auc(new double[] {1, 2, 3, 4}, new boolean[] {false, false, true, true}));
    assertEquals(0.5, auc(new double[] {1, 1, 1, 1}, new boolean[] {false, true, false, true}));
    assertEquals(0.75, auc(new double[] {1, 2, 3, 4}, new boolean[] {false, true, false, true}));
  }

  @Test
  void refusesANonEmptyOutputUnlessOverwrite(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep.txt"), "x");
    SyntheticMovieLens gen = new SyntheticMovieLens(SynthParams.of(2_000, 1));
    IOException e = assertThrows(IOException.class, () -> gen.writeTo(out.toString(), false));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    assertTrue(Files.exists(out.resolve("keep.txt")));

    gen.writeTo(out.toString(), true);
    assertFalse(Files.exists(out.resolve("keep.txt")));
    assertTrue(Files.exists(out.resolve("u.data")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList());
    }

    Path empty = tmp.resolve("empty");
    Files.createDirectories(empty);
    gen.writeTo(empty.toString(), false); // an empty directory is fine
    assertTrue(Files.exists(empty.resolve("u.item")));
    assertFalse(Files.exists(empty.resolve("empty")), "renamed in place, not nested");
  }

  @Test
  void sizesScaleLikeMovieLens() {
    SynthParams p100k = SynthParams.of(100_000, 1);
    assertTrue(Math.abs(p100k.resolvedUsers() - 950) < 50, "users " + p100k.resolvedUsers());
    assertTrue(Math.abs(p100k.resolvedItems() - 1700) < 50, "items " + p100k.resolvedItems());
    assertEquals(SynthParams.MAX_AUTO_ITEMS, SynthParams.of(25_000_000, 1).resolvedItems());
    assertTrue(SynthParams.of(25_000_000, 1).resolvedUsers() > 150_000);
    assertEquals(123, SynthParams.of(100_000, 1).withUsers(123).resolvedUsers());
    assertEquals(77, SynthParams.of(100_000, 1).withItems(77).resolvedItems());
    assertThrows(IllegalArgumentException.class,
        () -> new SyntheticMovieLens(SynthParams.of(1_000, 1).withUsers(100)));
    assertThrows(IllegalArgumentException.class,
        () -> new SyntheticMovieLens(SynthParams.of(10_000, 1).withUsers(10).withItems(100)));
  }

  @Test
  void countsSumExactlyAndRespectBounds() {
    int[] c = SyntheticMovieLens.userCounts(1_000_003, 9_000, 20, 500,
        new java.util.SplittableRandom(5));
    assertEquals(1_000_003, Arrays.stream(c).asLongStream().sum());
    assertTrue(Arrays.stream(c).allMatch(x -> x >= 20 && x <= 500));
  }

  @Test
  void oneMillionRatings(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("ml1m");
    long t0 = System.nanoTime();
    SyntheticMovieLens.Result r =
        new SyntheticMovieLens(SynthParams.of(1_000_000, 7)).writeTo(out.toString(), false);
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("1M ratings: %d users, %d items, %d bytes in %.2f s (%.2f M ratings/s)%n",
        r.users(), r.items(), r.totalBytes(), s, 1.0 / s);
    assertEquals(1_000_000, r.ratings());
    long lines = 0;
    try (InputStream in = Files.newInputStream(out.resolve("u.data"))) {
      byte[] buf = new byte[1 << 16];
      for (int k; (k = in.read(buf)) > 0; ) {
        for (int j = 0; j < k; j++) {
          if (buf[j] == '\n') {
            lines++;
          }
        }
      }
    }
    assertEquals(1_000_000, lines);
    assertEquals(Files.size(out.resolve("u.data")), r.fileBytes().get("u.data"));
    assertEquals(3.53, r.meanRating(), 0.1);
    assertEquals(0.553, r.likeShare(), 0.05);
    assertTrue(s < 30, "took " + s + " s");
  }
}
