package tallrec.dataset;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.Locale;
import tallrec.conf.Domains;
import tallrec.prompt.ItemRenderer;

/**
 * A recommendation domain's rules: the noun its prompts use, the rating above which an
 * interaction is a like (movie: rating &gt; 3; book: rating &gt; 5), and how items are rendered.
 */
public record DomainSpec(String name, String noun, double likeThreshold, ItemRenderer renderer)
    implements Serializable {

  /** Reads {@code tallrec.domains.NAME} (see {@link Domains}). */
  public static DomainSpec of(String name, Config domains) {
    Domains.Domain d = Domains.of(domains).require(name);
    return new DomainSpec(name, d.noun(), d.likeThreshold(),
        ItemRenderer.valueOf(d.render().toUpperCase(Locale.ROOT).replace('-', '_')));
  }

  /** The binarization rule: a like is a rating strictly above the threshold. */
  public int label(double rating) {
    return rating > likeThreshold ? 1 : 0;
  }
}
