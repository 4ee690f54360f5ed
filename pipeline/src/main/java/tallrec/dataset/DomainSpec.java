package tallrec.dataset;

import com.typesafe.config.Config;
import java.io.Serializable;
import tallrec.prompt.ItemRenderer;

/**
 * A recommendation domain's rules: the noun its prompts use, the rating above which an
 * interaction is a like (movie: rating &gt; 3; book: rating &gt; 5), and how items are rendered.
 */
public record DomainSpec(String name, String noun, double likeThreshold, ItemRenderer renderer)
    implements Serializable {

  /** Reads {@code tallrec.domains.NAME}. */
  public static DomainSpec of(String name, Config domains) {
    if (!domains.hasPath(name)) {
      throw new IllegalArgumentException("Unknown domain '" + name + "': add tallrec.domains." + name
          + " { noun = ..., like-threshold = ... } to your config; known: " + domains.root().keySet());
    }
    Config c = domains.getConfig(name);
    return new DomainSpec(name, c.getString("noun"), c.getDouble("like-threshold"),
        ItemRenderer.valueOf(c.getString("render").toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
  }

  /** The binarization rule: a like is a rating strictly above the threshold. */
  public int label(double rating) {
    return rating > likeThreshold ? 1 : 0;
  }
}
