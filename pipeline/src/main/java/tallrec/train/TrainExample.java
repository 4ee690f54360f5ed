package tallrec.train;

import java.util.Arrays;
import tallrec.llm.TruncatablePrompt;
import tallrec.text.Tokenizer;

/**
 * One causal-LM training sequence: BOS + prompt + response + EOS, and how many leading tokens are
 * the prompt (masked out of the loss when train_on_inputs is false), as alpaca-lora builds them.
 * BOS is whatever the tokenizer prepends ({@link Tokenizer#addsBos()}): none for Qwen.
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
    return build(tok, prompt, response, cutoff, Truncation.DROP_HISTORY);
  }

  /**
   * As {@link #build(Tokenizer, TruncatablePrompt, String, int)} with the given rule for sequences
   * longer than {@code cutoff}; {@link Truncation#CUT_TAIL} never returns null.
   */
  public static TrainExample build(Tokenizer tok, TruncatablePrompt prompt, String response, int cutoff,
      Truncation truncation) {
    if (truncation == Truncation.CUT_TAIL) {
      return cutTail(tok, prompt, response, cutoff);
    }
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

  /** alpaca-lora's tokenize + generate_and_tokenize_prompt, as TALLRec's finetune_rec.py runs them. */
  private static TrainExample cutTail(Tokenizer tok, TruncatablePrompt prompt, String response, int cutoff) {
    String text = prompt.render(0);
    // The whole text in one piece (tokens may merge across the prompt/answer boundary), first
    // cutoff tokens kept; EOS only when there is room (a cut sequence ends without one).
    int[] full = tok.encode(text + response, true);
    int[] ids = full.length >= cutoff ? Arrays.copyOf(full, cutoff) : Arrays.copyOf(full, full.length + 1);
    if (full.length < cutoff) {
      ids[full.length] = tok.eosId();
    }
    // The masked length is the prompt's own token count, cut the same way.
    int promptTokens = Math.min(tok.encode(text, true).length, cutoff);
    return new TrainExample(prompt.id(), ids, promptTokens, 0);
  }
}
