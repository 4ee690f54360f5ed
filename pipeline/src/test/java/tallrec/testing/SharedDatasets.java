package tallrec.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import tallrec.conf.TallRecConf;
import tallrec.data.Ingest;

/**
 * Datasets ingested once per test JVM from the real files in {@code ../shared} and shared by the
 * test classes that only read them (ingesting BookCrossing or MovieLens costs seconds). Each is
 * ingested with the library defaults into a temporary directory removed at exit. Readers must not
 * write into these directories: instructions tests write their outputs elsewhere.
 */
public final class SharedDatasets {

  /** An ingested dataset: its directory and what ingest reported. */
  public record Ingested(Path dir, Ingest.Result result) {}

  private static final Map<String, Ingested> CACHE = new HashMap<>();
  private static Path root;

  private SharedDatasets() {}

  /** BX-Book-Ratings-subset.csv + BX-Books-subset.csv, defaults (implicit ratings kept). */
  public static synchronized Ingested bookCrossing() {
    Path ratings = SharedData.require("data/bookcrossing/BX-Book-Ratings-subset.csv");
    Path books = SharedData.require("data/bookcrossing/BX-Books-subset.csv");
    return CACHE.computeIfAbsent("bookcrossing", k -> ingest("bookcrossing", null, ratings.toString(), books.toString()));
  }

  /** MovieLens-100K u.data + u.item, defaults. */
  public static synchronized Ingested movieLens100k() {
    Path dir = SharedData.require("data/ml-100k");
    return CACHE.computeIfAbsent("movielens100k", k -> ingest("movielens100k", dir.toString(), null, null));
  }

  /** A fresh directory under this JVM's temporary root (removed at exit). */
  public static synchronized Path newDir(String prefix) {
    try {
      return Files.createTempDirectory(root(), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Ingested ingest(String source, String dir, String ratings, String items) {
    Path out = newDir(source).resolve("dataset");
    Ingest.Result r = Stages.ingest(LocalSpark.get(), TallRecConf.defaults(), source, dir, ratings, items, out);
    return new Ingested(out, r);
  }

  private static Path root() throws IOException {
    if (root == null) {
      root = Files.createTempDirectory("tallrec-shared-datasets-");
      Path r = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(r)));
    }
    return root;
  }

  private static void deleteTree(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort at exit
    }
  }
}
