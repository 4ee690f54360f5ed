package tallrec.llm;

import java.util.List;

/**
 * Token sequences of different lengths padded into one [batch, length] block, with the validity
 * mask the model turns into an additive attention mask. Positions are derived from the mask
 * (count of real tokens before), so left- and right-padded batches compute the same thing.
 */
public final class TokenBatch {

  public final int batch;
  public final int length;
  /** [batch * length] token ids; pads hold {@code padId}. */
  public final long[] ids;
  /** [batch * length] true where a real token is. */
  public final boolean[] valid;
  /** Per row: number of real tokens. */
  public final int[] lengths;
  /** Per row: index (within the row) of the last real token. */
  public final int[] lastIndex;

  private TokenBatch(int batch, int length) {
    this.batch = batch;
    this.length = length;
    this.ids = new long[batch * length];
    this.valid = new boolean[batch * length];
    this.lengths = new int[batch];
    this.lastIndex = new int[batch];
  }

  public static TokenBatch of(List<int[]> seqs, PaddingSide side, int padId) {
    int max = 0;
    for (int[] s : seqs) {
      if (s.length == 0) {
        throw new IllegalArgumentException("empty token sequence in a batch");
      }
      max = Math.max(max, s.length);
    }
    TokenBatch b = new TokenBatch(seqs.size(), max);
    for (int r = 0; r < seqs.size(); r++) {
      int[] s = seqs.get(r);
      int start = side == PaddingSide.LEFT ? max - s.length : 0;
      for (int t = 0; t < max; t++) {
        int i = r * max + t;
        int j = t - start;
        boolean real = j >= 0 && j < s.length;
        b.valid[i] = real;
        b.ids[i] = real ? s[j] : padId;
      }
      b.lengths[r] = s.length;
      b.lastIndex[r] = start + s.length - 1;
    }
    return b;
  }

  /** One token per row (a decoding step). */
  public static TokenBatch step(int[] tokens) {
    TokenBatch b = new TokenBatch(tokens.length, 1);
    for (int r = 0; r < tokens.length; r++) {
      b.ids[r] = tokens[r];
      b.valid[r] = true;
      b.lengths[r] = 1;
      b.lastIndex[r] = 0;
    }
    return b;
  }
}
