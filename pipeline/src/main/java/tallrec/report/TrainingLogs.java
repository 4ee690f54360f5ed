package tallrec.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import tallrec.io.Fs;
import tallrec.io.Manifest;

/**
 * Training curves from the tuning logs ({@code train_log.jsonl}, one JSON object per optimizer step:
 * step, loss, and on validation steps {@code valid_auc} or {@code valid_loss}). Runs that differ only
 * in their seed ({@code seed=N} in the path) share one chart; a log copied beside its adapter and
 * left in the work directory is shown once.
 */
public final class TrainingLogs {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One parsed log. */
  record Log(String name, String group, String seedLabel, String stage, double[] steps, double[] loss,
      String metric, double[] mSteps, double[] m, Double best, Integer bestStep, Double elapsed, int badLines) {}

  private TrainingLogs() {}

  static ObjectNode section(RunScan scan, List<String> runs, Path out, Report.Settings s, List<String> files,
      Configuration conf) {
    ObjectNode node = JSON.createObjectNode();
    ArrayNode charts = node.putArray("charts");
    ArrayNode notes = node.putArray("notes");
    ArrayNode runsOut = node.putArray("runs");
    if (runs.isEmpty()) {
      notes.add("No training curves: no --run directory was given.");
      return node;
    }
    Map<String, RunScan.Found> unique = new TreeMap<>();
    Map<String, String> byContent = new LinkedHashMap<>();
    for (RunScan.Found f : scan.trainLogs.stream().sorted((a, b) -> score(a, conf) != score(b, conf)
        ? Integer.compare(score(a, conf), score(b, conf)) : a.shown().compareTo(b.shown())).toList()) {
      String text = Fs.readString(f.path(), conf);
      if (byContent.putIfAbsent(Fs.sha256(text), f.shown()) == null) {
        unique.put(f.shown(), f);
      }
    }
    if (unique.isEmpty()) {
      notes.add("No training curves: no " + RunScan.TRAIN_LOG + " under " + String.join(", ", runs)
          + " (baselines and untuned models have none).");
      return node;
    }
    Map<String, List<Log>> groups = new TreeMap<>();
    for (RunScan.Found f : unique.values()) {
      Log l = parse(f, conf);
      if (l.steps().length == 0) {
        notes.add(f.shown() + ": no readable step in the log.");
        continue;
      }
      if (l.badLines() > 0) {
        notes.add(String.format(Locale.ROOT, "%s: %d unreadable line(s) skipped.", f.shown(), l.badLines()));
      }
      groups.computeIfAbsent(l.group(), g -> new ArrayList<>()).add(l);
      ObjectNode r = runsOut.addObject().put("name", l.name()).put("stage", l.stage()).put("steps",
          (int) l.steps()[l.steps().length - 1]);
      r.put("final_loss", l.loss()[l.loss().length - 1]);
      if (l.metric() != null && l.best() != null) {
        r.put("metric", l.metric()).put("best", l.best()).put("best_step", l.bestStep());
      }
      if (l.elapsed() != null) {
        r.put("elapsed_s", l.elapsed());
      }
    }
    int drawn = 0;
    for (Map.Entry<String, List<Log>> g : groups.entrySet()) {
      if (drawn >= s.trainingCharts()) {
        notes.add(String.format(Locale.ROOT, "%d more training run group(s) not drawn (report.training-charts = %d);"
            + " their numbers are in the table.", groups.size() - drawn, s.trainingCharts()));
        break;
      }
      List<Log> logs = g.getValue();
      String metric = logs.stream().map(Log::metric).filter(x -> x != null).findFirst().orElse(null);
      List<Charts.TrainRun> series = new ArrayList<>();
      for (Log l : logs) {
        series.add(new Charts.TrainRun(logs.size() > 1 ? l.seedLabel() : "loss", l.steps(), l.loss(),
            l.mSteps(), l.m()));
      }
      String name = logs.size() == 1 ? logs.get(0).name() : g.getKey();
      String file = "training-" + MetricCharts.slug(name) + ".png";
      String title = "Training: " + name;
      Report.writePng(Charts.training(title, series, metric), new Path(out, file), s, conf);
      files.add(file);
      charts.addObject().put("file", file).put("alt", title).put("caption", "Training loss per optimizer step"
          + (metric == null ? "" : " (top) and " + metric.replace('_', ' ') + " on the validation set (bottom)")
          + (logs.size() > 1 ? ", one line per seed" : "") + "; from " + logs.size() + " " + RunScan.TRAIN_LOG
          + (logs.size() > 1 ? " files." : "."));
      drawn++;
    }
    return node;
  }

  /** Prefer a log beside a manifest (the committed adapter) over a work-directory copy. */
  private static int score(RunScan.Found f, Configuration conf) {
    return Fs.exists(new Path(f.path().getParent(), Manifest.FILE_NAME), conf) ? 0 : 1;
  }

  static Log parse(RunScan.Found f, Configuration conf) {
    String dir = f.name().replaceAll("/?" + RunScan.TRAIN_LOG + "$", "");
    if (dir.isEmpty()) {
      dir = "run";
    }
    String group = dir.replaceAll("seed(=?)\\d+", "seed$1*");
    Matcher sm = Pattern.compile("seed=?(\\d+)").matcher(dir);
    String seedLabel = sm.find() ? "seed " + sm.group(1) : dir;
    String stage = "";
    Path manifest = new Path(f.path().getParent(), Manifest.FILE_NAME);
    if (Fs.exists(manifest, conf)) {
      try {
        JsonNode m = JSON.readTree(Fs.readString(manifest, conf));
        stage = (m.path("stage").asText("") + " " + m.path("properties").path("stage").asText("")).trim();
      } catch (Exception e) {
        stage = "";
      }
    }
    List<double[]> pts = new ArrayList<>();
    List<double[]> mpts = new ArrayList<>();
    String metric = null;
    Double best = null;
    Integer bestStep = null;
    Double elapsed = null;
    int bad = 0;
    for (String line : Fs.readString(f.path(), conf).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode j;
      try {
        j = JSON.readTree(line);
      } catch (Exception e) {
        bad++;
        continue;
      }
      if (!j.path("step").isNumber() || !j.path("loss").isNumber()) {
        bad++;
        continue;
      }
      double step = j.path("step").asDouble();
      pts.add(new double[] {step, j.path("loss").asDouble()});
      if (metric == null) {
        metric = metricKey(j);
      }
      if (metric != null && j.path(metric).isNumber()) {
        mpts.add(new double[] {step, j.path(metric).asDouble()});
        if (j.path("best_" + metric).isNumber()) {
          best = j.path("best_" + metric).asDouble();
          bestStep = j.path("best_step").isNumber() ? j.path("best_step").asInt() : null;
        }
      }
      if (j.path("elapsed_s").isNumber()) {
        elapsed = j.path("elapsed_s").asDouble();
      }
    }
    if (metric != null && best == null && !mpts.isEmpty()) {
      boolean lower = metric.contains("loss");
      double[] b = mpts.get(0);
      for (double[] x : mpts) {
        if (lower ? x[1] < b[1] : x[1] > b[1]) {
          b = x;
        }
      }
      best = b[1];
      bestStep = (int) b[0];
    }
    if (best != null && bestStep == null) {
      bestStep = 0;
    }
    return new Log(dir, group, seedLabel, stage, col(pts, 0), col(pts, 1), metric, col(mpts, 0), col(mpts, 1), best,
        bestStep, elapsed, bad);
  }

  /** The validation metric's key: valid_auc / valid_loss (Trainer), or another valid_/val_/eval_ number. */
  static String metricKey(JsonNode j) {
    for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if ((k.startsWith("valid_") || k.startsWith("val_") || k.startsWith("eval_")) && j.path(k).isNumber()) {
        return k;
      }
    }
    return null;
  }

  private static double[] col(List<double[]> pts, int i) {
    return pts.stream().mapToDouble(p -> p[i]).toArray();
  }
}
