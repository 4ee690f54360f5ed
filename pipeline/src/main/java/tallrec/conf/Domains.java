package tallrec.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recommendation domains of {@code tallrec.domains}: per domain the noun its prompts use
 * ("movie", "book"), the rating above which an interaction is a like (movie: &gt; 3, book: &gt; 5),
 * and the name of its item rendering. Read here so that ingest, instructions, tuning, scoring
 * and the baselines all take these from the same place (and the data layer need not reach up into
 * the dataset layer for the like rule).
 */
public final class Domains {

  /** One domain's settings. */
  public record Domain(String name, String noun, double likeThreshold, String render) {}

  private final Config section;

  private Domains(Config section) {
    this.section = section;
  }

  public static Domains from(TallRecConf conf) {
    return of(conf.section("domains"));
  }

  /**
   * From a {@code domains} section ({@code NAME { noun, like-threshold, render }}). A domain is
   * read when asked for, so a half-written domain nobody uses stands in nobody's way.
   */
  public static Domains of(Config section) {
    return new Domains(section);
  }

  /** The domain's settings; an unknown name is refused with the known ones and how to add one. */
  public Domain require(String name) {
    if (!section.root().containsKey(name)) {
      throw new IllegalArgumentException("Unknown domain '" + name + "': add tallrec.domains." + name
          + " { noun = ..., like-threshold = ... } to your config; known: " + section.root().keySet());
    }
    try {
      Config c = section.getConfig(name);
      return new Domain(name, c.getString("noun"), c.getDouble("like-threshold"), c.getString("render"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("tallrec.domains." + name + ": " + e.getMessage(), e);
    }
  }

  /** Prompt noun per domain name, in config order. */
  public Map<String, String> nouns() {
    Map<String, String> nouns = new LinkedHashMap<>();
    for (String name : section.root().keySet()) {
      try {
        nouns.put(name, section.getConfig(name).getString("noun"));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("tallrec.domains." + name + ": " + e.getMessage(), e);
      }
    }
    return nouns;
  }
}
