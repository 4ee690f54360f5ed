package tallrec.prompt;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * TALLRec's recommendation prompt for one sample: the user's history split into liked and
 * disliked items (each group in history order), the target item, and the Yes/No answer.
 *
 * <pre>
 * instruction: Given the user's preference and unpreference, identify whether the user will like
 *              the target movie by answering "Yes." or "No.".
 * input:       User Preference: "T1", "T2"
 *              User Unpreference: "T3"
 *              Whether the user will like the target movie "T"?
 * output:      Yes.  |  No.
 * </pre>
 */
public record RecPrompt(String instruction, String input, String output) implements Serializable {

  public static final String YES = "Yes.";
  public static final String NO = "No.";

  /**
   * @param noun the domain noun, e.g. "movie" or "book"
   * @param history rendered history items, oldest first
   * @param historyLabels 1 = liked, 0 = disliked, aligned with {@code history}
   * @param target the rendered target item
   * @param label 1 when the user liked the target
   */
  public static RecPrompt of(String noun, List<String> history, List<Integer> historyLabels,
      String target, int label) {
    if (history.size() != historyLabels.size()) {
      throw new IllegalArgumentException("history has " + history.size() + " items but "
          + historyLabels.size() + " labels");
    }
    List<String> liked = new ArrayList<>();
    List<String> disliked = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      (historyLabels.get(i) == 1 ? liked : disliked).add(history.get(i));
    }
    String instruction = "Given the user's preference and unpreference, identify whether the user will like the target "
        + noun + " by answering \"Yes.\" or \"No.\".";
    String input = "User Preference: " + String.join(", ", liked) + "\n"
        + "User Unpreference: " + String.join(", ", disliked) + "\n"
        + "Whether the user will like the target " + noun + " " + target + "?";
    return new RecPrompt(instruction, input, answer(label));
  }

  /** The response for a label: "Yes." when the user liked the target (1), else "No.". */
  public static String answer(int label) {
    return label == 1 ? YES : NO;
  }

  /** The Alpaca-wrapped prompt the model sees, ending at the response slot. */
  public String alpacaPrompt() {
    return AlpacaTemplate.prompt(instruction, input);
  }

  /** The prompt in {@code template}, ending at the response slot. */
  public String alpacaPrompt(AlpacaTemplate template) {
    return template.render(instruction, input);
  }
}
