package tallrec.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/** The skip / --from / --force / resume rules of a run, on two chained steps that write real manifests. */
class ExperimentRunnerTest {

  @TempDir java.nio.file.Path tmp;
  final Configuration conf = new Configuration();
  final List<String> ran = new ArrayList<>();

  /** ingest-like step A writes a/out; B reads it and writes b/out. */
  List<Step> steps(String settingsA, boolean failB) {
    Path a = new Path(tmp.resolve("a").toString());
    Path b = new Path(tmp.resolve("b").toString());
    return List.of(
        new Step(Stage.INGEST, "A", a, settingsA, List.of(), List.of(), cfg -> write(a, "A", cfg)),
        new Step(Stage.SCORE, "B", b, "{\"b\":1}", List.of(a), List.of(), cfg -> {
          if (failB) {
            throw new IllegalStateException("boom");
          }
          write(b, "B", cfg);
        }));
  }

  void write(Path dir, String name, String cfg) {
    ran.add(name);
    try (StagedCommit c = StagedCommit.begin(conf, dir.getParent(), "test")) {
      Path staged = c.staging(dir.getName());
      org.apache.hadoop.fs.FileSystem.getLocal(conf).mkdirs(staged);
      c.commit(new Manifest("test").config(cfg).rows("rows", 1));
    } catch (java.io.IOException e) {
      throw new RuntimeException(e);
    }
  }

  ExperimentRunner.Outcome run(List<Step> steps, ExperimentRunner.Options opt) {
    ran.clear();
    return new ExperimentRunner(conf, new Path(tmp.toString()), "t", "none")
        .run(steps, opt, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  @Test
  void aSecondRunSkipsWhatIsUpToDateAndAChangeRerunsItsDownstream() throws Exception {
    run(steps("{\"a\":1}", false), ExperimentRunner.Options.defaults());
    assertEquals(List.of("A", "B"), ran);

    ExperimentRunner.Outcome again = run(steps("{\"a\":1}", false), ExperimentRunner.Options.defaults());
    assertEquals(List.of(), ran);
    assertEquals(2, again.count("skipped"));

    // A setting of A changed: A re-runs, and B because its input's fingerprint changed.
    run(steps("{\"a\":2}", false), ExperimentRunner.Options.defaults());
    assertEquals(List.of("A", "B"), ran);
    String runJson = Files.readString(tmp.resolve(ExperimentRunner.RUN_FILE));
    assertTrue(runJson.contains("\"status\" : \"ran\""), runJson);
  }

  @Test
  void fromAndForceOverrideUpToDateStages() {
    run(steps("{\"a\":1}", false), ExperimentRunner.Options.defaults());
    run(steps("{\"a\":1}", false), new ExperimentRunner.Options(Stage.SCORE, false, false));
    assertEquals(List.of("B"), ran);
    run(steps("{\"a\":1}", false), new ExperimentRunner.Options(null, true, false));
    assertEquals(List.of("A", "B"), ran);
  }

  @Test
  void aFailedStageLeavesNoOutputAndTheNextRunResumesThere() throws Exception {
    ExperimentRunner.StepFailed e = assertThrows(ExperimentRunner.StepFailed.class,
        () -> run(steps("{\"a\":1}", true), ExperimentRunner.Options.defaults()));
    assertTrue(e.getMessage().contains("stage score (B) failed: boom"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("b")));
    assertTrue(Files.readString(tmp.resolve(ExperimentRunner.RUN_FILE)).contains("\"status\" : \"failed\""));

    run(steps("{\"a\":1}", false), ExperimentRunner.Options.defaults());
    assertEquals(List.of("B"), ran);
    // Skipped stages keep the wall time of the run that made them, for the report.
    assertTrue(Files.readString(tmp.resolve(ExperimentRunner.RUN_FILE)).contains("seconds_when_run"));
  }

  @Test
  void aDryRunRunsNothingAndMarksDownstreamOfAChange() {
    run(steps("{\"a\":1}", false), ExperimentRunner.Options.defaults());
    ExperimentRunner.Outcome dry = run(steps("{\"a\":2}", false), new ExperimentRunner.Options(null, false, true));
    assertEquals(List.of(), ran);
    assertEquals(2, dry.count("would-run"));
  }
}
