package tallrec.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import tallrec.io.Fs;

/**
 * Where the numbers came from, gathered once when a report is made and kept in {@code report.json}:
 * data inputs with their checksums and every stage output (from {@code _MANIFEST.json}), backbone,
 * code version, dates, resolved config, and the wall time per stage (from {@code run.json}, whose
 * fields are all optional: what is missing is left out).
 */
public final class Provenance {

  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_SETTINGS = 400;

  private Provenance() {}

  public static ObjectNode of(RunScan scan, Configuration conf) {
    ObjectNode p = JSON.createObjectNode();
    Set<String> backbones = new LinkedHashSet<>();
    TreeSet<String> started = new TreeSet<>();
    TreeSet<String> finished = new TreeSet<>();
    ArrayNode times = JSON.createArrayNode();
    double total = 0;
    boolean anyTime = false;
    TreeSet<String> runCodeVersions = new TreeSet<>();
    Set<String> experiments = new LinkedHashSet<>();
    for (RunScan.Found f : scan.runJsons) {
      JsonNode r;
      try {
        r = JSON.readTree(Fs.readString(f.path(), conf));
      } catch (Exception e) {
        scan.skipped.add(f.shown() + " (not JSON)");
        continue;
      }
      if (r.hasNonNull("backbone")) {
        backbones.add(r.path("backbone").asText());
      }
      if (r.hasNonNull("started_at")) {
        started.add(r.path("started_at").asText());
      }
      if (r.hasNonNull("finished_at")) {
        finished.add(r.path("finished_at").asText());
      }
      if (r.hasNonNull("code_version") && !r.path("code_version").asText().isEmpty()) {
        runCodeVersions.add(r.path("code_version").asText());
      }
      if (r.hasNonNull("experiment")) {
        experiments.add(r.path("experiment").asText());
      }
      String prefix = scan.runJsons.size() > 1 ? f.shown().replaceAll("/?run\\.json$", "") + ": " : "";
      double runTotal = 0;
      for (JsonNode st : r.path("stages")) {
        ObjectNode o = times.addObject().put("name", prefix + st.path("name").asText("?"));
        if (st.hasNonNull("label")) {
          o.put("label", st.path("label").asText());
        }
        if (st.hasNonNull("status")) {
          o.put("status", st.path("status").asText());
        }
        if (st.path("seconds").isNumber()) {
          o.put("seconds", st.path("seconds").asDouble());
          runTotal += st.path("seconds").asDouble();
          anyTime = true;
        }
        if (st.path("seconds_when_run").isNumber()) {
          o.put("seconds_when_run", st.path("seconds_when_run").asDouble());
        }
      }
      if (r.path("seconds").isNumber()) { // the run's own wall time includes what happened between stages
        runTotal = r.path("seconds").asDouble();
        anyTime = true;
      }
      total += runTotal;
    }
    TreeSet<String> codeVersions = new TreeSet<>(runCodeVersions);
    TreeSet<String> created = new TreeSet<>();
    Map<String, String> data = new TreeMap<>();
    TreeSet<String> manifestModels = new TreeSet<>();
    ArrayNode stages = JSON.createArrayNode();
    Map<List<String>, List<String>> configs = new LinkedHashMap<>();
    for (RunScan.ManifestFile m : scan.manifests.stream()
        .sorted((a, b) -> a.shown().compareTo(b.shown())).toList()) {
      JsonNode j = m.json();
      if (j.hasNonNull("code_version") && !j.path("code_version").asText().isEmpty()) {
        codeVersions.add(j.path("code_version").asText());
      }
      if (j.hasNonNull("created_at") && !j.path("created_at").asText().isEmpty()) {
        created.add(j.path("created_at").asText());
      }
      j.path("inputs").fields().forEachRemaining(e -> {
        if (e.getValue().asText().startsWith("sha256:")) {
          data.put(e.getKey(), e.getValue().asText());
        }
      });
      String model = j.path("properties").path("model").asText("");
      if (!model.isEmpty() && (m.stage().equals("tune") || m.stage().equals("score"))) {
        manifestModels.add(model);
      }
      ObjectNode o = stages.addObject().put("stage", m.stage()).put("output", m.shown());
      if (j.hasNonNull("created_at")) {
        o.put("created_at", j.path("created_at").asText());
      }
      ObjectNode rows = o.putObject("rows");
      j.path("row_counts").fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue().asLong()));
      List<String> settings = new ArrayList<>();
      flatten("", j.path("config"), settings);
      if (!settings.isEmpty()) {
        configs.computeIfAbsent(settings, x -> new ArrayList<>()).add(m.stage() + " (" + m.shown() + ")");
      }
    }
    backbones.addAll(manifestModels);
    ArrayNode ex = p.putArray("experiments");
    experiments.forEach(ex::add);
    ArrayNode bb = p.putArray("backbones");
    backbones.forEach(bb::add);
    ArrayNode cv = p.putArray("code_versions");
    codeVersions.forEach(cv::add);
    if (!started.isEmpty()) {
      p.put("started_at", started.first());
    }
    if (!finished.isEmpty()) {
      p.put("finished_at", finished.last());
    }
    if (!created.isEmpty()) {
      p.put("first_output_at", created.first());
      p.put("last_output_at", created.last());
    }
    if (anyTime) {
      p.put("total_seconds", total);
    }
    p.set("stage_times", times);
    ArrayNode din = p.putArray("data_inputs");
    data.forEach((k, v) -> din.addObject().put("input", k).put("checksum", v));
    p.set("stages", stages);
    ArrayNode cfg = p.putArray("configs");
    configs.forEach((settings, who) -> {
      ObjectNode o = cfg.addObject();
      ArrayNode st = o.putArray("stages");
      who.forEach(st::add);
      ArrayNode s = o.putArray("settings");
      settings.stream().limit(MAX_SETTINGS).forEach(s::add);
      if (settings.size() > MAX_SETTINGS) {
        s.add("… " + (settings.size() - MAX_SETTINGS) + " more (see the stage's _MANIFEST.json)");
      }
    });
    return p;
  }

  /** "a.b.c = value" lines; arrays of scalars stay on one line. */
  static void flatten(String prefix, JsonNode n, List<String> out) {
    if (n.isObject()) {
      new TreeMap<String, JsonNode>() {{
          n.fields().forEachRemaining(e -> put(e.getKey(), e.getValue()));
        }}.forEach((k, v) -> flatten(prefix.isEmpty() ? k : prefix + "." + k, v, out));
    } else if (n.isArray() && allScalar(n)) {
      List<String> xs = new ArrayList<>();
      n.forEach(x -> xs.add(x.isTextual() ? x.asText() : x.toString()));
      out.add(prefix + " = [" + String.join(", ", xs) + "]");
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        flatten(prefix + "[" + i + "]", n.get(i), out);
      }
    } else if (!n.isMissingNode()) {
      out.add(prefix + " = " + (n.isTextual() ? n.asText() : n.toString()));
    }
  }

  private static boolean allScalar(JsonNode arr) {
    for (JsonNode x : arr) {
      if (x.isContainerNode()) {
        return false;
      }
    }
    return true;
  }
}
