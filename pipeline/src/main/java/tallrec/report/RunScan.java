package tallrec.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import tallrec.io.Fs;
import tallrec.io.Manifest;

/**
 * What a report finds below its {@code --run} directories (recursively, through the Hadoop
 * FileSystem API): stage manifests, tuning logs, {@code run.json} files and {@code scores}
 * datasets. Hidden and {@code _temporary} directories (staging, Spark task output) are skipped.
 * Unreadable JSON is skipped, not fatal: a report should describe whatever a run left.
 */
public final class RunScan {

  static final ObjectMapper JSON = new ObjectMapper();
  public static final String TRAIN_LOG = "train_log.jsonl";
  public static final String RUN_JSON = "run.json";

  /** A file found, with its path as shown in the report (the run argument + the relative part). */
  /** A file found: its path, as shown in the report (the run argument + the relative part), and a short name. */
  public record Found(Path path, String shown, String name) {}

  /** A parsed {@code _MANIFEST.json}: the directory it describes and its JSON. */
  public record ManifestFile(Path dir, String shown, JsonNode json) {
    public String stage() {
      return json.path("stage").asText("");
    }
  }

  public final List<ManifestFile> manifests = new ArrayList<>();
  public final List<Found> trainLogs = new ArrayList<>();
  public final List<Found> runJsons = new ArrayList<>();
  public final List<Found> scores = new ArrayList<>();
  public final List<String> skipped = new ArrayList<>();

  private RunScan() {}

  /** Scans each run directory, plus the directories of the metrics inputs (for their manifests). */
  public static RunScan of(List<String> runs, List<Path> metricsDirs, Configuration conf) {
    RunScan s = new RunScan();
    Set<String> seen = new TreeSet<>();
    for (Path m : metricsDirs) {
      for (Path dir : new Path[] {m, m.getParent()}) {
        if (dir != null) {
          Path f = new Path(dir, Manifest.FILE_NAME);
          if (Fs.exists(f, conf) && seen.add(Fs.of(f, conf).makeQualified(f).toString())) {
            s.addManifest(f, dir.toString(), conf);
          }
        }
      }
    }
    for (String run : runs) {
      Path root = new Path(run.replaceAll("(.)/+$", "$1"));
      FileSystem fs = Fs.of(root, conf);
      TreeMap<String, Path> files = new TreeMap<>();
      try {
        if (!fs.exists(root)) {
          throw new IllegalArgumentException("Run directory not found: " + run);
        }
        for (FileStatus f : Fs.filesUnder(root, conf)) {
          Path p = f.getPath();
          String rel = relative(fs.makeQualified(root), p);
          if (!hidden(rel)) {
            files.put(rel, p);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + run, e);
      }
      Set<String> scoreDirs = new TreeSet<>();
      TreeMap<String, Path> parquetDirs = new TreeMap<>(); // directories with Parquet files directly inside
      for (var e : files.entrySet()) {
        String rel = e.getKey();
        Path p = e.getValue();
        String shown = run.replaceAll("/+$", "") + "/" + rel;
        String shortName = (runs.size() > 1 ? root.getName() + "/" : "") + rel;
        String name = p.getName();
        if (name.equals(Manifest.FILE_NAME)) {
          if (seen.add(p.toString())) {
            s.addManifest(p, shown.replaceAll("/?" + Manifest.FILE_NAME + "$", ""), conf);
          }
        } else if (name.equals(TRAIN_LOG)) {
          s.trainLogs.add(new Found(p, shown, shortName));
        } else if (name.equals(RUN_JSON)) {
          s.runJsons.add(new Found(p, shown, shortName));
        } else if (name.endsWith(".parquet")) {
          parquetDirs.putIfAbsent(p.getParent().toString(), p.getParent());
          if (p.getParent().getName().equals("scores") && scoreDirs.add(p.getParent().toString())) {
            s.scores.add(new Found(p.getParent(), shown.substring(0, shown.lastIndexOf('/')), ""));
          }
        }
      }
      // scores datasets named otherwise: a score or baselines manifest beside Parquet files
      for (ManifestFile m : s.manifests) {
        Path dir = fs.makeQualified(m.dir());
        if ((m.stage().equals("score") || m.stage().equals("baselines")) && parquetDirs.containsKey(dir.toString())
            && scoreDirs.add(dir.toString())) {
          s.scores.add(new Found(dir, m.shown(), ""));
        }
      }
    }
    return s;
  }

  private void addManifest(Path file, String shown, Configuration conf) {
    try {
      manifests.add(new ManifestFile(file.getParent(), shown, JSON.readTree(Fs.readString(file, conf))));
    } catch (IOException | RuntimeException e) {
      skipped.add(shown + " (unreadable manifest)");
    }
  }

  static boolean hidden(String rel) {
    for (String part : rel.split("/")) {
      if (part.startsWith(".") || part.equals("_temporary")) {
        return true;
      }
    }
    return false;
  }

  static String relative(Path root, Path p) {
    String r = root.toUri().getPath().replaceAll("/+$", "");
    String x = p.toUri().getPath();
    return x.startsWith(r + "/") ? x.substring(r.length() + 1) : x;
  }
}
