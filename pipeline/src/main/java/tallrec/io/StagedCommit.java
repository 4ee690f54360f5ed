package tallrec.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes a stage's outputs into a hidden staging directory beside the target and renames them
 * into place only when the whole stage succeeded, so a failed or killed job never leaves a
 * partial output where readers (or the next stage) would find it.
 *
 * <p>Usage: {@code try (StagedCommit c = StagedCommit.begin(...)) { write to c.staging("x"); ...;
 * c.commit(manifest); }} — closing without commit deletes the staging directory. Each output
 * is swapped in with one rename (atomic on HDFS and local file systems; on S3A a rename is a copy,
 * which is why the staging directory, not the target, receives Spark's task output).
 */
public final class StagedCommit implements AutoCloseable {

  /** Manifest property: the directory outputs committed together, comma-separated. */
  public static final String OUTPUTS = "outputs";

  private final Configuration conf;
  private final Path target;
  private final Path staging;
  private final List<String> outputs = new ArrayList<>();
  private boolean committed;

  private StagedCommit(Configuration conf, Path target, Path staging) {
    this.conf = conf;
    this.target = target;
    this.staging = staging;
  }

  /**
   * Starts staging outputs that will land under {@code target} (a dataset directory), after
   * removing what killed attempts of this stage at this target left: their staging directories
   * ({@code .TARGET.STAGE-staging-<start millis>-<uuid>}) that began before this attempt. Another
   * stage's, another target's, and any begun since this attempt (a concurrent writer's) stay.
   */
  public static StagedCommit begin(Configuration conf, Path target, String stage) {
    // Qualified, so a bare relative name ("out") still has a parent to stage beside.
    target = Fs.of(target, conf).makeQualified(target);
    // Checked here, before the stage's work: a file where the output directory goes would only
    // fail the final rename, after the whole job.
    try {
      FileSystem fs = Fs.of(target, conf);
      if (fs.exists(target) && !fs.getFileStatus(target).isDirectory()) {
        throw new IllegalArgumentException("output " + target + " is a file, not a directory: give another --out"
            + " or remove it");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check output " + target, e);
    }
    Path parent = target.getParent() == null ? target : target.getParent();
    String prefix = stagingPrefix(target.getName(), stage);
    long start = System.currentTimeMillis();
    removeStale(conf, parent, prefix, start);
    Path staging = new Path(parent, prefix + start + "-" + UUID.randomUUID());
    return new StagedCommit(conf, target, staging);
  }

  /**
   * The name every staging directory of {@code stage} for {@code targetName} starts with (then the
   * attempt's start millis and a uuid); {@link #removeStale} and {@code fsck} go by it.
   */
  public static String stagingPrefix(String targetName, String stage) {
    return "." + targetName + "." + stage + "-staging-";
  }

  /**
   * Deletes {@code parent/prefix*} directories begun before {@code start}: by the time in their
   * name, or (names of older builds, a bare uuid) by their modification time.
   */
  public static List<Path> removeStale(Configuration conf, Path parent, String prefix, long start) {
    List<Path> removed = new ArrayList<>();
    FileSystem fs = Fs.of(parent, conf);
    try {
      if (!fs.exists(parent)) {
        return removed;
      }
      for (FileStatus st : fs.listStatus(parent, p -> p.getName().startsWith(prefix))) {
        String rest = st.getPath().getName().substring(prefix.length());
        int dash = rest.indexOf('-');
        long begun;
        try {
          begun = dash > 0 ? Long.parseLong(rest.substring(0, dash)) : st.getModificationTime();
        } catch (NumberFormatException uuidOnly) {
          begun = st.getModificationTime();
        }
        if (begun < start && fs.delete(st.getPath(), true)) {
          removed.add(st.getPath());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + parent + " for stale staging directories", e);
    }
    return removed;
  }

  /** Where to write output {@code name}; it will become {@code target/name}. */
  public Path staging(String name) {
    if (!outputs.contains(name)) {
      outputs.add(name);
    }
    return new Path(staging, name);
  }

  /** The staging directory itself (created), for stages that write several files into it. */
  public Path stagingDir() {
    try {
      Fs.of(staging, conf).mkdirs(staging);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + staging, e);
    }
    return staging;
  }

  public Path target() {
    return target;
  }

  /**
   * Moves every staged output into place (replacing an older version) and writes the manifest
   * into each output that is a directory (file outputs, like JSON exports, carry none). The
   * manifest lists the directory outputs ({@link #OUTPUTS}), so that a reader can tell a whole
   * commit from one a kill cut between two renames: every listed sibling carries the same manifest.
   */
  public void commit(Manifest manifest) {
    FileSystem fs = Fs.of(target, conf);
    try {
      fs.mkdirs(target);
      List<String> dirs = new ArrayList<>();
      for (String name : outputs) {
        Path from = new Path(staging, name);
        if (!fs.exists(from)) {
          throw new IllegalStateException("stage declared output '" + name + "' but wrote nothing");
        }
        if (fs.getFileStatus(from).isDirectory()) {
          dirs.add(name);
        }
      }
      manifest.property(OUTPUTS, String.join(",", dirs));
      for (String name : dirs) {
        manifest.write(new Path(staging, name), conf);
      }
      for (String name : outputs) {
        Path to = new Path(target, name);
        Path old = null;
        if (fs.exists(to)) {
          old = new Path(staging, "_replaced-" + name);
          rename(fs, to, old);
        }
        rename(fs, new Path(staging, name), to);
        if (old != null) {
          fs.delete(old, true);
        }
      }
      fs.delete(staging, true);
      committed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot commit outputs into " + target, e);
    }
  }

  /**
   * Why the output in {@code dir} is not a whole commit, or null when it is: each output listed
   * in its manifest must be there beside it with the same manifest (same fingerprint and time).
   */
  public static String incomplete(Path dir, Configuration conf) {
    Manifest m = Manifest.readIfPresent(dir, conf);
    if (m == null) {
      return dir + " has no " + Manifest.FILE_NAME;
    }
    String listed = m.property(OUTPUTS);
    List<String> names = listed == null || listed.isEmpty() ? List.of() : List.of(listed.split(","));
    if (!names.contains(dir.getName()) || dir.getParent() == null) {
      return null; // not a StagedCommit output with siblings
    }
    for (String name : names) {
      Path sibling = new Path(dir.getParent(), name);
      Manifest other = Manifest.readIfPresent(sibling, conf);
      if (other == null) {
        return sibling + " (committed with " + dir.getName() + ") is missing or has no " + Manifest.FILE_NAME;
      }
      if (!other.fingerprint().equals(m.fingerprint()) || !other.createdAt().equals(m.createdAt())) {
        return sibling + " is from another commit than " + dir.getName();
      }
    }
    return null;
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (to.getParent() != null) {
      fs.mkdirs(to.getParent());
    }
    if (!fs.rename(from, to)) {
      throw new IOException("rename failed: " + from + " -> " + to);
    }
  }

  /** Aborts unless committed: the staging directory and everything in it is removed. */
  @Override
  public void close() {
    if (!committed) {
      Fs.deleteRecursively(staging, conf);
    }
  }
}
