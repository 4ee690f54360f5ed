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

  /** One step, ingest-like, committing two outputs at once: m/main (its output) and m/side. */
  List<Step> twoOutputs() {
    Path main = new Path(tmp.resolve("m/main").toString());
    return List.of(new Step(Stage.INGEST, "M", main, "{}", List.of(), List.of(), cfg -> {
      ran.add("M");
      try (StagedCommit c = StagedCommit.begin(conf, main.getParent(), "test")) {
        for (String name : List.of("main", "side")) {
          org.apache.hadoop.fs.FileSystem.getLocal(conf).mkdirs(c.staging(name));
        }
        c.commit(new Manifest("test").config(cfg));
      } catch (java.io.IOException e) {
        throw new RuntimeException(e);
      }
    }));
  }

  /**
   * A kill between a multi-output stage's renames (one output missing, or left from an older
   * commit) makes the stage out of date, with the reason, however current its main output is.
   */
  @Test
  void aStageIsUpToDateOnlyWhenEveryOutputIsFromTheSameCommit() throws Exception {
    run(twoOutputs(), ExperimentRunner.Options.defaults());
    java.nio.file.Path side = tmp.resolve("m/side");
    java.nio.file.Path older = tmp.resolve("older-side");
    Files.move(side, older);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ExperimentRunner.Outcome dry = new ExperimentRunner(conf, new Path(tmp.toString()), "t", "none").run(twoOutputs(),
        new ExperimentRunner.Options(null, false, true), new PrintStream(log, true, StandardCharsets.UTF_8));
    assertEquals(1, dry.count("would-run"));
    assertTrue(log.toString().contains("would run (incomplete: " + side + " (committed with main) is missing"),
        log.toString());

    run(twoOutputs(), ExperimentRunner.Options.defaults());
    assertEquals(List.of("M"), ran);
    // Now the old side output comes back in place of the new one: a different commit.
    try (java.util.stream.Stream<java.nio.file.Path> files = Files.walk(side)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Files.move(older, side);
    run(twoOutputs(), ExperimentRunner.Options.defaults());
    assertEquals(List.of("M"), ran);
    run(twoOutputs(), ExperimentRunner.Options.defaults());
    assertEquals(List.of(), ran);
  }

  /**
   * A stage starting removes the staging directories that killed attempts of it left at its
   * target; another stage's, and one begun after this attempt started (a concurrent writer), stay.
   */
  @Test
  void aStageRemovesItsOwnStaleStagingDirectories() throws Exception {
    // twoOutputs() commits into tmp/m as stage "test": its staging directories are tmp/.m.test-staging-*.
    java.nio.file.Path killed = Files.createDirectories(tmp.resolve(".m.test-staging-1000-dead/main"));
    java.nio.file.Path oldFormat = Files.createDirectories(tmp.resolve(".m.test-staging-" + java.util.UUID
        .randomUUID()));
    Files.setLastModifiedTime(oldFormat, java.nio.file.attribute.FileTime.fromMillis(1000));
    java.nio.file.Path other = Files.createDirectories(tmp.resolve(".m.score-staging-1000-x"));
    java.nio.file.Path otherTarget = Files.createDirectories(tmp.resolve(".n.test-staging-1000-x"));
    java.nio.file.Path later = Files.createDirectories(tmp.resolve(".m.test-staging-" + (System.currentTimeMillis()
        + 3_600_000) + "-live"));
    run(twoOutputs(), ExperimentRunner.Options.defaults());
    assertEquals(List.of("M"), ran);
    assertFalse(Files.exists(killed.getParent()));
    assertFalse(Files.exists(oldFormat));
    assertTrue(Files.exists(other));
    assertTrue(Files.exists(otherTarget));
    assertTrue(Files.exists(later));
  }

  /** --force and --from tell a resumable step (a tuning with a checkpoint) to start over. */
  @Test
  void aForcedStepIsToldSo() {
    List<Boolean> forced = new ArrayList<>();
    Path out = new Path(tmp.resolve("t/out").toString());
    List<Step> steps = List.of(new Step(Stage.TUNE, "T", out, "{}", List.of(), List.of(),
        Step.Body.resumable((cfg, f) -> {
          forced.add(f);
          write(out, "T", cfg);
        })));
    run(steps, ExperimentRunner.Options.defaults());
    run(steps, new ExperimentRunner.Options(null, true, false));
    run(steps, new ExperimentRunner.Options(Stage.TUNE, false, false));
    assertEquals(List.of(false, true, true), forced);
  }

  /** A file where a stage's output directory goes fails when the stage begins, naming it. */
  @Test
  void anOutputThatIsAFileFailsBeforeTheWork() throws Exception {
    java.nio.file.Path file = Files.writeString(tmp.resolve("m"), "not a directory");
    ExperimentRunner.StepFailed e = assertThrows(ExperimentRunner.StepFailed.class,
        () -> run(twoOutputs(), ExperimentRunner.Options.defaults()));
    assertTrue(e.getCause().getMessage().startsWith("output file:" + file + " is a file, not a directory"),
        e.getCause().getMessage());
    assertEquals(List.of("M"), ran);
    assertEquals("not a directory", Files.readString(file));
  }
}
