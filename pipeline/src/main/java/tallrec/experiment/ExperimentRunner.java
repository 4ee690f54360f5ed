package tallrec.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import tallrec.io.CodeVersion;
import tallrec.io.Fs;
import tallrec.io.Manifest;
import tallrec.io.StagedCommit;

/**
 * Runs an experiment's steps in order, skipping each step whose output manifest carries the run
 * key the step would have now (see {@link Step}); {@code --force} re-runs everything,
 * {@code --from STAGE} re-runs that stage and all after it. A failing step stops the run with
 * its stages' outputs untouched (every stage commits atomically), so the next run resumes there.
 * Progress goes to the console and, after every step, to {@code run.json} in the experiment's
 * output directory (stage wall times for the report's provenance).
 */
public final class ExperimentRunner {

  public static final String RUN_FILE = "run.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** How to treat up-to-date steps. */
  public record Options(Stage from, boolean force, boolean dryRun) {
    public static Options defaults() {
      return new Options(null, false, false);
    }
  }

  /** What happened to one step: {@code ran}, {@code skipped}, {@code failed} or {@code would-run}. */
  public record StepRecord(String stage, String label, String output, String status, double seconds) {}

  public record Outcome(List<StepRecord> steps, double seconds) {
    public long count(String status) {
      return steps.stream().filter(s -> s.status().equals(status)).count();
    }
  }

  /** A step failed; names it and where its output would have gone. */
  public static final class StepFailed extends RuntimeException {
    public StepFailed(Step step, Throwable cause) {
      super("stage " + step.stage().id() + " (" + step.label() + ") failed: " + cause.getMessage()
          + " — nothing was written to " + step.output() + "; rerun to resume from this stage", cause);
    }
  }

  private final Configuration conf;
  private final Path outDir;
  private final String name;
  private final String backbone;
  private final Map<Path, String> rawChecksums = new HashMap<>();
  /** Wall time of each step (by label) when it last ran, from an earlier run.json. */
  private final Map<String, Double> lastRunSeconds = new HashMap<>();

  public ExperimentRunner(Configuration conf, Path outDir, String name, String backbone) {
    this.conf = conf;
    this.outDir = outDir;
    this.name = name;
    this.backbone = backbone;
  }

  public Outcome run(List<Step> steps, Options opt, PrintStream out) {
    readEarlierRunFile();
    long t0 = System.nanoTime();
    String startedAt = Instant.now().toString();
    List<StepRecord> records = new ArrayList<>();
    Set<Path> changing = new HashSet<>();
    int n = steps.size();
    for (int i = 0; i < n; i++) {
      Step step = steps.get(i);
      String tag = String.format("[%d/%d] %-12s %s", i + 1, n, step.stage().id(), step.label());
      boolean forced = opt.force() || (opt.from() != null && step.stage().ordinal() >= opt.from().ordinal());
      boolean upstreamChanging = step.upstream().stream().anyMatch(changing::contains);
      String key = runKey(step);
      boolean sameKey = key.equals(recordedKey(step.output()));
      // A kill between a multi-output stage's renames leaves one output new and another old or gone.
      String incomplete = sameKey ? StagedCommit.incomplete(step.output(), conf) : null;
      boolean upToDate = !upstreamChanging && sameKey && incomplete == null;
      if (upToDate && !forced) {
        out.printf("%s  skipped (up to date: %s)%n", tag, step.output());
        records.add(new StepRecord(step.stage().id(), step.label(), step.output().toString(), "skipped", 0));
        continue;
      }
      if (opt.dryRun()) {
        changing.add(step.output());
        out.printf("%s  would run%s%n", tag, forced ? " (forced)" : upstreamChanging ? " (an input changes)"
            : incomplete != null ? " (incomplete: " + incomplete + ")" : "");
        records.add(new StepRecord(step.stage().id(), step.label(), step.output().toString(), "would-run", 0));
        continue;
      }
      out.printf("%s ...%s%n", tag, incomplete != null && !forced ? " (incomplete: " + incomplete + ")" : "");
      out.flush();
      long s0 = System.nanoTime();
      try {
        step.body().run(configJson(key, step.settingsJson()), forced);
      } catch (Exception | LinkageError e) {
        double sec = (System.nanoTime() - s0) / 1e9;
        records.add(new StepRecord(step.stage().id(), step.label(), step.output().toString(), "failed", sec));
        writeRunFile(records, startedAt, (System.nanoTime() - t0) / 1e9);
        throw new StepFailed(step, e);
      }
      double sec = (System.nanoTime() - s0) / 1e9;
      out.printf("%s  done in %.1f s -> %s%n", tag, sec, step.output());
      records.add(new StepRecord(step.stage().id(), step.label(), step.output().toString(), "ran", sec));
      writeRunFile(records, startedAt, (System.nanoTime() - t0) / 1e9);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!opt.dryRun()) {
      writeRunFile(records, startedAt, seconds);
    }
    return new Outcome(records, seconds);
  }

  /**
   * Hash of what determines a step's output now: its settings, its upstream outputs' manifest
   * fingerprints (so a changed input re-runs everything downstream), its raw files' SHA-256, its
   * content keys and the code version.
   */
  String runKey(Step step) {
    StringBuilder sb = new StringBuilder();
    sb.append(step.stage().id()).append('\n').append(step.label()).append('\n').append(step.settingsJson()).append('\n');
    for (Path p : step.upstream()) {
      Manifest m = Manifest.readIfPresent(p, conf);
      sb.append("upstream ").append(p).append(' ').append(m == null ? "missing" : m.fingerprint()).append('\n');
    }
    for (Path f : step.rawFiles()) {
      String sha = rawChecksums.computeIfAbsent(f, x -> Fs.exists(x, conf) ? Fs.sha256(x, conf) : "missing");
      sb.append("raw ").append(f).append(' ').append(sha).append('\n');
    }
    for (Supplier<String> part : step.contentKeys()) {
      sb.append("content ").append(part.get()).append('\n');
    }
    sb.append(CodeVersion.get());
    return Fs.sha256(sb.toString());
  }

  /** The run key recorded in the manifest at {@code output}, or null. */
  String recordedKey(Path output) {
    Manifest m = Manifest.readIfPresent(output, conf);
    if (m == null) {
      return null;
    }
    try {
      JsonNode key = JSON.readTree(m.configJson()).path("run_key");
      return key.isTextual() ? key.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** What a step records as its manifest's config: the run key and the settings it was run with. */
  static String configJson(String key, String settingsJson) {
    ObjectNode root = JSON.createObjectNode();
    root.put("run_key", key);
    try {
      root.set("settings", JSON.readTree(settingsJson));
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException("settings are not JSON: " + settingsJson, e);
    }
  }

  private void readEarlierRunFile() {
    Path file = new Path(outDir, RUN_FILE);
    if (!Fs.exists(file, conf)) {
      return;
    }
    try {
      for (JsonNode st : JSON.readTree(Fs.readString(file, conf)).path("stages")) {
        String status = st.path("status").asText();
        if ("ran".equals(status)) {
          lastRunSeconds.put(st.path("label").asText(), st.path("seconds").asDouble());
        } else if ("skipped".equals(status) && st.has("seconds_when_run")) {
          lastRunSeconds.put(st.path("label").asText(), st.get("seconds_when_run").asDouble());
        }
      }
    } catch (IOException | RuntimeException e) {
      // An unreadable run.json only loses earlier timings; the manifests decide what re-runs.
    }
  }

  private void writeRunFile(List<StepRecord> records, String startedAt, double seconds) {
    ObjectNode root = JSON.createObjectNode();
    root.put("experiment", name);
    root.put("backbone", backbone);
    root.put("code_version", CodeVersion.get());
    root.put("started_at", startedAt);
    root.put("finished_at", Instant.now().toString());
    root.put("seconds", Math.round(seconds * 10) / 10.0);
    ArrayNode st = root.putArray("stages");
    for (StepRecord r : records) {
      st.addObject().put("name", r.stage()).put("label", r.label()).put("output", r.output())
          .put("status", r.status()).put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
      Double earlier = lastRunSeconds.get(r.label());
      if (r.status().equals("skipped") && earlier != null) {
        // The report's provenance wants what each output cost, also when this run reused it.
        ((ObjectNode) st.get(st.size() - 1)).put("seconds_when_run", earlier);
      }
    }
    try {
      Fs.writeString(new Path(outDir, RUN_FILE), JSON.writeValueAsString(root), conf);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
