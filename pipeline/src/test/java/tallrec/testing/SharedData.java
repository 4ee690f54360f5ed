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
      String msg = "shared test input missing: " + p.toAbsolutePath()
          + " (set TALLREC_SHARED to the directory holding data/ and models/)";
      if ("1".equals(System.getenv("TALLREC_REQUIRE_SHARED"))) {
        Assertions.fail(msg + "; TALLREC_REQUIRE_SHARED=1 forbids skipping");
      }
      Assumptions.abort(msg);
    }
    return p;
  }
}
