package tallrec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' layering, as their package-info.java files state it: a package imports only
 * packages of lower layers, so no dependency runs upward (the one sanctioned exception: the
 * baseline families implement the {@code baselines} interface that the registry there resolves).
 * Read from the sources (imports and fully qualified names in code), so a new upward dependency
 * fails here with the file that introduced it.
 */
class PackageLayeringTest {

  /** Layer per package, bottom (0) to top. */
  static final Map<String, Integer> LAYER = Map.ofEntries(
      Map.entry("conf", 0), Map.entry("io", 0), Map.entry("spark", 0), Map.entry("text", 0), Map.entry("synth", 0),
      Map.entry("llm", 1), Map.entry("data", 1),
      Map.entry("lora", 2), Map.entry("prompt", 2), Map.entry("eval", 2),
      Map.entry("dataset", 3), Map.entry("score", 3), Map.entry("train", 3),
      Map.entry("baselines", 4), Map.entry("baselines.sequential", 4), Map.entry("baselines.text", 4),
      Map.entry("report", 4),
      Map.entry("experiment", 5));

  private static final Set<String> BASELINE_FAMILY = Set.of("baselines", "baselines.sequential", "baselines.text");

  private static final Pattern REFERENCE =
      Pattern.compile("(?m)^import (?:static )?tallrec\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]|(?<![\\w.{@ ])tallrec\\.([a-z]+(?:\\.[a-z]+)*)\\.[A-Z]");

  @Test
  void noPackageImportsALayerAboveOrBesideIt() throws IOException {
    Path root = Path.of("src/main/java/tallrec");
    List<String> violations = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
        seen.add(pkg);
        Integer mine = LAYER.get(pkg);
        assertTrue(mine != null, "package tallrec." + pkg + " has no layer: add it to LAYER and write its package-info.java");
        // Javadoc and comments may name anything; code may not.
        String code = Files.readString(f, StandardCharsets.UTF_8).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
          String target = m.group(1) != null ? m.group(1) : m.group(2);
          if (target.equals(pkg)) {
            continue;
          }
          Integer theirs = LAYER.get(target);
          boolean family = BASELINE_FAMILY.contains(pkg) && BASELINE_FAMILY.contains(target);
          if (theirs == null || (theirs >= mine && !family)) {
            violations.add(f + ": tallrec." + pkg + " (layer " + mine + ") uses tallrec." + target + " (layer " + theirs + ")");
          }
        }
      }
    }
    assertEquals(List.of(), violations);
    assertEquals(new TreeSet<>(LAYER.keySet()), seen, "every package in LAYER exists");
    for (String pkg : seen) {
      assertTrue(Files.isRegularFile(root.resolve(pkg.replace('.', '/')).resolve("package-info.java")),
          "tallrec." + pkg + " has no package-info.java saying what it owns and may import");
    }
  }
}
