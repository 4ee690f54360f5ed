package tallrec.prompt;

/**
 * The Alpaca instruction template (as alpaca-lora and TALLRec's reference use it): an
 * instruction, an optional input, and the response slot the model completes.
 */
public final class AlpacaTemplate {

  public static final String PROMPT_INPUT =
      "Below is an instruction that describes a task, paired with an input that provides further context. "
          + "Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";

  public static final String PROMPT_NO_INPUT =
      "Below is an instruction that describes a task. "
          + "Write a response that appropriately completes the request.\n\n"
          + "### Instruction:\n{instruction}\n\n### Response:\n";

  /** Where the model's answer starts; what follows it is the response. */
  public static final String RESPONSE_SPLIT = "### Response:";

  private AlpacaTemplate() {}

  /** The full prompt up to (and including) the response slot, without the answer. */
  public static String prompt(String instruction, String input) {
    boolean hasInput = input != null && !input.isEmpty();
    String template = hasInput ? PROMPT_INPUT : PROMPT_NO_INPUT;
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
