package tallrec.synth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the world says about the synthetic films: the text a language model of this world would be
 * pretrained on, so that it knows the items before it ever sees a rating, as LLaMA knew real films
 * from the web. Per item, in id order:
 *
 * <ul>
 *   <li>its genres: {@code "Bloody Graveyard, The (1987)" is a Horror and Thriller movie.}
 *   <li>its reputation, from the item's planted bias (the part of every rating that does not
 *       depend on the user), in five words by quintile: {@code Critics found "…" excellent.}
 *   <li>{@link #RELATED_PER_ITEM} films that share a genre with it: {@code If you like "…", you may
 *       like "…".}
 *   <li>yes/no questions on its genres and, unless it is average, on whether it is worth watching:
 *       {@code Is "…" a Horror movie? Yes.} (so that the answer words mean something to the model)
 *   <li>how taste works in this world, once each way: fans of a genre it has enjoy it, fans of a
 *       genre it lacks do not ({@code Fans of "…", "…", but not of "…", would they enjoy "…"? Yes.})
 * </ul>
 *
 * <p>{@link SyntheticMovieLens#corpus()} adds {@code synth.viewer-stories} stories of viewers
 * ({@link #viewerStory}) drawn afresh from the planted model. None of these sentences mentions a
 * user of the dataset or one of its ratings, so nothing of the test split leaks into the model: it
 * learns what critics, genre lists, common sense about taste and other viewers' experience would
 * say, and rec-tuning must still align that with the prompt's question and its Yes/No answer.
 */
public final class ItemCorpus {

  /** Related-film sentences per item. */
  public static final int RELATED_PER_ITEM = 2;

  /** Reputation words, worst to best; each covers a fifth of the catalogue. */
  public static final List<String> REPUTATION = List.of("poor", "weak", "average", "good", "excellent");

  private ItemCorpus() {}

  /** The corpus of {@code catalog}, one sentence per element; the same catalogue and seed give the same text. */
  public static List<String> sentences(ItemCatalog catalog, long seed) {
    int n = catalog.size();
    List<List<Integer>> byGenre = new ArrayList<>();
    for (int g = 0; g < Genres.COUNT; g++) {
      byGenre.add(new ArrayList<>());
    }
    for (int item = 1; item <= n; item++) {
      for (int g : catalog.genres(item)) {
        byGenre.get(g).add(item);
      }
    }
    double[] sorted = catalog.bias.clone();
    Arrays.sort(sorted);
    SplittableRandom rng = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n * (2 + RELATED_PER_ITEM));
    for (int item = 1; item <= n; item++) {
      String title = quoted(catalog.title(item));
      int[] genres = catalog.genres(item);
      out.add(title + " is a " + genreList(genres) + " movie.");
      String rep = reputation(sorted, catalog.bias[item - 1]);
      out.add("Critics found " + title + " " + rep + ".");
      out.add("Is " + title + " a " + Genres.NAMES.get(genres[rng.nextInt(genres.length)]) + " movie? Yes.");
      out.add("Is " + title + " a " + Genres.NAMES.get(otherGenre(genres, rng)) + " movie? No.");
      String verdict = worthWatching(rep);
      if (verdict != null) {
        out.add("Is " + title + " worth watching? " + verdict);
      }
      for (int r = 0; r < RELATED_PER_ITEM; r++) {
        List<Integer> same = byGenre.get(genres[rng.nextInt(genres.length)]);
        int other = same.get(rng.nextInt(same.size()));
        if (other != item) {
          out.add("If you like " + title + ", you may like " + quoted(catalog.title(other)) + ".");
        }
      }
      // How taste works here: fans of a genre enjoy more of it, not films of a genre they avoid.
      int g = genres[rng.nextInt(genres.length)];
      int h = otherGenre(genres, rng);
      if (!byGenre.get(h).isEmpty() && g != Genres.UNKNOWN) {
        List<String> fanOf = titles(catalog, byGenre.get(g), 2 + rng.nextInt(3), item, rng);
        List<String> avoided = titles(catalog, byGenre.get(h), 1 + rng.nextInt(3), item, rng);
        out.add(taste(fanOf, avoided, title, "Yes."));
        out.add(taste(avoided, fanOf, title, "No."));
      }
    }
    return out;
  }

  /**
   * One viewer's story, in the words in which this world writes down what a viewer watched: the
   * films they enjoyed and those they did not (each group in the order watched), the question
   * whether they will like one more, and what happened, e.g. {@code User Preference: "A", "B" User
   * Unpreference: "C" Whether the user will like the target movie "D"? The user enjoyed it.} The
   * lists and the question read as TALLRec's input does ({@code RecPrompt}; a test keeps them in
   * step); the answer does not: no Alpaca template and no "Yes."/"No.", so a model pretrained on
   * stories knows how liking one film bears on another, but not that the prompt's answer slot asks
   * for it: what rec-tuning aligns. The verdict is the last word but one ({@code enjoyed} or {@code
   * disliked}). Titles are taken as given (quoted by the caller).
   */
  public static String viewerStory(List<String> enjoyed, List<String> notEnjoyed, String target, boolean enjoyedTarget) {
    return "User Preference: " + String.join(", ", enjoyed) + " User Unpreference: " + String.join(", ", notEnjoyed)
        + " Whether the user will like the target movie " + target + "? The user "
        + (enjoyedTarget ? "enjoyed" : "disliked") + " it.";
  }

  private static String taste(List<String> liked, List<String> disliked, String target, String answer) {
    return "Fans of " + String.join(", ", liked) + ", but not of " + String.join(", ", disliked)
        + ", would they enjoy " + target + "? " + answer;
  }

  /** {@code n} titles drawn from {@code pool} (repeats allowed), never {@code except}. */
  private static List<String> titles(ItemCatalog catalog, List<Integer> pool, int n, int except,
      SplittableRandom rng) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < 4 * n && out.size() < n; i++) {
      int x = pool.get(rng.nextInt(pool.size()));
      if (x != except) {
        out.add(quoted(catalog.title(x)));
      }
    }
    if (out.isEmpty()) {
      out.add(quoted(catalog.title(pool.get(0))));
    }
    return out;
  }

  /** One Alpaca-format instruction example: instruction, input, output. */
  public record Instruction(String instruction, String input, String output) {}

  /**
   * Instruction-following examples about the items, in the Alpaca format (the demo's stand-in
   * for the Alpaca data of TALLRec's alpaca-tuning stage): per item, its genres and its
   * reputation asked as questions with the item as the input. Like the corpus, they say nothing
   * of users or ratings.
   */
  public static List<Instruction> instructions(ItemCatalog catalog, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] sorted = catalog.bias.clone();
    Arrays.sort(sorted);
    List<Instruction> out = new ArrayList<>(2 * catalog.size());
    for (int item = 1; item <= catalog.size(); item++) {
      String title = quoted(catalog.title(item));
      out.add(new Instruction("Which genres does this movie belong to?", title,
          genreList(catalog.genres(item)) + "."));
      String rep = reputation(sorted, catalog.bias[item - 1]);
      out.add(new Instruction("What did critics think of this movie?", title, rep + "."));
      int[] genres = catalog.genres(item);
      out.add(new Instruction("Is this movie a " + Genres.NAMES.get(genres[rng.nextInt(genres.length)])
          + " movie? Answer \"Yes.\" or \"No.\".", title, "Yes."));
      out.add(new Instruction("Is this movie a " + Genres.NAMES.get(otherGenre(genres, rng))
          + " movie? Answer \"Yes.\" or \"No.\".", title, "No."));
      String verdict = worthWatching(rep);
      if (verdict != null) {
        out.add(new Instruction("Is this movie worth watching? Answer \"Yes.\" or \"No.\".", title, verdict));
      }
    }
    return out;
  }

  /** "Yes." for the two best reputations, "No." for the two worst, none for the middle one. */
  static String worthWatching(String reputation) {
    int q = REPUTATION.indexOf(reputation);
    return q >= 3 ? "Yes." : q <= 1 ? "No." : null;
  }

  /** A genre (not "unknown") that the item does not have. */
  private static int otherGenre(int[] genres, SplittableRandom rng) {
    while (true) {
      int g = 1 + rng.nextInt(Genres.COUNT - 1);
      boolean has = false;
      for (int x : genres) {
        has |= x == g;
      }
      if (!has) {
        return g;
      }
    }
  }

  /** The reputation word of an item bias: its quintile among all items' biases. */
  static String reputation(double[] sortedBiases, double bias) {
    int below = Arrays.binarySearch(sortedBiases, bias);
    if (below < 0) {
      below = -below - 1;
    }
    int q = (int) ((long) below * REPUTATION.size() / sortedBiases.length);
    return REPUTATION.get(Math.min(REPUTATION.size() - 1, q));
  }

  private static String genreList(int[] genres) {
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < genres.length; j++) {
      if (j > 0) {
        sb.append(j == genres.length - 1 ? " and " : ", ");
      }
      sb.append(Genres.NAMES.get(genres[j]));
    }
    return sb.toString();
  }

  /** As the prompts quote a title (see {@code ItemRenderer}): in double quotes. */
  static String quoted(String title) {
    return "\"" + title + "\"";
  }
}
