package tallrec.llm;

/**
 * The rotary position embedding of a config, in Hugging Face's rotate-half layout: per position p
 * and frequency i, {@code cos(p·f_i)} and {@code sin(p·f_i)} repeated over both halves of a head.
 *
 * <p>The inverse frequencies {@code f_i = 1 / θ^(2i/d)} and their {@link RopeScaling} are
 * computed step by step in F32 as transformers computes them (its tensors are F32 there), so a
 * checkpoint's logits match HF's within F32 rounding, and greedy decoding matches token for token.
 *
 * <p>Tables for fixed frequencies are built for the positions asked so far and grown by doubling
 * (Llama 3.1 states 131,072 positions: a full table would be 134 MB for prompts of a few hundred
 * tokens). A grown table is a new pair of arrays, published whole, so threads scoring with one
 * shared model read either the old table or the new one. Dynamic NTK scaling has no fixed table past
 * the trained context: there the frequencies depend on the sequence length and are computed per call.
 */
public final class RotaryEmbedding {

  private final int headDim;
  private final double theta;
  private final RopeScaling scaling;
  private final int maxPositions;
  private final int contextLength;
  /** Frequencies within the trained context (all of them unless dynamic scaling applies). */
  private final float[] fixed;
  /** {cos, sin}, each [capacity × headDim]; replaced whole when grown. */
  private volatile float[][] table = {new float[0], new float[0]};

  public RotaryEmbedding(LlamaConfig c) {
    this.headDim = c.headDim;
    this.theta = c.ropeTheta;
    this.scaling = c.ropeScaling;
    this.maxPositions = c.maxPositions;
    this.contextLength = c.contextLength();
    this.fixed = inverseFrequencies(maxPositions);
  }

  /** Positions accepted (see {@link RopeScaling#contextLength}). */
  public int contextLength() {
    return contextLength;
  }

  /**
   * The inverse frequencies [headDim / 2] for a forward pass over sequences of {@code seqLength}
   * positions (the largest position in the call + 1). Only dynamic scaling depends on it, and only
   * past max_position_embeddings: θ' = θ · (factor · len / max − (factor − 1))^(d / (d − 2)).
   *
   * <p>Transformers keeps the largest length it has seen until a call shorter than the trained
   * context resets it; here every call uses its own length. The two agree for a single forward and
   * for token-by-token generation (lengths only grow), which are the calls this project makes.
   */
  public float[] inverseFrequencies(int seqLength) {
    int d = headDim;
    float base = (float) theta;
    if (scaling.kind() == RopeScaling.Kind.DYNAMIC && seqLength > maxPositions) {
      float ratio = (float) scaling.factor() * seqLength / maxPositions - (float) (scaling.factor() - 1);
      base = (float) theta * (float) Math.pow(ratio, (float) ((double) d / (d - 2)));
    }
    float[] inv = new float[d / 2];
    for (int i = 0; i < inv.length; i++) {
      float exponent = (float) (2 * i) / d;
      inv[i] = 1.0f / (float) Math.pow(base, exponent);
    }
    switch (scaling.kind()) {
      case LINEAR -> {
        for (int i = 0; i < inv.length; i++) {
          inv[i] = inv[i] / (float) scaling.factor();
        }
      }
      case LLAMA3 -> llama3(inv);
      default -> { }
    }
    return inv;
  }

  /** Llama 3.1's rule, in transformers' order of F32 operations. */
  private void llama3(float[] inv) {
    float factor = (float) scaling.factor();
    float low = (float) scaling.lowFreqFactor();
    float old = scaling.originalMaxPositions();
    // Compared with an F32 tensor, transformers' Python-float thresholds are rounded to F32.
    float lowWavelen = (float) (scaling.originalMaxPositions() / scaling.lowFreqFactor());
    float highWavelen = (float) (scaling.originalMaxPositions() / scaling.highFreqFactor());
    float span = (float) (scaling.highFreqFactor() - scaling.lowFreqFactor());
    for (int i = 0; i < inv.length; i++) {
      // torch computes scalar / tensor as reciprocal(tensor) * scalar.
      float wavelen = (1.0f / inv[i]) * (float) (2 * Math.PI);
      float scaled = wavelen > lowWavelen ? inv[i] / factor : inv[i];
      boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
      if (medium) {
        float smooth = ((1.0f / wavelen) * old - low) / span;
        inv[i] = (1 - smooth) * scaled / factor + smooth * scaled;
      } else {
        inv[i] = scaled;
      }
    }
  }

  /**
   * Writes the cos and sin rows [headDim] of each position into {@code cos} and {@code sin}
   * (positions.length × headDim each), for a call whose sequences span {@code seqLength} positions.
   */
  public void fill(long[] positions, int seqLength, float[] cos, float[] sin) {
    int hd = headDim;
    if (scaling.kind() == RopeScaling.Kind.DYNAMIC && seqLength > maxPositions) {
      float[] inv = inverseFrequencies(seqLength);
      for (int r = 0; r < positions.length; r++) {
        row(inv, positions[r], cos, sin, r * hd);
      }
      return;
    }
    long maxPos = 0;
    for (long p : positions) {
      maxPos = Math.max(maxPos, p);
    }
    float[][] t = tableFor((int) maxPos + 1);
    for (int r = 0; r < positions.length; r++) {
      int from = (int) positions[r] * hd;
      System.arraycopy(t[0], from, cos, r * hd, hd);
      System.arraycopy(t[1], from, sin, r * hd, hd);
    }
  }

  /** The fixed-frequency table covering at least {@code positions} positions. */
  private float[][] tableFor(int positions) {
    float[][] t = table;
    if (t[0].length >= positions * headDim) {
      return t;
    }
    synchronized (this) {
      t = table;
      int have = t[0].length / headDim;
      if (have >= positions) {
        return t;
      }
      int capacity = Math.max(positions, Math.min(Math.max(64, have * 2), contextLength));
      float[] cos = new float[capacity * headDim];
      float[] sin = new float[capacity * headDim];
      for (int p = 0; p < capacity; p++) {
        row(fixed, p, cos, sin, p * headDim);
      }
      table = t = new float[][] {cos, sin};
      return t;
    }
  }

  /** cos/sin of p·f_i over both halves (the angle rounded to F32 first, as HF and llama2.c do). */
  private void row(float[] inv, long position, float[] cos, float[] sin, int at) {
    int half = headDim / 2;
    float p = position;
    for (int i = 0; i < half; i++) {
      float angle = p * inv[i];
      float cv = (float) Math.cos(angle);
      float sv = (float) Math.sin(angle);
      cos[at + i] = cv;
      cos[at + i + half] = cv;
      sin[at + i] = sv;
      sin[at + i + half] = sv;
    }
  }
}
