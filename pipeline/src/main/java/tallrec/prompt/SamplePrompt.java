package tallrec.prompt;

import java.util.List;
import tallrec.llm.TruncatablePrompt;

/**
 * A sample's Alpaca-wrapped TALLRec prompt that can be re-rendered without its oldest history
 * items, for models whose context cannot hold the whole history. Prompts imported from the
 * reference's JSON files carry no item list and render as they are ({@link #fixed}).
 */
public final class SamplePrompt implements TruncatablePrompt {

  private final String id;
  private final String noun;
  private final List<String> historyTexts;
  private final List<Integer> historyLabels;
  private final String targetText;
  private final String instruction;
  private final String input;
  private final AlpacaTemplate template;

  private SamplePrompt(String id, String noun, List<String> historyTexts, List<Integer> historyLabels,
      String targetText, String instruction, String input, AlpacaTemplate template) {
    this.id = id;
    this.noun = noun;
    this.historyTexts = historyTexts;
    this.historyLabels = historyLabels;
    this.targetText = targetText;
    this.instruction = instruction;
    this.input = input;
    this.template = template;
  }

  /** A prompt rebuilt from a sample's rendered items, oldest history item first. */
  public static SamplePrompt of(String id, String noun, List<String> historyTexts, List<Integer> historyLabels,
      String targetText) {
    if (historyTexts.size() != historyLabels.size()) {
      throw new IllegalArgumentException("sample " + id + ": " + historyTexts.size() + " history items but "
          + historyLabels.size() + " labels");
    }
    return new SamplePrompt(id, noun, historyTexts, historyLabels, targetText, null, null, AlpacaTemplate.ALPACA);
  }

  /** A prompt given as instruction + input (e.g. the reference's JSON); it cannot be shortened. */
  public static SamplePrompt fixed(String id, String instruction, String input) {
    return new SamplePrompt(id, null, List.of(), List.of(), null, instruction, input == null ? "" : input,
        AlpacaTemplate.ALPACA);
  }

  /** The same prompt rendered in {@code t} (the reference's text, say). */
  public SamplePrompt withTemplate(AlpacaTemplate t) {
    return new SamplePrompt(id, noun, historyTexts, historyLabels, targetText, instruction, input, t);
  }


  @Override
  public int historySize() {
    return historyTexts.size();
  }

  @Override
  public String render(int dropOldest) {
    if (instruction != null) {
      return template.render(instruction, input);
    }
    int n = historyTexts.size();
    // The label is irrelevant to the prompt text: the answer slot is left empty.
    return RecPrompt.of(noun, historyTexts.subList(dropOldest, n), historyLabels.subList(dropOldest, n), targetText, 0)
        .alpacaPrompt(template);
  }

  @Override
  public String id() {
    return id;
  }
}
