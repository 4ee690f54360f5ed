package tallrec.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;

/**
 * One stage invocation of an experiment: what it reads, what settings decide its output, where
 * the output's {@code _MANIFEST.json} lives, and how to run it.
 *
 * <p>The runner derives a <em>run key</em> from the settings, the fingerprints of the upstream
 * outputs' manifests, the SHA-256 of raw input files and the code version; the step records it in
 * its manifest's config, so a rerun skips the step exactly when nothing that determines its
 * output has changed.
 *
 * @param stage which stage (for {@code --from})
 * @param label what the step does, for the console and {@code run.json}
 * @param output the directory whose {@code _MANIFEST.json} the step writes
 * @param settingsJson the settings that determine the output (only those: a change elsewhere in
 *     the config must not re-run it)
 * @param upstream outputs of earlier steps this one reads
 * @param rawFiles raw files read (checksummed)
 * @param body runs the step, given the config JSON to record in its manifest
 * @param contentKeys more parts of the run key, computed just before the step (e.g. the sample
 *     ids of one K-shot set, which stay the same when the K-shot directory gains other sets)
 */
public record Step(Stage stage, String label, Path output, String settingsJson, List<Path> upstream,
    List<Path> rawFiles, Body body, List<Supplier<String>> contentKeys) {

  public Step(Stage stage, String label, Path output, String settingsJson, List<Path> upstream, List<Path> rawFiles,
      Body body) {
    this(stage, label, output, settingsJson, upstream, rawFiles, body, List.of());
  }

  /** Settings as compact JSON, for {@link #settingsJson}. */
  static String json(Config c) {
    return c.root().render(ConfigRenderOptions.concise());
  }

  /** Settings as compact JSON; keys are quoted, so that names like "k=64" stay literal (parseMap reads dots as paths). */
  static String json(Map<String, Object> m) {
    Map<String, Object> quoted = new LinkedHashMap<>();
    m.forEach((k, v) -> quoted.put(ConfigUtil.quoteString(k), v));
    return ConfigFactory.parseMap(quoted).root().render(ConfigRenderOptions.concise());
  }

  /** A step's work; {@code configJson} is what the stage must record as its manifest's config. */
  @FunctionalInterface
  public interface Body {
    void run(String configJson) throws Exception;

    /**
     * Runs the step; {@code forced} when {@code --force} or {@code --from} asked for it, in which
     * case a body that keeps state between attempts (a tuning's checkpoint) must start over.
     */
    default void run(String configJson, boolean forced) throws Exception {
      run(configJson);
    }

    /** A body that keeps state between attempts and needs to know whether it was forced. */
    static Body resumable(ResumableBody body) {
      return new Body() {
        @Override
        public void run(String configJson) throws Exception {
          body.run(configJson, false);
        }

        @Override
        public void run(String configJson, boolean forced) throws Exception {
          body.run(configJson, forced);
        }
      };
    }
  }

  /** See {@link Body#resumable}. */
  @FunctionalInterface
  public interface ResumableBody {
    void run(String configJson, boolean forced) throws Exception;
  }
}
