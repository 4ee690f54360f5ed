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
  void viewerStoriesFollowThePlantedModel() {
    SyntheticMovieLens world = new SyntheticMovieLens(SynthParams.of(8000, 42).withViewerStories(2000));
    List<String> corpus = world.corpus();
    List<String> stories = corpus.subList(WORLD.corpus().size(), corpus.size());
    assertEquals(WORLD.corpus(), corpus.subList(0, WORLD.corpus().size()), "the item sentences come first, unchanged");
    assertEquals(2000, stories.size());
    assertEquals(stories, new SyntheticMovieLens(SynthParams.of(8000, 42).withViewerStories(2000)).corpus()
        .subList(WORLD.corpus().size(), corpus.size()));
    Map<String, Integer> itemOf = new HashMap<>();
    for (int item = 1; item <= world.catalog().size(); item++) {
      itemOf.put("\"" + world.catalog().title(item) + "\"", item);
    }
    java.util.regex.Pattern story = java.util.regex.Pattern.compile(
        "User Preference: (.*) User Unpreference: (.*) Whether the user will like the target movie (\".*\")\\? "
            + "The user (enjoyed|disliked) it\\.");
    int n = stories.size();
    double[] bias = new double[n];
    double[] likeShare = new double[n];
    int[] verdict = new int[n];
    for (int i = 0; i < n; i++) {
      java.util.regex.Matcher m = story.matcher(stories.get(i));
      assertTrue(m.matches(), stories.get(i));
      List<Integer> enjoyed = items(m.group(1), itemOf);
      List<Integer> notEnjoyed = items(m.group(2), itemOf);
      int target = itemOf.get(m.group(3));
      java.util.Set<Integer> all = new java.util.HashSet<>(enjoyed);
      all.addAll(notEnjoyed);
      all.add(target);
      assertEquals(SyntheticMovieLens.STORY_HISTORY + 1, all.size(), "ten distinct films and another: " + stories.get(i));
      bias[i] = world.catalog().bias[target - 1];
      likeShare[i] = enjoyed.size() / (double) SyntheticMovieLens.STORY_HISTORY;
      verdict[i] = m.group(4).equals("enjoyed") ? 1 : 0;
    }
    // The verdicts come from the planted model: about as many likes as in the ratings (55% above
    // 3), more for better films (item bias) and for viewers who enjoyed more of their ten (user bias).
    double likes = java.util.Arrays.stream(verdict).average().orElseThrow();
    assertEquals(0.55, likes, 0.06);
    assertTrue(tallrec.eval.RankAuc.auc(bias, verdict) > 0.6, "item bias");
    assertTrue(tallrec.eval.RankAuc.auc(likeShare, verdict) > 0.6, "the viewer's other likes");
    // An empty group is an empty list, as in the prompt.
    assertEquals("User Preference:  User Unpreference: \"b\" Whether the user will like the target movie \"c\"? "
        + "The user disliked it.", ItemCorpus.viewerStory(List.of(), List.of("\"b\""), "\"c\"", false));
  }

  /** The item ids of a comma-separated list of quoted titles (titles may contain commas). */
  private static List<Integer> items(String list, Map<String, Integer> itemOf) {
    List<Integer> out = new java.util.ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"[^\"]*\"").matcher(list);
    while (m.find()) {
      Integer id = itemOf.get(m.group());
      assertTrue(id != null, "not a film of the catalogue: " + m.group());
      out.add(id);
    }
    return out;
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
