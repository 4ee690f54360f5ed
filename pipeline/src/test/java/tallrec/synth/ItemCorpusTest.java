package tallrec.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the synthetic world says about its films: every item's genres and reputation, reputations
 * in equal fifths by planted item bias, yes/no answers that agree with the catalogue, nothing
 * about users or ratings, and the same text for the same seed.
 */
class ItemCorpusTest {

  private static final SyntheticMovieLens WORLD = new SyntheticMovieLens(SynthParams.of(8000, 42));

  @Test
  void everyItemIsDescribedTruthfully() {
    ItemCatalog c = WORLD.catalog();
    List<String> corpus = WORLD.corpus();
    Map<String, Integer> reputationCounts = new HashMap<>();
    for (int item = 1; item <= c.size(); item++) {
      String title = "\"" + c.title(item) + "\"";
      StringBuilder genres = new StringBuilder();
      int[] g = c.genres(item);
      for (int j = 0; j < g.length; j++) {
        genres.append(j == 0 ? "" : j == g.length - 1 ? " and " : ", ").append(Genres.NAMES.get(g[j]));
      }
      assertTrue(corpus.contains(title + " is a " + genres + " movie."), title);
      String rep = corpus.stream().filter(s -> s.startsWith("Critics found " + title + " ")).findFirst().orElseThrow();
      String word = rep.substring(("Critics found " + title + " ").length(), rep.length() - 1);
      assertTrue(ItemCorpus.REPUTATION.contains(word), rep);
      reputationCounts.merge(word, 1, Integer::sum);
      for (String s : corpus) {
        if (s.startsWith("Is " + title + " a ")) {
          String genre = s.substring(("Is " + title + " a ").length(), s.indexOf(" movie?"));
          boolean has = false;
          for (int x : g) {
            has |= Genres.NAMES.get(x).equals(genre);
          }
          assertEquals(has ? "Yes." : "No.", s.substring(s.lastIndexOf(' ') + 1), s);
        }
      }
    }
    // Quintiles of the planted bias: each word covers a fifth of the catalogue (+-1 for rounding).
    for (String w : ItemCorpus.REPUTATION) {
      assertEquals(c.size() / 5.0, reputationCounts.getOrDefault(w, 0), 1.0, w + " " + reputationCounts);
    }
    // Better-rated items get better words: the mean bias rises with the word.
    double previous = Double.NEGATIVE_INFINITY;
    for (String w : ItemCorpus.REPUTATION) {
      double sum = 0;
      int n = 0;
      for (int item = 1; item <= c.size(); item++) {
        if (corpus.contains("Critics found \"" + c.title(item) + "\" " + w + ".")) {
          sum += c.bias[item - 1];
          n++;
        }
      }
      assertTrue(sum / n > previous, w);
      previous = sum / n;
    }
    for (String s : corpus) {
      assertFalse(s.matches("(?i).*\\b(users?|ratings?|rated)\\b.*"), s);
    }
  }

  @Test
  void theSameSeedGivesTheSameTextAndAnotherSeedAnother() {
    assertEquals(WORLD.corpus(), new SyntheticMovieLens(SynthParams.of(8000, 42)).corpus());
    assertNotEquals(WORLD.corpus(), new SyntheticMovieLens(SynthParams.of(8000, 43)).corpus());
    List<ItemCorpus.Instruction> a = ItemCorpus.instructions(WORLD.catalog(), 5);
    assertEquals(a, ItemCorpus.instructions(WORLD.catalog(), 5));
    assertTrue(a.size() >= 4 * WORLD.catalog().size(), "genres, reputation, a yes and a no per item");
    assertTrue(a.stream().allMatch(x -> !x.output().isBlank() && x.input().startsWith("\"")));
  }
}
