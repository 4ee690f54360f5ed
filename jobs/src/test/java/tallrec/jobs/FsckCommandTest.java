package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/** {@code tallrec fsck DIR}: complete, incomplete and orphan outputs, and --fix. */
class FsckCommandTest {

  @TempDir Path tmp;

  @Test
  void listsEachOutputsStateAndRemovesOrphans() throws Exception {
    Configuration conf = new Configuration();
    org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path(tmp.resolve("run/data/movie").toString());
    try (StagedCommit c = StagedCommit.begin(conf, data, "ingest")) {
      for (String name : List.of("interactions", "items")) {
        org.apache.hadoop.fs.FileSystem.getLocal(conf).mkdirs(c.staging(name));
      }
      c.commit(new Manifest("ingest").config("{}"));
    }
    Path orphan = Files.createDirectories(tmp.resolve("run/data/.movie.ingest-staging-1000-dead/items"));
    Path run = tmp.resolve("run");

    CliRun clean = CliRun.of("fsck", run.toString());
    assertEquals(1, clean.rc(), clean.out());
    assertTrue(clean.out().contains("2 outputs: 2 complete, 0 incomplete, 0 stale, 1 orphan staging directory"
        + " (--fix removes them)"), clean.out());
    assertTrue(clean.out().matches("(?s).*orphan +\\S+\\.movie\\.ingest-staging-1000-dead  staging directory of"
        + " stage ingest for \\S+/data/movie .*"), clean.out());

    // A kill between the renames: items from an older commit is gone.
    Files.move(tmp.resolve("run/data/movie/items"), tmp.resolve("items-aside"));
    CliRun fixed = CliRun.of("fsck", "--fix", run.toString());
    assertEquals(1, fixed.rc(), fixed.out());
    assertTrue(fixed.out().matches("(?s).*incomplete \\S+/data/movie/interactions  \\S+/data/movie/items \\(committed"
        + " with interactions\\) is missing.*"), fixed.out());
    assertTrue(fixed.out().contains("(1 removed)"), fixed.out());
    assertFalse(Files.exists(orphan.getParent()));

    Files.move(tmp.resolve("items-aside"), tmp.resolve("run/data/movie/items"));
    CliRun ok = CliRun.of("fsck", run.toString());
    assertEquals(0, ok.rc(), ok.out());
    assertTrue(ok.out().contains("2 outputs: 2 complete, 0 incomplete, 0 stale, 0 orphan staging directories"),
        ok.out());

    // A later stage's output made from data/movie/interactions, which is then re-made: stale.
    org.apache.hadoop.fs.Path samples = new org.apache.hadoop.fs.Path(tmp.resolve("run/data/samples").toString());
    org.apache.hadoop.fs.Path interactions = new org.apache.hadoop.fs.Path(data, "interactions");
    try (StagedCommit c = StagedCommit.begin(conf, samples.getParent(), "instructions")) {
      org.apache.hadoop.fs.FileSystem.getLocal(conf).mkdirs(c.staging("samples"));
      c.commit(new Manifest("instructions").config("{}").inputDataset("interactions", interactions, conf));
    }
    assertEquals(0, CliRun.of("fsck", run.toString()).rc());
    try (StagedCommit c = StagedCommit.begin(conf, data, "ingest")) {
      for (String name : List.of("interactions", "items")) {
        org.apache.hadoop.fs.FileSystem.getLocal(conf).mkdirs(c.staging(name));
      }
      c.commit(new Manifest("ingest").config("{\"changed\":1}"));
    }
    CliRun stale = CliRun.of("fsck", run.toString());
    assertEquals(1, stale.rc(), stale.out());
    assertTrue(stale.out().matches("(?s).*stale +\\S+/data/samples  stage instructions, created \\S+, but its input"
        + " \\S+/data/movie/interactions has changed since.*"), stale.out());
    assertTrue(stale.out().contains("3 outputs: 2 complete, 0 incomplete, 1 stale"), stale.out());
  }
}
