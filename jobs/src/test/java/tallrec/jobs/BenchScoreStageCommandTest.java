package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

/** {@code tallrec bench score-stage}: the score stage round by round, beside its tasks' work without Spark. */
class BenchScoreStageCommandTest {

  @TempDir Path tmp;

  @Test
  void timesEachRoundOfTheStageBesideTheSamePromptsScoredWithoutSpark() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    String data = TuneCommandTest.recJson(tmp, "test.json", 24, 0).toString();
    Set<String> before = roundDirs();
    CliRun r = CliRun.of("bench", "score-stage", "--model", model, "--data", data, "--rounds", "2",
        "--batch-size", "8", "--master", "local[2]");
    assertEquals(0, r.rc(), r.err());
    // The tests' JVM shares one Spark session, whose master the first test set: any number of cores.
    assertTrue(Pattern.compile("Spark local\\[[^\\]]+\\], (\\d) scoring tasks?, \\1 at a time, 1 torch thread each")
        .matcher(r.out()).find(), r.out());
    Matcher m = Pattern.compile("round (\\d): 24 prompts, stage ([\\d.]+) s = ([\\d.]+) prompts/s \\| tokenized and"
        + " scored without Spark ([\\d.]+) s = ([\\d.]+) prompts/s \\| stage at ([\\d.]+)x that rate").matcher(r.out());
    int rounds = 0;
    while (m.find()) {
      rounds++;
      assertEquals(rounds, Integer.parseInt(m.group(1)), r.out());
      for (int g = 2; g <= 6; g++) {
        assertTrue(Double.parseDouble(m.group(g)) > 0, r.out());
      }
      // The stage's rate is the prompts over its seconds, which are printed to the hundredth.
      double seconds = Double.parseDouble(m.group(2));
      double rate = Double.parseDouble(m.group(3));
      assertTrue(rate >= 24 / (seconds + 0.005) - 0.05, r.out());
      assertTrue(seconds < 0.01 || rate <= 24 / (seconds - 0.005) + 0.05, r.out());
    }
    assertEquals(2, rounds, r.out());
    assertTrue(r.out().contains("rounds 2-2, best: stage "), r.out());
    assertEquals(before, roundDirs(), "each round's scores and the bench's directory are deleted");
  }

  @Test
  void aSingleRoundIsRefusedInOneLine() {
    CliRun r = CliRun.of("bench", "score-stage", "--model", "m", "--data", "d", "--rounds", "1", "--master", "local[1]");
    assertEquals(1, r.rc());
    assertTrue(r.err().contains("--rounds must be at least 2 (the first is a fresh JVM's), got 1"), r.err());
  }

  private static Set<String> roundDirs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("tallrec-bench-score-stage"))
          .collect(Collectors.toSet());
    }
  }
}
