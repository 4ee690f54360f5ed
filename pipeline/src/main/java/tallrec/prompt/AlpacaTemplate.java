package tallrec.prompt;

import tallrec.conf.NamedValues;

/**
 * The Alpaca instruction template (as alpaca-lora and TALLRec's reference use it): an
 * instruction, an optional input, and the response slot the model completes.
 *
 * <p>Two texts, chosen by {@code tallrec.prompt.template}:
 * <ul>
 *   <li>{@link #ALPACA} ({@code alpaca}): alpaca-lora's {@code templates/alpaca.json}, the default.
 *   <li>{@link #ALPACA_WITH_NOQA_COMMENT} ({@code alpaca-with-noqa-comment}): the text TALLRec's
 *       reference actually renders. Its {@code generate_prompt} (in {@code finetune_rec.py} and
 *       {@code evaluate.py}) keeps a lint comment inside the f-string, so every prompt the paper's
 *       adapters were trained and evaluated on has {@code "  # noqa: E501"} right after the
 *       preamble sentence. Choose it to score the paper's own adapters on the prompts they saw.
 * </ul>
 */
public enum AlpacaTemplate {
  ALPACA("alpaca", ""),
  ALPACA_WITH_NOQA_COMMENT("alpaca-with-noqa-comment", "  # noqa: E501");

  /** alpaca-lora's template with an input (the {@link #ALPACA} text). */
  public static final String PROMPT_INPUT =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
          + "Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";

  /** alpaca-lora's template without an input (the {@link #ALPACA} text). */
  public static final String PROMPT_NO_INPUT =
      "Below is an instruction that describes a task. "
          + "Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\n{instruction}\n\n### Response:\n";

  /** Where the model's answer starts; what follows it is the response. */
  public static final String RESPONSE_SPLIT = "### Response:";

  private final String key;
  private final String withInput;
  private final String withoutInput;

  AlpacaTemplate(String key, String afterPreamble) {
    this.key = key;
    this.withInput = PROMPT_INPUT.replaceFirst("request\\.\n\n", "request." + afterPreamble + "\n\n");
    this.withoutInput = PROMPT_NO_INPUT.replaceFirst("request\\.\n\n", "request." + afterPreamble + "\n\n");
  }

  /** The configuration value naming this template. */
  public String key() {
    return key;
  }

  /** The template named {@code key} (a {@code tallrec.prompt.template} value). */
  public static AlpacaTemplate named(String key) {
    return NamedValues.named(AlpacaTemplate.class, AlpacaTemplate::key, key, "prompt template");
  }

  /** The full prompt up to (and including) the response slot, without the answer, in the default template. */
  public static String prompt(String instruction, String input) {
    return ALPACA.render(instruction, input);
  }

  /** The full prompt up to (and including) the response slot, without the answer. */
  public String render(String instruction, String input) {
    boolean hasInput = input != null && !input.isEmpty();
    String template = hasInput ? withInput : withoutInput;
    // Slots are located in the template, not in the partly filled text, and filled literally (no
    // String.format): an instruction or title may itself contain '%', '{input}' or '{'.
    int i = template.indexOf("{instruction}");
    int afterInstruction = i + "{instruction}".length();
    StringBuilder out = new StringBuilder(template.length() + instruction.length() + (hasInput ? input.length() : 0));
    out.append(template, 0, i).append(instruction);
    if (hasInput) {
      int j = template.indexOf("{input}", afterInstruction);
      out.append(template, afterInstruction, j).append(input).append(template, j + "{input}".length(), template.length());
    } else {
      out.append(template, afterInstruction, template.length());
    }
    return out.toString();
  }
}
