package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.LocalSpark;
import tallrec.testing.SharedData;

/** The dataset commands through the CLI: exit codes, messages, printed counts. */
class DataCommandsTest {

  @TempDir static Path tmp;

  @org.junit.jupiter.api.BeforeAll
  static void spark() {
    LocalSpark.get(); // the tests' session (local[2], few shuffle partitions); commands reuse it
  }




  @Test
  void ingestMovieLens() {
    Path ml = SharedData.require("data/ml-100k");
    Path out = tmp.resolve("ml");
    CliRun r = CliRun.of("ingest", "--source", "movielens100k", "--input", ml.toString(), "--out", out.toString());
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().contains("interactions/  100,000 rows"), r.out());
    assertTrue(r.out().contains("items/         1,682 rows (0 recovered from split fields)"), r.out());
    assertTrue(r.out().contains("rejects/       0 rows"), r.out());
    assertTrue(Files.exists(out.resolve("interactions/_MANIFEST.json")));
  }

  @Test
  void ingestOfAMissingFileFailsWithTheMessageOnStderr() {
    Path nowhere = tmp.resolve("nowhere");
    CliRun r = CliRun.of("ingest", "--source", "movielens100k", "--input", nowhere.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(1, r.rc());
    assertEquals("tallrec ingest: Ratings file not found: " + nowhere.resolve("u.data"), r.errorLine());
    assertFalse(Files.exists(tmp.resolve("x")));

    CliRun usage = CliRun.of("ingest", "--input", nowhere.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(2, usage.rc());
    assertTrue(usage.err().contains("Missing required option: '--source=<source>'"), usage.err());

    CliRun source = CliRun.of("ingest", "--source", "netflix", "--input", nowhere.toString(), "--out", tmp.resolve("x").toString());
    assertEquals(1, source.rc());
    assertEquals("tallrec ingest: Unknown --source 'netflix'; expected one of [movielens100k, bookcrossing, csv]",
        source.errorLine());
  }

  @Test
  void synthIngestThenInstructionsThroughTheCli() throws Exception {
    Path work = tmp.resolve("demo");
    CliRun synth = CliRun.of("synth", "--out", work.resolve("raw").toString(), "--ratings", "3000");
    assertEquals(0, synth.rc(), synth.err());
    CliRun ingest = CliRun.of("ingest", "--source", "movielens100k", "--input", work.resolve("raw").toString(),
        "--out", work.resolve("dataset").toString());
    assertEquals(0, ingest.rc(), ingest.err());
    assertTrue(ingest.out().contains("interactions/  3,000 rows"), ingest.out());

    // instructions on the demo's dataset, elsewhere, in tallrec mode with --set overrides.
    Path out = tmp.resolve("instr");
    CliRun instr = CliRun.of("instructions", "--in", work.resolve("dataset").toString(), "--out", out.toString(),
        "--mode", "tallrec", "--set", "instructions.kshot.k=[4]", "--set", "instructions.kshot.seeds=[0]",
        "--set", "instructions.tallrec.keep-last=500", "--export-json", tmp.resolve("json").toString());
    assertEquals(0, instr.rc(), instr.err());
    assertTrue(instr.out().contains("instructions (tallrec mode, domain movie)"), instr.out());
    assertTrue(instr.out().contains("samples/  train 400, valid 50, test 50"), instr.out());
    assertTrue(instr.out().contains("kshot/    4 rows"), instr.out());
    assertEquals(50, new ObjectMapper().readTree(Files.readString(tmp.resolve("json/test.json"))).size());

    // A K larger than the train split: exit 1, the message, nothing written.
    Path bad = tmp.resolve("bad");
    CliRun tooBig = CliRun.of("instructions", "--in", work.resolve("dataset").toString(), "--out", bad.toString(),
        "--mode", "tallrec", "--set", "instructions.tallrec.keep-last=500", "--set", "instructions.kshot.k=[401]");
    assertEquals(1, tooBig.rc());
    assertEquals("tallrec instructions: K = 401 exceeds the 400 training samples; lower instructions.kshot.k",
        tooBig.errorLine());
    assertFalse(Files.exists(bad));

    CliRun noDomain = CliRun.of("instructions", "--in", tmp.resolve("nothing").toString());
    assertEquals(1, noDomain.rc());
    assertEquals("tallrec instructions: No domain recorded in " + tmp.resolve("nothing")
        + "/interactions/_MANIFEST.json: pass --domain movie|book|...", noDomain.errorLine());
  }
}
