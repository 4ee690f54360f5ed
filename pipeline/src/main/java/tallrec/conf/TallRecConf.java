package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place that resolves configuration precedence (as Iceberg's Spark module does):
 * command-line flags &gt; {@code --set key=value} &gt; {@code --conf FILE} (which may {@code include}
 * others) &gt; {@code TALLREC_*}-free defaults in the library's {@code reference.conf}.
 *
 * <p>Every stage reads its typed settings from one resolved instance, and the resolved tree is
 * written into each output's manifest so a rerun can tell whether the stage's config changed.
 */
public final class TallRecConf {

  /** Root path of all of this project's settings. */
  public static final String ROOT = "tallrec";

  private final Config config;

  private TallRecConf(Config config) {
    this.config = config;
  }

  /** Library defaults only. */
  public static TallRecConf defaults() {
    return load(null, List.of(), Map.of());
  }

  /**
   * Resolves defaults, an optional user file, {@code --set} overrides, then flag values.
   *
   * @param confFile a HOCON file, or null
   * @param sets {@code key=value} strings; keys are relative to {@code tallrec.} unless they
   *     already start with it; values are parsed as HOCON (so lists and numbers work)
   * @param flags values from dedicated command-line flags, highest precedence; null values are
   *     ignored so an absent flag never hides a file setting
   */
  public static TallRecConf load(File confFile, List<String> sets, Map<String, Object> flags) {
    // Unresolved, so a default that refers to another key (tune.prompt-template =
    // ${tallrec.prompt.template}) follows a user's value of that key; resolved once, at the end.
    // System properties stay on top of reference.conf, as defaultReference() puts them.
    Config reference = ConfigFactory.systemProperties()
        .withFallback(ConfigFactory.defaultReferenceUnresolved(TallRecConf.class.getClassLoader()));
    Config merged = reference;
    // Only what the user wrote is checked (a file, --set): system properties and flags are ours.
    KnownKeys known = new KnownKeys(reference());
    if (confFile != null) {
      if (!confFile.isFile()) {
        throw new IllegalArgumentException("Config file not found: " + confFile);
      }
      Config user =
          ConfigFactory.parseFile(confFile, ConfigParseOptions.defaults().setAllowMissing(false));
      known.check(user, confFile.toString());
      merged = user.withFallback(merged);
    }
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set expects key=value, got: " + set);
      }
      String key = qualify(set.substring(0, eq).trim());
      String value = set.substring(eq + 1).trim();
      Config one;
      try {
        one = ConfigFactory.parseString(key + " = " + value);
      } catch (RuntimeException e) {
        // An unquoted string with characters HOCON rejects: take it literally.
        one = ConfigFactory.parseMap(Map.of(key, value));
      }
      known.check(one, "--set " + set);
      merged = one.withFallback(merged);
    }
    for (Map.Entry<String, Object> flag : flags.entrySet()) {
      if (flag.getValue() != null) {
        merged = ConfigFactory.parseMap(Map.of(qualify(flag.getKey()), flag.getValue()))
            .withFallback(merged);
      }
    }
    Config resolved = merged.resolve(ConfigResolveOptions.defaults());
    new SettingBounds(reference()).check(resolved);
    return new TallRecConf(resolved);
  }

  /** reference.conf alone, resolved: the schema the checks compare against. */
  private static Config reference() {
    return ConfigFactory.defaultReferenceUnresolved(TallRecConf.class.getClassLoader()).resolve();
  }

  private static String qualify(String key) {
    return key.startsWith(ROOT + ".") ? key : ROOT + "." + key;
  }

  /** The {@code tallrec} subtree. */
  public Config root() {
    return config.getConfig(ROOT);
  }

  /** A subtree below {@code tallrec}, e.g. {@code "ingest"}. */
  public Config section(String path) {
    return root().getConfig(path);
  }

  /** A copy with one more override (used by composite commands such as {@code demo}). */
  public TallRecConf with(String key, Object value) {
    return new TallRecConf(
        ConfigFactory.parseMap(Map.of(qualify(key), value)).withFallback(config).resolve());
  }

  /**
   * A copy whose section {@code path} is {@code overrides} over this one's (key by key, objects
   * merged): how an experiment's {@code rec-tuning.tune} or a dataset's {@code instructions} become
   * the {@code tune} or {@code instructions} a stage's {@code Settings.from(TallRecConf)} reads, so
   * that every stage is configured one way whether a command or an experiment runs it.
   */
  public TallRecConf overlay(String path, Config overrides) {
    String key = qualify(path);
    Config merged = overrides.withFallback(config.getConfig(key));
    return new TallRecConf(config.withValue(key, merged.root()));
  }

  /** The resolved subtree as compact JSON, for manifests. */
  public String renderJson(String path) {
    Config sub = path == null || path.isEmpty() ? root() : section(path);
    return sub.root().render(ConfigRenderOptions.concise().setFormatted(false));
  }

  @Override
  public String toString() {
    return root().root().render(ConfigRenderOptions.defaults().setOriginComments(false));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TallRecConf other && config.equals(other.config);
  }

  @Override
  public int hashCode() {
    return Objects.hash(config);
  }
}
