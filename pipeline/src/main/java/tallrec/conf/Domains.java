package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recommendation domains of {@code tallrec.domains}: per domain the noun its prompts use
 * ("movie", "book"), the rating above which an interaction is a like (movie: &gt; 3, book: &gt; 5),
 * and the name of its item rendering. Read once here so that ingest, instructions, tuning, scoring
 * and the baselines all take these from the same place (and the data layer need not reach up into
 * the dataset layer for the like rule).
 */
public final class Domains {

  /** One domain's settings. */
  public record Domain(String name, String noun, double likeThreshold, String render) {}

  private final Map<String, Domain> byName;

  private Domains(Map<String, Domain> byName) {
    this.byName = Collections.unmodifiableMap(byName);
  }

  public static Domains from(TallRecConf conf) {
    return of(conf.section("domains"));
  }

  /** From a {@code domains} section ({@code NAME { noun, like-threshold, render }}). */
  public static Domains of(Config section) {
    Map<String, Domain> m = new LinkedHashMap<>();
    for (String name : section.root().keySet()) {
      String key = "tallrec.domains." + name;
      try {
        Config c = section.getConfig(name);
        m.put(name, new Domain(name, c.getString("noun"), c.getDouble("like-threshold"), c.getString("render")));
      } catch (ConfigException e) {
        throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
      }
    }
    return new Domains(m);
  }

  /** The domain's settings; an unknown name is refused with the known ones and how to add one. */
  public Domain require(String name) {
    Domain d = byName.get(name);
    if (d == null) {
      throw new IllegalArgumentException("Unknown domain '" + name + "': add tallrec.domains." + name
          + " { noun = ..., like-threshold = ... } to your config; known: " + byName.keySet());
    }
    return d;
  }

  /** Prompt noun per domain name, in config order. */
  public Map<String, String> nouns() {
    Map<String, String> nouns = new LinkedHashMap<>();
    byName.forEach((name, d) -> nouns.put(name, d.noun()));
    return nouns;
  }
}
