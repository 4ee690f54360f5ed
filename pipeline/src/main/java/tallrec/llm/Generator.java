package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Autoregressive decoding of one sequence with a KV cache: the prompt is run once, then each new
 * token costs one single-position forward. Greedy (temperature 0) or temperature + top-p sampling
 * from a seeded RNG, so a run is reproducible. Sampling happens in Java on the last logits row.
 */
public final class Generator {

  /** Decoding settings. */
  public static final class Options {
    public int maxNewTokens = 64;
    /** 0 = greedy (argmax, first maximum on ties, like llama2.c). */
    public double temperature = 0.0;
    /** Nucleus sampling mass; 1 = sample from the whole distribution. */
    public double topP = 1.0;
    public long seed = 42;
    public boolean stopAtEos = true;
    /** Which code runs the decoding steps. */
    public Decoder decoder = Decoder.AUTO;

    public Options decoder(Decoder d) {
      this.decoder = d;
      return this;
    }

    public Options maxNewTokens(int n) {
      this.maxNewTokens = n;
      return this;
    }

    public Options temperature(double t) {
      this.temperature = t;
      return this;
    }

    public Options topP(double p) {
      this.topP = p;
      return this;
    }

    public Options seed(long s) {
      this.seed = s;
      return this;
    }
  }

  /** Where decoding steps run. */
  public enum Decoder {
    /** {@link #JAVA} for models {@link SmallModelDecoder#suits}, else {@link #ENGINE}. */
    AUTO,
    /** libtorch through DJL, with a KV cache of NDArrays (any size, any device). */
    ENGINE,
    /** {@link SmallModelDecoder}: plain Java loops, no per-op overhead (small models). */
    JAVA
  }

  private final LlamaModel model;
  /** The Java decoder's copy of the weights, made on first use: a Generator serves one model state. */
  private SmallModelDecoder small;

  public Generator(LlamaModel model) {
    this.model = model;
  }

  /** The decoder {@code o} resolves to for this model. */
  public Decoder resolve(Options o) {
    return o.decoder != Decoder.AUTO ? o.decoder
        : model.manager().getDevice().isGpu() || !SmallModelDecoder.suits(model) ? Decoder.ENGINE : Decoder.JAVA;
  }

  /**
   * Generates after {@code prompt} (which must hold at least one token, normally BOS first).
   * Returns only the new ids; EOS is not included. Stops early at EOS or at the context limit.
   */
  public int[] generate(int[] prompt, Options o) {
    GradMode.off();
    if (prompt.length == 0) {
      throw new IllegalArgumentException("prompt must contain at least one token (BOS)");
    }
    LlamaConfig c = model.config();
    if (prompt.length > c.contextLength()) {
      throw new IllegalArgumentException("prompt of " + prompt.length + " tokens exceeds the context of "
          + c.contextLength());
    }
    Random rng = new Random(o.seed);
    if (resolve(o) == Decoder.JAVA) {
      if (small == null) {
        small = new SmallModelDecoder(model);
      }
      small.reset();
      return decode(prompt, o, rng, tokens -> {
        float[] logits = null;
        for (int t : tokens) {
          logits = small.step(t);
        }
        return logits;
      });
    }
    try (NDManager gen = model.manager().getParentManager().newSubManager();
        KvCache cache = new KvCache(gen, c.numLayers, 1)) {
      return decode(prompt, o, rng, tokens -> {
        TokenBatch next = TokenBatch.of(List.of(tokens), PaddingSide.RIGHT, 0);
        try (NDManager step = gen.newSubManager()) {
          return model.logits(model.forwardLast(step, next, cache)).toFloatArray();
        }
      });
    }
  }

  /**
   * The decoding loop of either decoder: {@code run} extends the sequence by the given tokens (the
   * prompt, then one token at a time) and returns the last position's logits.
   */
  private int[] decode(int[] prompt, Options o, Random rng, Function<int[], float[]> run) {
    LlamaConfig c = model.config();
    float[] logits = run.apply(prompt);
    List<Integer> out = new ArrayList<>();
    int total = prompt.length;
    while (out.size() < o.maxNewTokens) {
      int id = o.temperature <= 0 ? argmax(logits) : sample(logits, o.temperature, o.topP, rng);
      if (o.stopAtEos && id == c.eosId) {
        break;
      }
      out.add(id);
      total++;
      if (total >= c.contextLength() || out.size() >= o.maxNewTokens) {
        break;
      }
      logits = run.apply(new int[] {id});
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Softmax(logits / T), keep the smallest top set with mass ≥ topP, sample from it. */
  static int sample(float[] logits, double temperature, double topP, Random rng) {
    int n = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float f : logits) {
      max = Math.max(max, f);
    }
    double[] p = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      p[i] = Math.exp((logits[i] - max) / temperature);
      sum += p[i];
    }
    for (int i = 0; i < n; i++) {
      p[i] /= sum;
    }
    if (topP < 1.0) {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
      double cum = 0;
      int keep = 0;
      while (keep < n) {
        cum += p[order[keep++]];
        if (cum >= topP) {
          break;
        }
      }
      double r = rng.nextDouble() * cum;
      double acc = 0;
      for (int j = 0; j < keep; j++) {
        acc += p[order[j]];
        if (r < acc) {
          return order[j];
        }
      }
      return order[keep - 1];
    }
    double r = rng.nextDouble();
    double acc = 0;
    for (int i = 0; i < n; i++) {
      acc += p[i];
      if (r < acc) {
        return i;
      }
    }
    return argmax(logits);
  }
}
