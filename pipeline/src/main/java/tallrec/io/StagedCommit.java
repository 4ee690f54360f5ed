package tallrec.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
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

  /** Starts staging outputs that will land under {@code target} (a dataset directory). */
  public static StagedCommit begin(Configuration conf, Path target, String stage) {
    // Qualified, so a bare relative name ("out") still has a parent to stage beside.
    target = Fs.of(target, conf).makeQualified(target);
    Path parent = target.getParent() == null ? target : target.getParent();
    Path staging = new Path(parent,
        "." + target.getName() + "." + stage + "-staging-" + UUID.randomUUID());
    return new StagedCommit(conf, target, staging);
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

  /** The final path of output {@code name}. */
  public Path finalPath(String name) {
    return new Path(target, name);
  }

  /**
   * Moves every staged output into place (replacing an older version) and writes the manifest
   * into each output that is a directory (file outputs, like JSON exports, carry none).
   */
  public void commit(Manifest manifest) {
    FileSystem fs = Fs.of(target, conf);
    try {
      fs.mkdirs(target);
      for (String name : outputs) {
        Path from = new Path(staging, name);
        if (!fs.exists(from)) {
          throw new IllegalStateException("stage declared output '" + name + "' but wrote nothing");
        }
        if (fs.getFileStatus(from).isDirectory()) {
          manifest.write(from, conf);
        }
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
