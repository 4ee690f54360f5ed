package tallrec.train;

import tallrec.conf.NamedValues;

/**
 * What a training sequence longer than {@code cutoff-len} loses ({@code tallrec.tune.truncation}).
 *
 * <ul>
 *   <li>{@link #DROP_HISTORY} ({@code drop-history}, the default): the prompt's oldest history items
 *       go, one at a time, until prompt + answer + EOS fit; the answer is never cut. A sample whose
 *       prompt cannot fit even without history is skipped (and counted).
 *   <li>{@link #CUT_TAIL} ({@code cut-tail}): alpaca-lora's {@code tokenize} in TALLRec's reference
 *       ({@code finetune_rec.py}): the tokens past {@code cutoff_len} are cut, whatever they are
 *       (usually the answer), and EOS is appended only to a sequence shorter than the cutoff. The
 *       masked prompt length is measured on the prompt alone, cut the same way, so a cut sample
 *       has no predicted token when train-on-inputs is false: it still takes its place in its
 *       micro-batch, as in the reference.
 * </ul>
 */
public enum Truncation {
  DROP_HISTORY("drop-history"),
  CUT_TAIL("cut-tail");

  private final String key;

  Truncation(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static Truncation named(String key) {
    return NamedValues.named(Truncation.class, Truncation::key, key, "truncation");
  }
}
