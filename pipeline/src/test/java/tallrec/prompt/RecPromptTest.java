package tallrec.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** TALLRec's prompt rules, without Spark. */
class RecPromptTest {

  @Test
  void likedThenDislikedEachInHistoryOrder() {
    RecPrompt p = RecPrompt.of("movie", List.of("\"A\"", "\"B\"", "\"C\"", "\"D\""), List.of(0, 1, 0, 1), "\"T\"", 1);
    assertEquals("User Preference: \"B\", \"D\"\nUser Unpreference: \"A\", \"C\"\n"
        + "Whether the user will like the target movie \"T\"?", p.input());
    assertEquals("Yes.", p.output());
    assertEquals("Given the user's preference and unpreference, identify whether the user will like the target movie "
        + "by answering \"Yes.\" or \"No.\".", p.instruction());
    assertEquals("No.", RecPrompt.of("movie", List.of("\"A\""), List.of(1), "\"T\"", 0).output());
  }

  @Test
  void anEmptyGroupLeavesNothingAfterTheColonAndSpace() {
    RecPrompt allLiked = RecPrompt.of("book", List.of("\"A\"", "\"B\""), List.of(1, 1), "\"T\"", 0);
    assertEquals("User Preference: \"A\", \"B\"\nUser Unpreference: \nWhether the user will like the target book \"T\"?",
        allLiked.input());
    RecPrompt allDisliked = RecPrompt.of("movie", List.of("\"A\""), List.of(0), "\"T\"", 0);
    assertEquals("User Preference: \nUser Unpreference: \"A\"\nWhether the user will like the target movie \"T\"?",
        allDisliked.input());
  }

  @Test
  void theSyntheticWorldsViewerStoriesAskTheInputsQuestionInItsWords() {
    // ItemCorpus (synth) cannot depend on this package, so its stories repeat the input's words;
    // this keeps them in step: a story is the input, lines joined by spaces, then its verdict.
    RecPrompt p = RecPrompt.of("movie", List.of("\"A (1990)\"", "\"B (1991)\"", "\"C (1992)\""), List.of(1, 0, 1),
        "\"D (1993)\"", 1);
    String story = tallrec.synth.ItemCorpus.viewerStory(List.of("\"A (1990)\"", "\"C (1992)\""),
        List.of("\"B (1991)\""), "\"D (1993)\"", true);
    assertEquals(p.input().replace('\n', ' ') + " The user enjoyed it.", story);
  }

  @Test
  void mismatchedLabelsAreAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RecPrompt.of("movie", List.of("\"A\""), List.of(1, 0), "\"T\"", 0));
    assertEquals("history has 1 items but 2 labels", e.getMessage());
  }

  @Test
  void itemRendering() {
    assertEquals("\"Toy Story (1995)\"", ItemRenderer.TITLE.render("Toy Story (1995)", "ignored"));
    assertEquals("\"Angels & Demons\" written by Dan Brown", ItemRenderer.TITLE_AUTHOR.render("Angels & Demons", "Dan Brown"));
    assertEquals("\"No Author\"", ItemRenderer.TITLE_AUTHOR.render("No Author", null));
    assertEquals("\"No Author\"", ItemRenderer.TITLE_AUTHOR.render("No Author", ""));
    assertEquals(ItemRenderer.TITLE_AUTHOR, ItemRenderer.forDomain("book"));
    assertEquals(ItemRenderer.TITLE, ItemRenderer.forDomain("movie"));
  }

  @Test
  void alpacaPromptWrapsInstructionAndInput() {
    RecPrompt p = RecPrompt.of("movie", List.of("\"A\""), List.of(1), "\"T\"", 1);
    assertEquals(AlpacaTemplate.prompt(p.instruction(), p.input()), p.alpacaPrompt());
    String s = p.alpacaPrompt();
    assertEquals(true, s.endsWith("### Input:\n" + p.input() + "\n\n### Response:\n"));
  }
}
