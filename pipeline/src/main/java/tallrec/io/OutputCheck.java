package tallrec.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a run directory holds, stage output by stage output ({@code tallrec fsck DIR}): each
 * directory with a {@code _MANIFEST.json} is {@code complete}; {@code incomplete} when an output
 * committed with it is missing or from another commit (a kill between renames); {@code stale} when
 * an input it records has changed since (an upstream output re-made, a raw file edited). Each
 * staging directory a killed attempt left is an {@code orphan}, which {@link #removeOrphans} deletes.
 */
public final class OutputCheck {

  /** Staging directories: {@code .TARGET.STAGE-staging-…} (StagedCommit) and {@code .TARGET.staging-…} (older builds). */
  private static final Pattern STAGING = Pattern.compile("^\\.(.+?)\\.(?:([A-Za-z0-9_-]+)-)?staging-(.*)$");

  /** One finding. */
  public record Entry(String state, Path path, String detail) {}

  private final Configuration conf;
  private final List<Entry> entries = new ArrayList<>();

  private OutputCheck(Configuration conf) {
    this.conf = conf;
  }

  /** Walks {@code dir}; staging directories are not entered, Spark's {@code _temporary} neither. */
  public static List<Entry> scan(Path dir, Configuration conf) {
    FileSystem fs = Fs.of(dir, conf);
    try {
      if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
        throw new IllegalArgumentException("not a directory: " + dir);
      }
      OutputCheck c = new OutputCheck(conf);
      c.walk(fs, fs.makeQualified(dir));
      return c.entries;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + dir, e);
    }
  }

  private void walk(FileSystem fs, Path dir) throws IOException {
    for (FileStatus st : fs.listStatus(dir)) {
      if (!st.isDirectory()) {
        continue;
      }
      Path p = st.getPath();
      String name = p.getName();
      Matcher m = STAGING.matcher(name);
      if (m.matches()) {
        entries.add(new Entry("orphan", p, "staging directory of " + (m.group(2) == null ? "a stage" : "stage "
            + m.group(2)) + " for " + new Path(dir, m.group(1)) + " (a killed or failed attempt)"));
        continue;
      }
      if (name.equals("_temporary")) {
        continue;
      }
      if (fs.exists(new Path(p, Manifest.FILE_NAME))) {
        String why = StagedCommit.incomplete(p, conf);
        Manifest mf = Manifest.readIfPresent(p, conf);
        if (why != null) {
          entries.add(new Entry("incomplete", p, why));
        } else {
          List<String> unseen = new ArrayList<>();
          String changed = changedInput(mf, unseen);
          String made = "stage " + mf.stage() + ", created " + mf.createdAt();
          String note = unseen.isEmpty() ? "" : "; not found from here, so not checked: " + String.join(", ", unseen);
          entries.add(changed == null ? new Entry("complete", p, made + note)
              : new Entry("stale", p, made + ", but " + changed + note));
        }
        continue; // a stage output: its insides are the stage's own
      }
      walk(fs, p);
    }
  }

  /**
   * The first input recorded in {@code m} that is no longer what the output was made from (an
   * upstream output's manifest or a raw file's SHA-256), or null; inputs not found (a relative path
   * from another working directory) go to {@code unseen}.
   */
  private String changedInput(Manifest m, List<String> unseen) {
    for (Map.Entry<String, String> in : m.inputs().entrySet()) {
      String key = in.getKey();
      Path path = new Path(key.substring(key.indexOf(' ') + 1));
      String recorded = in.getValue();
      if (!Fs.exists(path, conf)) {
        unseen.add(path.toString());
        continue;
      }
      if (recorded.startsWith("manifest:")) {
        Manifest now = Manifest.readIfPresent(path, conf);
        if (now == null || !recorded.equals("manifest:" + now.fingerprint())) {
          return "its input " + path + " has changed since (a newer output of an earlier stage)";
        }
      } else if (recorded.startsWith("sha256:")) {
        if (!recorded.equals("sha256:" + Fs.sha256(path, conf))) {
          return "its input file " + path + " has changed since (SHA-256 differs)";
        }
      }
    }
    return null;
  }

  /** Deletes the orphan staging directories among {@code entries}; returns how many went. */
  public static int removeOrphans(List<Entry> entries, Configuration conf) {
    int n = 0;
    for (Entry e : entries) {
      if (e.state().equals("orphan")) {
        Fs.deleteRecursively(e.path(), conf);
        n++;
      }
    }
    return n;
  }
}
