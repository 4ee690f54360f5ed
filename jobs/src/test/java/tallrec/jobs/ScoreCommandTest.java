package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

/**
 * {@code score} on inputs it cannot score as they are: prompts too long for score.max-prompt-tokens
 * (fail in one line naming the sample, or skip them, listed in the manifest) and an empty input.
 */
class ScoreCommandTest {

  @TempDir Path tmp;

  @Test
  void tooLongPromptsFailInOneLineOrAreSkippedAndListed() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    String data = TuneCommandTest.recJson(tmp, "samples.json", 3, 0).toString();
    Path failed = tmp.resolve("failed");
    CliRun fail = CliRun.of("score", "--model", model, "--data", data, "--out", failed.toString(),
        "--set", "score.max-prompt-tokens=40", "--master", "local[1]");
    assertEquals(1, fail.rc(), fail.err());
    assertTrue(fail.errorLine().matches("tallrec score: sample \\S+: prompt has \\d+ tokens even with all 0 history"
        + " items dropped; the limit is 40 \\(score.on-too-long = truncate-input or skip lets the stage go on\\)"),
        fail.errorLine());
    assertFalse(Files.exists(failed));

    Path skipped = tmp.resolve("skipped");
    CliRun skip = CliRun.of("score", "--model", model, "--data", data, "--out", skipped.toString(),
        "--set", "score.max-prompt-tokens=40", "--on-too-long", "skip", "--master", "local[1]");
    assertEquals(0, skip.rc(), skip.err());
    assertTrue(skip.out().contains("skipped as too long: 3 (listed in the manifest)"), skip.out());
    String manifest = Files.readString(skipped.resolve("_MANIFEST.json"));
    assertTrue(manifest.contains("\"skipped_too_long\" : 3"), manifest);

    CliRun bad = CliRun.of("score", "--model", model, "--data", data, "--out", tmp.resolve("x").toString(),
        "--on-too-long", "drop", "--master", "local[1]");
    assertEquals(1, bad.rc());
    assertTrue(bad.errorLine().contains("score.on-too-long"), bad.errorLine());
  }

  @Test
  void anEmptyInputIsAnErrorUnlessAllowed() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    Path empty = Files.writeString(tmp.resolve("empty.json"), "[]");
    CliRun refused = CliRun.of("score", "--model", model, "--data", empty.toString(), "--out",
        tmp.resolve("a").toString(), "--master", "local[1]");
    assertEquals(1, refused.rc(), refused.err());
    assertTrue(refused.errorLine().contains("no samples to score in " + empty), refused.errorLine());
    assertFalse(Files.exists(tmp.resolve("a")), "nothing is published for a refused input");
    CliRun allowed = CliRun.of("score", "--model", model, "--data", empty.toString(), "--out",
        tmp.resolve("b").toString(), "--allow-empty", "--master", "local[1]");
    assertEquals(0, allowed.rc(), allowed.err());
    assertTrue(Files.exists(tmp.resolve("b/_MANIFEST.json")));
  }
}
