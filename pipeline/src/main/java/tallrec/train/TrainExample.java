package tallrec.train;

import java.util.Arrays;
import tallrec.llm.TruncatablePrompt;
import tallrec.text.Tokenizer;

/**
 * One causal-LM training sequence: BOS + prompt + response + EOS, and how many leading tokens are
 * the prompt (masked out of the loss when train_on_inputs is false), as alpaca-lora builds them.
 *
 * @param droppedHistory history items left out so the sequence fits cutoff_len
 */
public record TrainExample(String id, int[] ids, int promptTokens, int droppedHistory) {

  /** Loss weight per position t: whether token t+1 is predicted (its label is not masked). */
  public boolean predicts(int t, boolean trainOnInputs) {
    int target = t + 1;
    return target < ids.length && (trainOnInputs || target >= promptTokens);
  }

  /**
   * Tokenizes {@code prompt} + {@code response} + EOS, dropping the prompt's oldest history items
   * until the whole sequence fits {@code cutoff} tokens; the response is never cut.
   *
   * @return null when even the prompt without history leaves no room for the response
   */
  public static TrainExample build(Tokenizer tok, TruncatablePrompt prompt, String response, int cutoff) {
    int n = prompt.historySize();
    for (int drop = 0; drop <= n; drop++) {
      String text = prompt.render(drop);
      int[] full = tok.encode(text + response, true);
      int[] ids = Arrays.copyOf(full, full.length + 1);
      ids[full.length] = tok.eosId();
      if (ids.length <= cutoff) {
        // alpaca-lora: the user prompt's own token count is what train_on_inputs=false masks.
        int promptTokens = Math.min(tok.encode(text, true).length, ids.length - 1);
        return new TrainExample(prompt.id(), ids, promptTokens, drop);
      }
    }
    return null;
  }
}
