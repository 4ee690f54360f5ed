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
    String template = input == null || input.isEmpty() ? PROMPT_NO_INPUT : PROMPT_INPUT;
    // Plain replace, not String.format: titles may contain '%' and '{'.
    int i = template.indexOf("{instruction}");
    String out = template.substring(0, i) + instruction + template.substring(i + "{instruction}".length());
    if (input != null && !input.isEmpty()) {
      int j = out.indexOf("{input}");
      out = out.substring(0, j) + input + out.substring(j + "{input}".length());
    }
    return out;
  }
}
