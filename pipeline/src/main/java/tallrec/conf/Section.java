package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.List;
import java.util.function.Function;

/**
 * One section of a resolved {@link TallRecConf}, read the way every stage's
 * {@code Settings.from(TallRecConf)} reads it: by key constant, typed, and with every error naming
 * the full key ({@code tallrec.tune.micro-batch}) and, where the value came from a file, the file
 * and line. Ranges of single numbers are checked once for the whole config by {@link SettingBounds}
 * when it loads; what a section adds here are the rules that tie keys together.
 */
public final class Section {

  private final Config config;
  private final String path;

  private Section(Config config, String path) {
    this.config = config;
    this.path = path;
  }

  /** The section {@code name} below {@code tallrec} (e.g. "tune"). */
  public static Section of(TallRecConf conf, String name) {
    return new Section(conf.section(name), TallRecConf.ROOT + "." + name);
  }

  /** The full key, as errors and documentation name it. */
  public String key(String key) {
    return path + "." + key;
  }

  public boolean has(String key) {
    return config.hasPath(key);
  }

  public int getInt(String key) {
    return read(key, () -> config.getInt(key));
  }

  public long getLong(String key) {
    return read(key, () -> config.getLong(key));
  }

  public double getDouble(String key) {
    return read(key, () -> config.getDouble(key));
  }

  public boolean getBoolean(String key) {
    return read(key, () -> config.getBoolean(key));
  }

  public String getString(String key) {
    return read(key, () -> config.getString(key));
  }

  public List<String> getStringList(String key) {
    return read(key, () -> config.getStringList(key));
  }

  public List<Integer> getIntList(String key) {
    return read(key, () -> config.getIntList(key));
  }

  /** A list of integers, each at least {@code min}; otherwise {@code KEY = VALUE (FILE: LINE): each WHAT must be at least MIN}. */
  public List<Integer> getIntList(String key, int min, String what) {
    List<Integer> values = getIntList(key);
    if (values.stream().anyMatch(v -> v < min)) {
      throw invalid(key, "each " + what + " must be at least " + min);
    }
    return values;
  }

  public List<Double> getDoubleList(String key) {
    return read(key, () -> config.getDoubleList(key));
  }

  /** A sub-section, for settings that nest (e.g. {@code instructions.temporal}). */
  public Config getConfig(String key) {
    return read(key, () -> config.getConfig(key));
  }

  /**
   * A string setting turned into a value by {@code parse} (an enum's {@code named}, a date): its
   * refusal is prefixed with the key.
   */
  public <T> T get(String key, Function<String, T> parse) {
    String value = getString(key);
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw invalid(key, e.getMessage());
    }
  }

  /**
   * {@code KEY = VALUE (FILE: LINE): WHY}, for a value that breaks a rule; the origin is left out
   * for a default or a command-line flag.
   */
  public IllegalArgumentException invalid(String key, String why) {
    StringBuilder b = new StringBuilder(key(key));
    if (config.hasPath(key)) {
      b.append(" = ").append(config.getValue(key).render().replace('\n', ' '));
      ConfigOrigin origin = config.getValue(key).origin();
      if (origin != null && origin.filename() != null) {
        b.append(" (").append(origin.filename()).append(origin.lineNumber() > 0 ? ": " + origin.lineNumber() : "")
            .append(')');
      }
    }
    return new IllegalArgumentException(b.append(": ").append(why).toString());
  }

  private interface Read<T> {
    T get();
  }

  private <T> T read(String key, Read<T> r) {
    try {
      return r.get();
    } catch (ConfigException.Missing e) {
      throw new IllegalArgumentException(key(key) + " is not set", e);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(key(key) + ": " + e.getMessage(), e);
    }
  }
}
