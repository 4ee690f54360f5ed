package tallrec.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The domains every stage reads: the paper's like rules and nouns, and errors that name the key. */
class DomainsTest {

  @Test
  void thePapersDomainsAndTheirLikeRules() {
    Domains d = Domains.from(TallRecConf.defaults());
    assertEquals(3.0, d.require("movie").likeThreshold());
    assertEquals(5.0, d.require("book").likeThreshold());
    assertEquals("title-author", d.require("book").render());
    assertEquals(Map.of("movie", "movie", "book", "book"), d.nouns());
  }

  @Test
  void unknownOrHalfWrittenDomainsAreNamed() {
    String m = assertThrows(IllegalArgumentException.class,
        () -> Domains.from(TallRecConf.defaults()).require("music")).getMessage();
    assertTrue(m.contains("'music'") && m.contains("tallrec.domains.music") && m.contains("movie"), m);
    TallRecConf conf = TallRecConf.load(null, List.of("tallrec.domains.music.noun=song"), Map.of());
    Domains d = Domains.from(conf);
    assertEquals("song", d.nouns().get("music"), "a noun is all prompts need");
    m = assertThrows(IllegalArgumentException.class, () -> d.require("music")).getMessage();
    assertTrue(m.startsWith("tallrec.domains.music:") && m.contains("like-threshold"), m);
  }
}
