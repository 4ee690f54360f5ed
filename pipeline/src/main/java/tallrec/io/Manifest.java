package tallrec.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * A stage output's {@code _MANIFEST.json}: what it was made from (inputs and their checksums),
 * with which resolved config and code version, and how many rows each output holds.
 *
 * <p>{@link #fingerprint()} covers inputs, config and code version only, so a rerun can decide
 * whether a stage is up to date without comparing times or row counts.
 */
public final class Manifest {

  public static final String FILE_NAME = "_MANIFEST.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String stage;
  private final Map<String, String> inputs = new LinkedHashMap<>();
  private final Map<String, Long> rowCounts = new LinkedHashMap<>();
  private final Map<String, String> properties = new LinkedHashMap<>();
  private String configJson = "{}";
  private String codeVersion = CodeVersion.get();
  private String createdAt = Instant.now().toString();

  public Manifest(String stage) {
    this.stage = stage;
  }

  /** Records a raw input file with its SHA-256. */
  public Manifest inputFile(String role, Path file, Configuration conf) {
    inputs.put(role + " " + file, "sha256:" + Fs.sha256(file, conf));
    return this;
  }

  /**
   * Records an input directory written by an earlier stage: its own manifest's fingerprint stands
   * for its content; a directory without one is fingerprinted by its files' names and sizes.
   */
  public Manifest inputDataset(String role, Path dir, Configuration conf) {
    Path manifest = new Path(dir, FILE_NAME);
    if (Fs.exists(manifest, conf)) {
      inputs.put(role + " " + dir, "manifest:" + read(manifest, conf).fingerprint());
    } else {
      StringBuilder listing = new StringBuilder();
      try {
        for (FileStatus st : Fs.of(dir, conf).listStatus(dir)) {
          listing.append(st.getPath().getName()).append(':').append(st.getLen()).append('\n');
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + dir, e);
      }
      inputs.put(role + " " + dir, "listing:" + Fs.sha256(listing.toString()));
    }
    return this;
  }

  /**
   * The resolved config, stored in the form {@link #read} gives back, so that a manifest read from
   * disk has the same {@link #fingerprint()} as the one written (a stage can then compare them).
   */
  public Manifest config(String resolvedConfigJson) {
    try {
      this.configJson = JSON.writeValueAsString(JSON.readTree(resolvedConfigJson));
    } catch (IOException e) {
      throw new IllegalArgumentException("config is not JSON: " + resolvedConfigJson, e);
    }
    return this;
  }

  public Manifest rows(String output, long count) {
    rowCounts.put(output, count);
    return this;
  }

  public Manifest property(String key, String value) {
    properties.put(key, value);
    return this;
  }

  public String stage() {
    return stage;
  }

  public Map<String, Long> rowCounts() {
    return rowCounts;
  }

  public Map<String, String> inputs() {
    return inputs;
  }

  public String property(String key) {
    return properties.get(key);
  }

  /** The resolved config the stage recorded, as JSON. */
  public String configJson() {
    return configJson;
  }

  /** When the manifest was made (not part of the fingerprint). */
  public String createdAt() {
    return createdAt;
  }

  /** Hash of what determines the output: stage, inputs, config, code version. */
  public String fingerprint() {
    return Fs.sha256(stage + "\n" + inputs + "\n" + configJson + "\n" + codeVersion);
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("stage", stage);
    root.put("fingerprint", fingerprint());
    root.put("code_version", codeVersion);
    root.put("created_at", createdAt);
    ObjectNode in = root.putObject("inputs");
    inputs.forEach(in::put);
    try {
      root.set("config", JSON.readTree(configJson));
    } catch (IOException e) {
      throw new IllegalStateException("config is not JSON", e);
    }
    ObjectNode rows = root.putObject("row_counts");
    rowCounts.forEach(rows::put);
    ObjectNode props = root.putObject("properties");
    properties.forEach(props::put);
    try {
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public void write(Path dir, Configuration conf) {
    Fs.writeString(new Path(dir, FILE_NAME), toJson(), conf);
  }

  public static Manifest read(Path manifestFile, Configuration conf) {
    try {
      JsonNode root = JSON.readTree(Fs.readString(manifestFile, conf));
      Manifest m = new Manifest(root.path("stage").asText());
      m.codeVersion = root.path("code_version").asText();
      m.createdAt = root.path("created_at").asText();
      root.path("inputs").fields().forEachRemaining(e -> m.inputs.put(e.getKey(), e.getValue().asText()));
      m.configJson = JSON.writeValueAsString(root.path("config"));
      root.path("row_counts").fields().forEachRemaining(e -> m.rowCounts.put(e.getKey(), e.getValue().asLong()));
      root.path("properties").fields().forEachRemaining(e -> m.properties.put(e.getKey(), e.getValue().asText()));
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("Corrupt manifest " + manifestFile, e);
    }
  }

  /** Reads the manifest of a stage output directory, or null when it has none. */
  public static Manifest readIfPresent(Path dir, Configuration conf) {
    Path file = new Path(dir, FILE_NAME);
    return Fs.exists(file, conf) ? read(file, conf) : null;
  }

}
