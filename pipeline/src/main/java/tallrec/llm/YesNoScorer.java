package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.IntUnaryOperator;
import tallrec.conf.NamedValues;
import tallrec.text.Tokenizer;

/**
 * TALLRec's scoring: one forward pass per batch of prompts, the logits of the "Yes" and "No"
 * answer tokens at the last prompt position, and score = softmax(logit_yes, logit_no)[0].
 *
 * <p>Answer tokens are found by tokenizing prompt + "Yes." and prompt + "No." and taking the first
 * token after the prompt's tokens, so they are right for any tokenizer (with the LLaMA tokenizer
 * after "### Response:\n" they are 8241 and 3782, the ids the reference hard-codes).
 *
 * <p>Prompts too long for the context lose their oldest history items until they fit.
 */
public final class YesNoScorer {

  /**
   * Scoring settings: set through the fluent setters, read through the accessors of the same name
   * (as Spark ML's params), so that an options object handed to a scorer is changed only on purpose.
   */
  public static final class Options {
    private int batchSize = 8;
    private int maxPromptTokens = 0;
    private PaddingSide padding = PaddingSide.LEFT;
    private boolean referenceFp16 = false;
    private String yes = "Yes.";
    private String no = "No.";
    private boolean sharedPrefix = true;
    private long tokensPerPass = 0;
    private OnTooLong onTooLong = OnTooLong.FAIL;

    public int batchSize() {
      return batchSize;
    }

    public Options batchSize(int n) {
      this.batchSize = n;
      return this;
    }

    /**
     * Longest prompt in tokens (the BOS, where the tokenizer adds one, included); ≤ 0 means the
     * model's context length.
     */
    public int maxPromptTokens() {
      return maxPromptTokens;
    }

    public Options maxPromptTokens(int n) {
      this.maxPromptTokens = n;
      return this;
    }

    public PaddingSide padding() {
      return padding;
    }

    public Options padding(PaddingSide p) {
      this.padding = p;
      return this;
    }

    /**
     * Reference compatibility: the reference computes a full-vocabulary softmax of FP16 logits,
     * takes P(Yes) and P(No), and applies softmax again to those two probabilities. With this on,
     * {@link Score#score} is that value (logits are rounded to FP16, the softmax output too).
     */
    public boolean referenceFp16() {
      return referenceFp16;
    }

    public Options referenceFp16(boolean b) {
      this.referenceFp16 = b;
      return this;
    }

    /** The positive answer whose first token is scored ("Yes."). */
    public String yes() {
      return yes;
    }

    /** The negative answer whose first token is scored ("No."). */
    public String no() {
      return no;
    }

    /**
     * Compute the prompts' common leading tokens (TALLRec's preamble and instruction) once per
     * call, as a key/value cache every batch attends to, instead of once per prompt. Equal to the
     * unshared computation up to F32 rounding; see {@link #sharedPrefixLength}.
     */
    public boolean sharedPrefix() {
      return sharedPrefix;
    }

    public Options sharedPrefix(boolean b) {
      this.sharedPrefix = b;
      return this;
    }

    /**
     * Padded tokens one forward pass may hold; a batch beyond it runs in several passes (same
     * scores). 0 = the model's {@link LlamaModel#tokensPerPass()}.
     */
    public long tokensPerPass() {
      return tokensPerPass;
    }

    public Options tokensPerPass(long n) {
      this.tokensPerPass = n;
      return this;
    }

    /** What to do with a prompt longer than {@link #maxPromptTokens} even with all its history dropped. */
    public OnTooLong onTooLong() {
      return onTooLong;
    }

    public Options onTooLong(OnTooLong o) {
      this.onTooLong = o;
      return this;
    }
  }

  /**
   * A prompt that does not fit even with its whole history dropped ({@code score.on-too-long}):
   * {@code fail} the stage naming the sample and its length; {@code truncate-input} cut tokens from
   * the middle of the prompt (where its input lies), keeping its first half (the instruction) and its
   * last (the target item and "### Response:"); {@code skip} leave the sample unscored (the stage
   * lists and counts it).
   */
  public enum OnTooLong {
    FAIL, TRUNCATE_INPUT, SKIP;

    public String key() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static OnTooLong named(String name) {
      return NamedValues.named(OnTooLong.class, OnTooLong::key, name, "score.on-too-long");
    }
  }

  /** The one line a stage reports for {@link OnTooLong#FAIL} (serializable: it crosses from a task). */
  public static final class PromptTooLong extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PromptTooLong(String message) {
      super(message);
    }
  }

  /** One prompt's result. */
  public static final class Score {
    public final String id;
    public final double logitYes;
    public final double logitNo;
    /** softmax(logitYes, logitNo)[0], or the reference's value with {@link Options#referenceFp16}. */
    public final double score;
    /** P(Yes) from the full-vocabulary softmax (FP16-rounded); NaN unless referenceFp16. */
    public final double pYesFullVocab;
    public final int droppedHistory;
    public final int promptTokens;

    Score(String id, double logitYes, double logitNo, double score, double pYesFullVocab,
        int droppedHistory, int promptTokens) {
      this.id = id;
      this.logitYes = logitYes;
      this.logitNo = logitNo;
      this.score = score;
      this.pYesFullVocab = pYesFullVocab;
      this.droppedHistory = droppedHistory;
      this.promptTokens = promptTokens;
    }

    /** A prompt left unscored ({@link OnTooLong#SKIP}): NaN logits and score. */
    public boolean skipped() {
      return promptTokens < 0;
    }

    @Override
    public String toString() {
      return id + ": yes " + logitYes + " no " + logitNo + " score " + score;
    }
  }

  /** A prompt fitted to the context: its tokens and how many history items were dropped. */
  public static final class Fitted {
    public final int[] ids;
    public final int dropped;
    public final String text;
    /** The ids are a cut of the text's encoding ({@link OnTooLong#TRUNCATE_INPUT}), not all of it. */
    public final boolean cut;

    Fitted(int[] ids, int dropped, String text, boolean cut) {
      this.ids = ids;
      this.dropped = dropped;
      this.text = text;
      this.cut = cut;
    }
  }

  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final Options options;

  public YesNoScorer(LlamaModel model, Tokenizer tokenizer, Options options) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.options = options;
  }

  public int maxPromptTokens() {
    int ctx = model.config().contextLength();
    return options.maxPromptTokens <= 0 ? ctx : Math.min(options.maxPromptTokens, ctx);
  }

  /**
   * The answer token ids {yes, no} after {@code prompt}: the first token of the tokenization of
   * prompt + answer past the prompt's own tokens.
   */
  public static int[] answerIds(Tokenizer tok, String prompt, String yes, String no) {
    return answerIds(tok, tok.encode(prompt, true), prompt, yes, no);
  }

  /** The same, given the prompt's own tokens ({@code base} = its encoding with BOS). */
  static int[] answerIds(Tokenizer tok, int[] base, String prompt, String yes, String no) {
    return new int[] {firstAfter(tok, base, prompt, yes), firstAfter(tok, base, prompt, no)};
  }

  private static int firstAfter(Tokenizer tok, int[] base, String prompt, String answer) {
    int[] with = tok.encode(prompt + answer, true);
    if (with.length <= base.length || !Arrays.equals(base, Arrays.copyOf(with, base.length))) {
      throw new IllegalArgumentException("cannot find the answer token for '" + answer
          + "': the prompt's tokens are not a prefix of the tokens of prompt + answer"
          + " (the answer merges with the prompt's end); end the prompt with a separator such as '\\n'");
    }
    return with[base.length];
  }

  /** Drops the oldest history items until the prompt fits {@link #maxPromptTokens()}. */
  public Fitted fit(TruncatablePrompt p) {
    int max = maxPromptTokens();
    int n = p.historySize();
    int[] ids = null;
    for (int drop = 0; drop <= n; drop++) {
      String text = p.render(drop);
      ids = tokenizer.encode(text, true);
      if (ids.length <= max) {
        return new Fitted(ids, drop, text, false);
      }
    }
    String text = p.render(n);
    switch (options.onTooLong) {
      case SKIP:
        return null;
      case TRUNCATE_INPUT: {
        int head = max / 2;
        int[] cut = new int[max];
        System.arraycopy(ids, 0, cut, 0, head);
        System.arraycopy(ids, ids.length - (max - head), cut, head, max - head);
        return new Fitted(cut, n, text, true);
      }
      default:
        throw new PromptTooLong("sample " + p.id() + ": prompt has " + ids.length + " tokens even with all " + n
            + " history items dropped; the limit is " + max + " (score.on-too-long = truncate-input or skip lets the"
            + " stage go on)");
    }
  }

  /** Scores prompts; results are in input order. */
  public List<Score> score(List<? extends TruncatablePrompt> prompts) {
    return score(prepare(prompts));
  }

  /**
   * Prompts fitted to the context and tokenized, with their answer ids: what scoring needs besides
   * the model's weights. Early stopping scores the same validation prompts after every few steps
   * through a changing adapter; it prepares them once.
   */
  public static final class Prepared {
    private final List<? extends TruncatablePrompt> prompts;
    private final List<Fitted> fitted;
    private final List<int[]> ids;
    private final int[] yes;
    private final int[] no;

    private Prepared(List<? extends TruncatablePrompt> prompts, List<Fitted> fitted, List<int[]> ids, int[] yes,
        int[] no) {
      this.prompts = prompts;
      this.fitted = fitted;
      this.ids = ids;
      this.yes = yes;
      this.no = no;
    }
  }

  /** Fits and tokenizes {@code prompts} (tokenizer and options only; the weights play no part). */
  public Prepared prepare(List<? extends TruncatablePrompt> prompts) {
    List<Fitted> fitted = new ArrayList<>(prompts.size());
    List<int[]> ids = new ArrayList<>();
    int[] yes = new int[prompts.size()];
    int[] no = new int[prompts.size()];
    for (int i = 0; i < prompts.size(); i++) {
      Fitted f = fit(prompts.get(i));
      fitted.add(f);
      if (f == null) {
        continue; // skipped: too long
      }
      // A fitted prompt's ids are its text's encoding (not re-encoded); a cut one's are not.
      int[] a = f.cut ? answerIds(tokenizer, f.text, options.yes, options.no)
          : answerIds(tokenizer, f.ids, f.text, options.yes, options.no);
      yes[ids.size()] = a[0];
      no[ids.size()] = a[1];
      ids.add(f.ids);
    }
    return new Prepared(List.copyOf(prompts), fitted, ids, Arrays.copyOf(yes, ids.size()), Arrays.copyOf(no, ids.size()));
  }

  /** Scores prepared prompts with this scorer's model; results are in input order. */
  public List<Score> score(Prepared p) {
    // Scoring never needs gradients, and a Spark task's thread starts with torch's autograd on:
    // without this every forward would record a graph (and half matmuls take the training path).
    GradMode.off();
    double[][] r = p.ids.isEmpty() ? new double[0][] : scoreTokenized(p.ids, p.yes, p.no);
    List<Score> out = new ArrayList<>(p.prompts.size());
    int j = 0;
    for (int i = 0; i < p.prompts.size(); i++) {
      Fitted f = p.fitted.get(i);
      if (f == null) {
        out.add(new Score(p.prompts.get(i).id(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            p.prompts.get(i).historySize(), -1));
        continue;
      }
      out.add(new Score(p.prompts.get(i).id(), r[j][0], r[j][1], r[j][2], r[j][3], f.dropped, f.ids.length));
      j++;
    }
    return out;
  }

  /**
   * Fewest common leading tokens worth a cache: below this the prefix forward and the per-batch
   * copies of its keys and values cost about what they save (a BOS, a few template tokens).
   */
  static final int MIN_SHARED_PREFIX = 16;

  /**
   * The number of leading tokens every prompt shares, at most the shortest prompt's length less
   * one (each row keeps a token of its own, whose logits are read); 0 when sharing is off or
   * fewer than {@link #MIN_SHARED_PREFIX} tokens are common. Exact: in a causal model a
   * position's keys and values depend only on the tokens up to it.
   */
  public int sharedPrefixLength(List<int[]> prompts) {
    if (!options.sharedPrefix || prompts.size() < 2) {
      return 0;
    }
    int n = commonPrefixLength(prompts);
    return n >= MIN_SHARED_PREFIX ? n : 0;
  }

  /** How many leading tokens all prompts share, at most the shortest one's length less one. */
  public static int commonPrefixLength(List<int[]> prompts) {
    if (prompts.isEmpty()) {
      return 0;
    }
    int[] first = prompts.get(0);
    int n = first.length - 1;
    for (int[] p : prompts) {
      n = Math.min(n, p.length - 1);
      int i = 0;
      while (i < n && p[i] == first[i]) {
        i++;
      }
      n = i;
    }
    return n;
  }

  /**
   * Scores token sequences (each as the tokenizer encodes it, BOS included where it adds one) with
   * per-row answer ids. Returns per row {logitYes, logitNo, score, pYesFullVocab}. Sorts by length
   * so each batch pads little.
   */
  public double[][] scoreTokenized(List<int[]> prompts, int[] yesIds, int[] noIds) {
    Integer[] order = new Integer[prompts.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length));
    double[][] out = new double[prompts.size()][];
    int pad = tokenizer == null || tokenizer.padId() < 0 ? model.config().eosId : tokenizer.padId();
    NDManager parent = model.manager().getParentManager();
    int shared = sharedPrefixLength(prompts);
    try (KvCache prefix = shared == 0 ? null : new KvCache(parent, model.numLayers(), 1)) {
      if (prefix != null) {
        try (NDManager scope = parent.newSubManager()) {
          model.forward(scope, TokenBatch.of(List.of(Arrays.copyOf(prompts.get(0), shared)), options.padding, pad),
              prefix, false);
        }
      }
      long perPass = options.tokensPerPass > 0 ? options.tokensPerPass : model.tokensPerPass();
      for (int start = 0, end; start < order.length; start = end) {
        end = passEnd(j -> prompts.get(order[j]).length, order.length, start, options.batchSize, shared, perPass);
        List<int[]> chunk = new ArrayList<>();
        for (int j = start; j < end; j++) {
          int[] p = prompts.get(order[j]);
          chunk.add(shared == 0 ? p : Arrays.copyOfRange(p, shared, p.length));
        }
        TokenBatch batch = TokenBatch.of(chunk, options.padding, pad);
        try (NDManager scope = parent.newSubManager();
            KvCache cache = prefix == null ? null : prefix.repeatRows(batch.batch)) {
          readScores(model.logits(model.forwardLast(scope, batch, cache)), order, start, end, yesIds, noIds, out);
        }
      }
    }
    return out;
  }

  /**
   * End (exclusive) of the pass starting at {@code start} of {@code n} prompts in length order
   * ({@code lengthAt(i)}: the i-th shortest one's tokens): at most a batch, and on
   * the CPU no more rows than keep the pass within {@code perPass} padded tokens (its last row is
   * its longest), so a large batch never allocates activations that the C allocator maps and
   * unmaps on every op (see {@link LlamaModel#tokensPerPass}). Rows are independent, so how a batch
   * is split changes no score.
   */
  public static int passEnd(IntUnaryOperator lengthAt, int n, int start, int batchSize, int shared,
      long perPass) {
    int end = Math.min(n, start + batchSize);
    while (end - start > 1 && (long) (end - start) * (lengthAt.applyAsInt(end - 1) - shared) > perPass) {
      end--;
    }
    return end;
  }

  private void readScores(NDArray logits, Integer[] order, int start, int end, int[] yesIds, int[] noIds,
      double[][] out) {
    int v = model.config().vocabSize;
    float[] flat = logits.toFloatArray();
    float[] probs = null;
    if (options.referenceFp16) {
      probs = logits.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false)
          .softmax(-1).toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false).toFloatArray();
    }
    for (int j = start; j < end; j++) {
      int row = j - start;
      int i = order[j];
      double ly = flat[row * v + yesIds[i]];
      double ln = flat[row * v + noIds[i]];
      double score = 1.0 / (1.0 + Math.exp(ln - ly));
      double pYes = Double.NaN;
      if (probs != null) {
        float py = probs[row * v + yesIds[i]];
        float pn = probs[row * v + noIds[i]];
        pYes = py;
        // softmax over the two (FP16-rounded) probabilities, in F32 as the reference does
        score = (float) (1.0 / (1.0 + Math.exp((double) pn - py)));
      }
      out[i] = new double[] {ly, ln, score, pYes};
    }
  }
}
