package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A LLaMA decoder in plain DJL NDArray ops: token embeddings, then per layer RMSNorm →
 * grouped-query attention with rotate-half rotary → residual → RMSNorm → SwiGLU MLP → residual,
 * a final RMSNorm and a (tied or separate) LM head.
 *
 * <p>Precision: the frozen weights and every projection (its input, product and output), rotary,
 * attention scores and {@code probs · v}, and SwiGLU are in the weights' dtype (F32, or F16/BF16
 * when loaded in a half {@link Precision}). As under PEFT + {@code torch.autocast}, the residual
 * stream (the widened embeddings and the residual sums) stays F32, and so do the RMSNorm statistics
 * and normalisation, the attention mask and softmax, and the LM head's product (so the Yes/No logits
 * and the loss are F32); adapters keep F32 parameters. The casts between the two are
 * {@link DtypeCasts}, which keep gradients flowing (DJL's own cast does not).
 *
 * <p>Memory discipline (DJL puts an op's result in its first operand's manager): weights live in
 * the model's manager and are only ever a second operand; every activation is created in, or
 * attached to, the caller's scope. In inference mode each layer runs in a sub-manager that is
 * closed when the layer's output has been moved out, so a forward holds one layer's temporaries
 * at a time. With {@code keepGraph} (training) everything stays in the caller's scope for backward.
 * Scalars are torch-owned 0-d arrays, never Java numbers (those corrupt autograd).
 */
public final class LlamaModel implements AutoCloseable {

  /** Added to masked attention scores. Finite, so a fully padded query row stays finite (no NaN). */
  private static final float MASKED = -1e9f;

  private final LlamaConfig config;
  private final NDManager manager;
  private final NDArray embed;
  private final List<Layer> layers = new ArrayList<>();
  private final NDArray finalNorm;
  private Linear lmHead;
  private final RotaryEmbedding rotary;
  private final NDArray eps;
  private final NDArray attnScale;
  /** The same scale as a Java float (for {@link NativeAttention}, which runs on F32 weights). */
  private final float attnScaleValue;
  private final NDArray minusHalf;
  private final NDArray rotateHalf;
  /** The weights' dtype: that of every projection's input, product and output. */
  private final DataType dtype;
  /**
   * The residual stream's and where norms, softmax and logits are computed: F32 for half weights,
   * else the weights' dtype (F64 in gradient tests).
   */
  private final DataType wide;

  /** One decoder layer's parameters. Projections are replaceable (adapters). */
  static final class Layer {
    final NDArray inputNorm;
    final NDArray postNorm;
    Linear q;
    Linear k;
    Linear v;
    Linear o;
    Linear gate;
    Linear up;
    Linear down;

    Layer(NDArray inputNorm, NDArray postNorm) {
      this.inputNorm = inputNorm;
      this.postNorm = postNorm;
    }
  }

  private LlamaModel(LlamaConfig config, NDManager manager, WeightSource w, Precision precision) {
    this.config = config;
    this.manager = manager;
    int d = config.hiddenSize;
    int ff = config.intermediateSize;
    this.embed = w.load("model.embed_tokens.weight", new long[] {config.vocabSize, d}, manager, precision);
    for (int l = 0; l < config.numLayers; l++) {
      String p = "model.layers." + l + ".";
      Layer layer = new Layer(
          w.load(p + "input_layernorm.weight", new long[] {d}, manager, precision),
          w.load(p + "post_attention_layernorm.weight", new long[] {d}, manager, precision));
      LlamaConfig.Biases bias = config.biases;
      layer.q = dense(w, p + "self_attn.q_proj", config.qDim(), d, precision, bias.qkv());
      layer.k = dense(w, p + "self_attn.k_proj", config.kvDim(), d, precision, bias.qkv());
      layer.v = dense(w, p + "self_attn.v_proj", config.kvDim(), d, precision, bias.qkv());
      layer.o = dense(w, p + "self_attn.o_proj", d, config.qDim(), precision, bias.output());
      layer.gate = dense(w, p + "mlp.gate_proj", ff, d, precision, bias.mlp());
      layer.up = dense(w, p + "mlp.up_proj", ff, d, precision, bias.mlp());
      layer.down = dense(w, p + "mlp.down_proj", d, ff, precision, bias.mlp());
      layers.add(layer);
    }
    this.finalNorm = w.load("model.norm.weight", new long[] {d}, manager, precision);
    if (config.tieWordEmbeddings || !w.has("lm_head.weight")) {
      if (!config.tieWordEmbeddings) {
        throw new IllegalArgumentException("tensor 'lm_head.weight' not found in " + w.describe()
            + " and the config does not tie word embeddings");
      }
      this.lmHead = new DenseLinear("lm_head", embed);
    } else {
      this.lmHead = dense(w, "lm_head", config.vocabSize, d, precision, false);
    }
    this.dtype = embed.getDataType();
    this.wide = DtypeCasts.isHalf(dtype) ? DataType.FLOAT32 : dtype;
    this.rotary = new RotaryEmbedding(config);
    this.eps = manager.full(new Shape(), (float) config.rmsNormEps, DataType.FLOAT32);
    this.attnScale = manager.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim)), dtype);
    this.attnScaleValue = attnScale.toType(DataType.FLOAT32, false).toFloatArray()[0];
    this.minusHalf = manager.full(new Shape(), -0.5f, DataType.FLOAT32);
    // In the weights' type (F64 in the finite-difference tests): matmul does not promote.
    this.rotateHalf = manager.create(rotateHalfMatrix(config.headDim), new Shape(config.headDim, config.headDim))
        .toType(dtype, false);
  }

  private Linear dense(WeightSource w, String name, int out, int in, Precision precision, boolean bias) {
    return new DenseLinear(name, w.load(name + ".weight", new long[] {out, in}, manager, precision),
        bias ? w.load(name + ".bias", new long[] {out}, manager, precision) : null);
  }

  /** Loads every tensor of {@code weights} into a new F32 model; the source can be closed after. */
  public static LlamaModel load(LlamaConfig config, WeightSource weights, NDManager parent) {
    return load(config, weights, parent, Precision.F32);
  }

  /** Loads every tensor of {@code weights} in {@code precision}; the source can be closed after. */
  public static LlamaModel load(LlamaConfig config, WeightSource weights, NDManager parent, Precision precision) {
    NDManager m = parent.newSubManager();
    try {
      return new LlamaModel(config, m, weights, precision);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** The rotary embedding (frequencies, tables) this model applies. */
  public RotaryEmbedding rotary() {
    return rotary;
  }

  public LlamaConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  /** The weights' dtype (that of every projection; the residual stream is F32 for half weights). */
  public DataType dataType() {
    return dtype;
  }

  /** Every projection by name, in layer order ({@code model.layers.0.self_attn.q_proj}, …, {@code lm_head}). */
  public Map<String, Linear> linears() {
    Map<String, Linear> m = new LinkedHashMap<>();
    for (Layer l : layers) {
      for (Linear x : new Linear[] {l.q, l.k, l.v, l.o, l.gate, l.up, l.down}) {
        m.put(x.name(), x);
      }
    }
    m.put(lmHead.name(), lmHead);
    return Collections.unmodifiableMap(m);
  }

  /**
   * Every base-model array by its checkpoint name (embeddings, norms, dense projection weights;
   * an adapter's wrapped projections contribute their base weight): what must stay frozen.
   */
  public Map<String, NDArray> baseWeights() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    m.put("model.embed_tokens.weight", embed);
    for (int l = 0; l < layers.size(); l++) {
      m.put("model.layers." + l + ".input_layernorm.weight", layers.get(l).inputNorm);
      m.put("model.layers." + l + ".post_attention_layernorm.weight", layers.get(l).postNorm);
    }
    m.put("model.norm.weight", finalNorm);
    for (Map.Entry<String, Linear> e : linears().entrySet()) {
      Linear x = e.getValue();
      while (!(x instanceof DenseLinear) && x instanceof Wrapper w) {
        x = w.wrapped();
      }
      if (x instanceof DenseLinear dl) {
        m.putIfAbsent(e.getKey() + ".weight", dl.weight());
        if (dl.bias() != null) {
          m.putIfAbsent(e.getKey() + ".bias", dl.bias());
        }
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * Makes every weight a trainable leaf, for training the whole model (pretraining) rather than an
   * adapter, and returns the leaves by checkpoint name. Embeddings and norms train as they are;
   * a projection trains through the transposed view its forward multiplies by (see
   * {@link DenseLinear#transposedWeight()}), so no transpose lands on the gradient path and
   * {@link #baseWeights()} reads the trained values. Only for F32 models without adapters and with
   * a separate LM head (a tied head would make one tensor two leaves).
   */
  public Map<String, NDArray> trainAllWeights() {
    if (dtype != DataType.FLOAT32) {
      throw new IllegalStateException("training all weights needs an F32 model, this one is " + dtype);
    }
    if (config.tieWordEmbeddings) {
      throw new IllegalStateException("training all weights needs a separate lm_head (tie_word_embeddings = false)");
    }
    Map<String, NDArray> leaves = new LinkedHashMap<>(baseWeights());
    for (Map.Entry<String, Linear> e : linears().entrySet()) {
      if (!(e.getValue() instanceof DenseLinear dl)) {
        throw new IllegalStateException("training all weights needs plain projections; " + e.getKey()
            + " is wrapped (an adapter is attached)");
      }
      leaves.put(e.getKey() + ".weight", dl.transposedWeight());
    }
    for (NDArray a : leaves.values()) {
      a.setRequiresGradient(true);
    }
    return Collections.unmodifiableMap(leaves);
  }

  /** A projection that wraps another (e.g. LoRA around a dense layer). */
  public interface Wrapper {
    Linear wrapped();
  }

  /** Replaces one projection (e.g. with a LoRA wrapper around it); returns the new one. */
  public Linear replaceLinear(String name, UnaryOperator<Linear> wrap) {
    if (name.equals(lmHead.name())) {
      return lmHead = wrap.apply(lmHead);
    }
    for (Layer l : layers) {
      if (name.equals(l.q.name())) return l.q = wrap.apply(l.q);
      if (name.equals(l.k.name())) return l.k = wrap.apply(l.k);
      if (name.equals(l.v.name())) return l.v = wrap.apply(l.v);
      if (name.equals(l.o.name())) return l.o = wrap.apply(l.o);
      if (name.equals(l.gate.name())) return l.gate = wrap.apply(l.gate);
      if (name.equals(l.up.name())) return l.up = wrap.apply(l.up);
      if (name.equals(l.down.name())) return l.down = wrap.apply(l.down);
    }
    throw new IllegalArgumentException("no projection named '" + name + "' (see linears())");
  }

  /**
   * The final-norm hidden states [batch, length, hidden] of {@code batch}, in {@code scope}.
   *
   * @param cache null, or the cache to extend (the batch then continues its sequences)
   * @param keepGraph keep every intermediate in {@code scope} (needed for backward); otherwise
   *     each layer's temporaries are freed as soon as the layer is done
   */
  public NDArray forward(NDManager scope, TokenBatch batch, KvCache cache, boolean keepGraph) {
    return run(scope, batch, cache, keepGraph, false);
  }

  /**
   * The final-norm hidden state [batch, hidden] of each row's last real token
   * ({@code batch.lastIndex}), in {@code scope}, without autograd: what scoring and the first
   * step of generation read. Equal to {@link #forward} followed by {@link #select} up to F32
   * rounding, but the last layer runs its query, attention, output projection and MLP for that one
   * position per row only (its keys and values still cover every position): no later layer reads
   * the other positions' outputs, so they are never computed. On a 5-layer model that is about a
   * fifth of the forward.
   *
   * @param cache null, or the cache to extend, as in {@link #forward}
   */
  public NDArray forwardLast(NDManager scope, TokenBatch batch, KvCache cache) {
    if (wholeAttention) {
      return select(run(scope, batch, cache, false, false), batch.lastIndex);
    }
    return run(scope, batch, cache, false, true);
  }

  /**
   * The scoring forward before the attention work: {@link #forwardLast} computes every position
   * and selects the last, and no-autograd attention is not split into query blocks (only into
   * batch rows, to bound its memory). Same scores up to F32 rounding; {@code bench scoring
   * --compare-attention} times both in one run.
   */
  public static volatile boolean wholeAttention = false;

  private NDArray run(NDManager scope, TokenBatch batch, KvCache cache, boolean keepGraph, boolean lastOnly) {
    int b = batch.batch;
    int t = batch.length;
    int past = cache == null ? 0 : cache.seen;
    int s = past + t;
    long[] pos = new long[b * t];
    // Decided once per forward: the fused attention reads each key's validity and each query's
    // position (keyMask), torch's ops the additive mask [b, t, s] (35 MB for 64 rows of ~490 keys),
    // and only the one that runs is built.
    boolean fused = fusedAttention();
    float[] mask = fused ? null : new float[b * t * s];
    NativeAttention.KeyMask keyMask = fused
        ? new NativeAttention.KeyMask(b, t, s, new byte[b * s], new int[b * t]) : null;
    positionsAndMask(batch, cache, pos, mask, keyMask);
    NDManager work = keepGraph ? scope : scope.newSubManager();
    NDArray[] rope = rotaryArrays(work, pos, b, t);
    NDArray h;
    NDArray cos;
    NDArray sin;
    NDArray maskArr;
    NDArray ids = work.create(batch.ids);
    // The residual stream is F32 (widened embeddings); see the class comment.
    h = DtypeCasts.to(own(embedded(ids), work).reshape(b, t, config.hiddenSize), wide);
    cos = rope[0];
    sin = rope[1];
    maskArr = fused ? null : work.create(mask, new Shape(b, 1, t, s));
    for (int l = 0; l < layers.size(); l++) {
      NDManager layerWork = keepGraph ? scope : work.newSubManager();
      if (!keepGraph) {
        h.attach(layerWork);
      }
      NDArray out = lastOnly && l == layers.size() - 1
          ? lastPositionLayer(layers.get(l), l, h, cos, sin, maskArr, keyMask, cache, batch.lastIndex)
          : layer(layers.get(l), l, h, cos, sin, maskArr, keyMask, cache);
      if (!keepGraph) {
        out.attach(work);
        layerWork.close();
      }
      h = out;
    }
    NDArray hidden = rmsNorm(h, finalNorm, fused);
    if (lastOnly) {
      hidden = hidden.reshape(b, config.hiddenSize);
    }
    if (!keepGraph) {
      hidden.attach(scope);
      work.close();
    }
    if (cache != null) {
      cache.append(batch);
    }
    return hidden;
  }

  /**
   * cos and sin [b, 1, t, headDim] of the positions, in the activations' dtype (HF casts them to
   * the query's), in {@code scope}. The call's sequence length (its largest position + 1) is what
   * dynamic rope scaling reads.
   */
  private NDArray[] rotaryArrays(NDManager scope, long[] pos, int b, int t) {
    int hd = config.headDim;
    long maxPos = 0;
    for (long p : pos) {
      maxPos = Math.max(maxPos, p);
    }
    float[] cos = new float[pos.length * hd];
    float[] sin = new float[pos.length * hd];
    rotary.fill(pos, (int) maxPos + 1, cos, sin);
    Shape shape = new Shape(b, 1, t, hd);
    NDArray c = scope.create(cos, shape);
    NDArray sn = scope.create(sin, shape);
    return dtype == DataType.FLOAT32 ? new NDArray[] {c, sn}
        : new NDArray[] {c.toType(dtype, false), sn.toType(dtype, false)};
  }

  /**
   * Positions (count of real tokens before this one in its row, so padding never shifts them) and
   * the additive causal + padding mask [b, 1, t, past + t] of a batch. Refuses a sequence past the
   * context, or past a sliding attention window (within the window, sliding attention is full
   * attention; beyond it this forward would compute something else).
   */
  private void positionsAndMask(TokenBatch batch, KvCache cache, long[] pos, float[] mask,
      NativeAttention.KeyMask keyMask) {
    int b = batch.batch;
    int t = batch.length;
    int past = cache == null ? 0 : cache.seen;
    int s = past + t;
    int context = rotary.contextLength();
    float[] keys = new float[s];
    for (int r = 0; r < b; r++) {
      // Row r's keys: 0 where a real token, MASKED where padding. Query q sees keys 0..past+q of
      // it (causal), always including its own (so a padding query's row stays finite).
      for (int k = 0; k < s; k++) {
        boolean keyReal = k < past ? cache.keyValid[r][k] : batch.valid[r * t + (k - past)];
        keys[k] = keyReal ? 0f : MASKED;
        if (keyMask != null) {
          keyMask.valid()[r * s + k] = (byte) (keyReal ? 1 : 0);
        }
      }
      int next = cache == null ? 0 : cache.nextPosition[r];
      for (int q = 0; q < t; q++) {
        int i = r * t + q;
        pos[i] = Math.min(next, context - 1);
        if (batch.valid[i]) {
          config.checkPosition(next);
          next++;
        }
        int row = i * s;
        int self = past + q;
        if (keyMask != null) {
          keyMask.self()[i] = self;
        }
        if (mask != null) {
          System.arraycopy(keys, 0, mask, row, self);
          mask[row + self] = 0f;
          Arrays.fill(mask, row + self + 1, row + s, MASKED);
        }
      }
    }
  }

  /**
   * A batch's inputs to the decoder stack, for training code that runs the layers one by one
   * (activation checkpointing): the embedded tokens [b, t, hidden], the rotary tables and the
   * additive mask, all in the scope given to {@link #prepare}.
   */
  public static final class Prepared {
    public final NDArray embedded;
    final NDArray cos;
    final NDArray sin;
    final NDArray mask;
    /** The same mask as the native attention reads it (training's native attention). */
    final NativeAttention.KeyMask keyMask;

    Prepared(NDArray embedded, NDArray cos, NDArray sin, NDArray mask, NativeAttention.KeyMask keyMask) {
      this.embedded = embedded;
      this.cos = cos;
      this.sin = sin;
      this.mask = mask;
      this.keyMask = keyMask;
    }
  }

  /**
   * The embedding rows of {@code ids}, through torch's embedding op rather than an indexed read.
   * Both give the same rows, but where the embeddings train (pretraining) their backwards differ:
   * an indexed read's (index_put with accumulate) sums a repeated token's gradients in an order
   * that changes from run to run once torch uses two threads, so the same seed gave a different
   * model each time; embedding's backward sums them in a fixed order (CorpusPretrainingTest).
   */
  private NDArray embedded(NDArray ids) {
    return JniUtils.embedding((PtNDArray) ids, (PtNDArray) embed, false);
  }

  /** Embeds a (cache-free) batch and builds its rotary tables and masks, in {@code scope}. */
  public Prepared prepare(NDManager scope, TokenBatch batch) {
    return prepare(scope, batch, true);
  }

  /**
   * As {@link #prepare(NDManager, TokenBatch)}; without {@code additiveMask} the [b, 1, t, t] mask
   * that torch's attention adds is not built (only the native attention's, a byte per key and an
   * int per query): {@link #layerForward} then cannot run on it, {@link #attentionInputs} can.
   */
  public Prepared prepare(NDManager scope, TokenBatch batch, boolean additiveMask) {
    int b = batch.batch;
    int t = batch.length;
    long[] pos = new long[b * t];
    float[] mask = additiveMask ? new float[b * t * t] : null;
    NativeAttention.KeyMask keyMask = new NativeAttention.KeyMask(b, t, t, new byte[b * t], new int[b * t]);
    positionsAndMask(batch, null, pos, mask, keyMask);
    NDArray ids = scope.create(batch.ids);
    NDArray h = DtypeCasts.to(own(embedded(ids), scope).reshape(b, t, config.hiddenSize), wide);
    NDArray[] rope = rotaryArrays(scope, pos, b, t);
    return new Prepared(h, rope[0], rope[1], additiveMask ? scope.create(mask, new Shape(b, 1, t, t)) : null,
        keyMask);
  }

  public int numLayers() {
    return layers.size();
  }

  /** Layer {@code l}'s parameters (for {@link SmallModelDecoder}, which reads them out once). */
  Layer layer(int l) {
    return layers.get(l);
  }

  NDArray embedWeight() {
    return embed;
  }

  NDArray finalNormWeight() {
    return finalNorm;
  }

  Linear lmHead() {
    return lmHead;
  }

  /** Decoder layer {@code l} on hidden states x [b, t, hidden]; every result lands in x's manager. */
  public NDArray layerForward(int l, NDArray x, Prepared p) {
    return layer(layers.get(l), l, x, p.cos, p.sin, p.mask, null, null);
  }

  /** Whether the token embeddings are a trainable leaf ({@link #trainAllWeights}). */
  public boolean embeddingsTrain() {
    return GradMode.requiresGrad(embed);
  }

  /**
   * Whether layer {@code l} up to its attention ({@link #attentionInputs}: its input norm, q, k and v
   * projections) reads a trainable leaf.
   */
  public boolean attentionInputsTrain(int l) {
    Layer L = layers.get(l);
    return GradMode.requiresGrad(L.inputNorm) || L.q.trains() || L.k.trains() || L.v.trains();
  }

  /**
   * Whether training runs its attention in native code: {@link #attentionInputs}, then
   * {@link #trainingAttention} and its {@link #trainingAttentionBackward}, then
   * {@link #attentionOutput}, in place of {@link #layerForward} with autograd through torch's
   * matmul, mask, softmax and matmul (CausalLmLoss runs each layer as those two recorded segments
   * around the native attention). Both give the same loss and gradients up to F32 rounding
   * ({@code NativeTrainingAttentionTest}); which is faster depends on the shape, so this decides per
   * micro-batch of {@code rows} sequences of {@code length} tokens:
   *
   * <ul>
   *   <li>only on the CPU, for F32 weights, where the library is loaded and {@link NativeAttention#off}
   *       does not say otherwise;
   *   <li>only for heads of at most {@value #NATIVE_TRAINING_MAX_HEAD_DIM} dimensions: the kernel's
   *       work per query–key pair grows with the head dimension, and at 32 (llama-20m's) torch's
   *       batched matmuls were faster (0.85–0.92x with the native attention at 128 and 256 tokens);
   *   <li>only when the layer's score tensor (rows × heads × length²) has at least
   *       {@value #NATIVE_TRAINING_MIN_SCORES} elements: below that torch's tensors stay in the cache
   *       (the demo's shape at 160 tokens, 1.6M scores: 0.82x; at 256 tokens, 4.2M: 1.38x;
   *       stories260K at 160 tokens, 3.3M: 1.38x; at 490: 1.80x; {@code bench tuning
   *       --compare-attention}, README "CPU speed").
   * </ul>
   *
   * {@link #alwaysNativeInTraining} lifts the last two conditions (tests, comparisons).
   */
  public boolean nativeTrainingAttention(int rows, int length) {
    return nativeTrainingAttentionUsable() && (alwaysNativeInTraining || (config.headDim <= NATIVE_TRAINING_MAX_HEAD_DIM
        && (long) rows * config.numHeads * length * length >= NATIVE_TRAINING_MIN_SCORES));
  }

  /** Whether training's native attention can run here at all (the CPU, F32, the library loaded and on). */
  public boolean nativeTrainingAttentionUsable() {
    return dtype == DataType.FLOAT32 && wide == DataType.FLOAT32 && !manager.getDevice().isGpu()
        && NativeAttention.enabled();
  }

  /** Head dimensions above this train through torch's attention (see {@link #nativeTrainingAttention}). */
  public static final int NATIVE_TRAINING_MAX_HEAD_DIM = 16;

  /** Score tensors smaller than this train through torch's attention (see {@link #nativeTrainingAttention}). */
  public static final long NATIVE_TRAINING_MIN_SCORES = 2L << 20;

  /** Tests and comparisons: the native attention in training whatever the shape, where it can run. */
  public static volatile boolean alwaysNativeInTraining = false;

  /**
   * Layer {@code l} up to its attention: the queries [b, heads, t, hd], keys and values [b, kvHeads,
   * t, hd] (rotary applied) of hidden states x [b, t, hidden], as {@link #layerForward} computes
   * them, packed into one flat array ({@link NativeAttention#pack}); recorded when autograd is on,
   * in x's manager.
   */
  public NDArray attentionInputs(int l, NDArray x, Prepared p) {
    Layer L = layers.get(l);
    int b = (int) x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray xn = rmsNorm(x, L.inputNorm, false);
    NDArray q = rope(L.q.forward(xn).reshape(b, t, config.numHeads, config.headDim).transpose(0, 2, 1, 3),
        p.cos, p.sin);
    NDArray[] kv = keysValues(L, l, xn, p.cos, p.sin, null, x.getManager(), false);
    return NativeAttention.pack(q, kv[0], kv[1]);
  }

  /**
   * The attention of {@link #attentionInputs}' packed q, k and v in native code, without a graph:
   * {out [b, t, heads, hd], lse [b, heads, t]} in qkv's manager; {@link #trainingAttentionBackward}
   * takes both back.
   */
  public NDArray[] trainingAttention(NDArray qkv, Prepared p) {
    return NativeAttention.attendForTraining(qkv, packed(p), p.keyMask, attnScaleValue, qkv.getManager());
  }

  /**
   * The gradient of {@link #attentionInputs}' packed q, k and v (packed the same way) from that of
   * {@link #trainingAttention}'s output, in qkv's manager.
   */
  public NDArray trainingAttentionBackward(NDArray qkv, NDArray[] forward, NDArray dOut, Prepared p) {
    return NativeAttention.backward(qkv, packed(p), forward[0], forward[1], dOut, p.keyMask, attnScaleValue,
        qkv.getManager());
  }

  private NativeAttention.Packed packed(Prepared p) {
    NativeAttention.KeyMask m = p.keyMask;
    return new NativeAttention.Packed(m.rows(), config.numHeads, config.numKvHeads, m.queries(), config.headDim);
  }

  /**
   * Layer {@code l} after its attention: x + o(att), then the MLP block; att [b, t, heads, hd] as
   * {@link #trainingAttention} gives it. Recorded when autograd is on, in x's manager.
   */
  public NDArray attentionOutput(int l, NDArray x, NDArray att) {
    Layer L = layers.get(l);
    int b = (int) x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray h = x.add(L.o.forward(att.reshape(b, t, config.qDim())));
    return mlpBlock(L, h, false);
  }

  /** The final RMSNorm (its result in h's manager). */
  public NDArray finalNorm(NDArray h) {
    return rmsNorm(h, finalNorm, false); // training code (autograd): torch's ops
  }

  /** Hidden states of selected rows: row r's position {@code index[r]}, as [batch, hidden]. */
  public NDArray select(NDArray hidden, int[] index) {
    return rowsAt(hidden, index).reshape(index.length, config.hiddenSize);
  }

  /**
   * LM-head logits of hidden states [..., hidden] → [..., vocab], in the input's manager. With half
   * weights the product itself is computed in F32 from the widened hidden states and head weight
   * (the widened weight belongs to the caller's scope and goes with it): an F16 logit of magnitude
   * 8 to 16 is only resolved to 1/128, which alone would move P(Yes) by up to 0.002. So the Yes/No
   * logits, their softmax and the loss are F32 throughout.
   */
  public NDArray logits(NDArray hidden) {
    if (wide == dtype || !(lmHead instanceof DenseLinear head)) {
      return DtypeCasts.to(lmHead.forward(hidden), wide);
    }
    NDArray w = head.weight().toType(wide, false);
    w.attach(hidden.getManager());
    return DtypeCasts.to(hidden, wide).matMul(w.transpose());
  }

  private NDArray layer(Layer L, int index, NDArray x, NDArray cos, NDArray sin, NDArray mask,
      NativeAttention.KeyMask keyMask, KvCache cache) {
    int b = (int) x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    int hd = config.headDim;
    // The fused kernels run where the fused attention does (keyMask given): see FusedOps.
    boolean fused = keyMask != null;
    NDArray xn = rmsNorm(x, L.inputNorm, fused);
    NDArray q = fused ? FusedOps.ropeHeads(L.q.forward(xn), cos, sin, config.numHeads, hd)
        : rope(L.q.forward(xn).reshape(b, t, config.numHeads, hd).transpose(0, 2, 1, 3), cos, sin);
    NDArray[] kv = keysValues(L, index, xn, cos, sin, cache, x.getManager(), fused);
    // The fused attention writes [b, t, heads, hd] itself, which the output projection reads as is.
    NDArray att = attend(q, kv[0], kv[1], mask, keyMask, x.getManager());
    att = (fused ? att : att.transpose(0, 2, 1, 3)).reshape(b, t, config.qDim());
    NDArray h = x.add(L.o.forward(att));
    // Moved out only now: ops above must put their results in the layer's scope, not the cache's.
    keep(cache, index, kv[0], kv[1]);
    return mlpBlock(L, h, fused);
  }

  /** h + down(SiLU(gate(norm(h))) · up(norm(h))): the layer's second residual block. */
  private NDArray mlpBlock(Layer L, NDArray h, boolean fused) {
    NDArray hn = rmsNorm(h, L.postNorm, fused);
    NDArray gate = L.gate.forward(hn);
    // SiLU = x * sigmoid(x); DJL has no silu op (and Activation.swish takes a Java scalar).
    NDArray act = fused ? FusedOps.siluMul(gate, L.up.forward(hn))
        : gate.mul(gate.getNDArrayInternal().sigmoid()).mul(L.up.forward(hn));
    return h.add(L.down.forward(act));
  }

  /**
   * Keys and values of this call's positions [b, kvHeads, t, hd] after rotary, joined to the
   * cached ones when there is a cache (the old arrays are freed, the joined ones land in
   * {@code mine}); returns {k, v}.
   */
  private NDArray[] keysValues(Layer L, int index, NDArray xn, NDArray cos, NDArray sin, KvCache cache,
      NDManager mine, boolean fused) {
    int b = (int) xn.getShape().get(0);
    int t = (int) xn.getShape().get(1);
    int hd = config.headDim;
    NDArray k = fused ? FusedOps.ropeHeads(L.k.forward(xn), cos, sin, config.numKvHeads, hd)
        : rope(L.k.forward(xn).reshape(b, t, config.numKvHeads, hd).transpose(0, 2, 1, 3), cos, sin);
    NDArray v = L.v.forward(xn).reshape(b, t, config.numKvHeads, hd).transpose(0, 2, 1, 3);
    if (cache != null && cache.keys[index] != null) {
      NDArray oldK = cache.keys[index];
      NDArray oldV = cache.values[index];
      k = own(NDArrays.concat(new NDList(oldK, k), 2), mine);
      v = own(NDArrays.concat(new NDList(oldV, v), 2), mine);
      oldK.close();
      oldV.close();
    }
    return new NDArray[] {k, v};
  }

  /** Stores a layer's joined keys and values in the cache (moved out of the layer's scope only now). */
  private static void keep(KvCache cache, int index, NDArray k, NDArray v) {
    if (cache != null) {
      k.attach(cache.manager);
      v.attach(cache.manager);
      cache.keys[index] = k;
      cache.values[index] = v;
    }
  }

  /**
   * The last layer for one position per row ({@code last[r]} of row r): keys and values of every
   * position (the attention reads them, and the cache keeps them), but the query, attention,
   * output projection and MLP of that position only. Returns [b, 1, hidden] in x's manager.
   */
  private NDArray lastPositionLayer(Layer L, int index, NDArray x, NDArray cos, NDArray sin, NDArray mask,
      NativeAttention.KeyMask keyMask, KvCache cache, int[] last) {
    int b = (int) x.getShape().get(0);
    int hd = config.headDim;
    boolean fused = keyMask != null;
    NDArray xn = rmsNorm(x, L.inputNorm, fused);
    NDArray[] kv = keysValues(L, index, xn, cos, sin, cache, x.getManager(), fused);
    NDArray xs = rowsAt(x, last);
    NDArray qLast = L.q.forward(rowsAt(xn, last));
    NDArray q = fused ? FusedOps.ropeHeads(qLast, rowsAt(cos, last), rowsAt(sin, last), config.numHeads, hd)
        : rope(qLast.reshape(b, 1, config.numHeads, hd).transpose(0, 2, 1, 3), rowsAt(cos, last), rowsAt(sin, last));
    NDArray att = attend(q, kv[0], kv[1], mask == null ? null : rowsAt(mask, last),
        keyMask == null ? null : keyMask.rowsAt(last), x.getManager());
    att = (fused ? att : att.transpose(0, 2, 1, 3)).reshape(b, 1, config.qDim());
    NDArray h = xs.add(L.o.forward(att));
    keep(cache, index, kv[0], kv[1]);
    return mlpBlock(L, h, fused);
  }

  /**
   * Of a per-position array [b, t, …] or [b, 1, t, …], row r's position {@code last[r]}, keeping
   * the rank (the position axis becomes 1).
   */
  private static NDArray rowsAt(NDArray a, int[] last) {
    Shape shape = a.getShape();
    int axis = shape.dimension() == 4 ? 2 : 1;
    long b = shape.get(0);
    long t = shape.get(axis);
    long rest = shape.size() / (b * t);
    long[] flat = new long[last.length];
    for (int r = 0; r < last.length; r++) {
      flat[r] = r * t + last[r];
    }
    NDArray idx = a.getManager().create(flat);
    long[] out = shape.getShape().clone();
    out[axis] = 1;
    return a.reshape(b * t, rest).get(new NDIndex("{}", idx)).reshape(new Shape(out));
  }

  /**
   * Score elements [rows × heads × t × keys] one attention chunk may hold without autograd: 2 M
   * F32 values, 8 MiB. Above glibc's largest mmap threshold (32 MiB) every temporary is a fresh
   * mapping, page-faulted in and unmapped again, and out of cache: measured on stories260K with
   * ~500-token prompts, batch 8 scored 3.5× and batch 32 7.6× slower per prompt than batch 1.
   */
  static final long ATTENTION_CHUNK_ELEMENTS = 2L << 20;

  /**
   * Largest activation a no-grad forward on the CPU should allocate: under glibc's largest mmap
   * threshold (32 MiB), with room to spare. Above it every temporary is a fresh mapping, faulted in
   * page by page: measured in DJL here, an elementwise op writing a 63 MiB result cost 8.6 ns per
   * element against 0.15 ns for one whose memory the allocator reused.
   */
  static final long PASS_BYTES = 24L << 20;

  /**
   * Tokens (rows × padded length) one no-grad forward pass should hold on this model's device so
   * that its widest activation (the MLP's, or the hidden state's) stays within {@link #PASS_BYTES};
   * unlimited on a GPU, whose allocator caches blocks.
   */
  public long tokensPerPass() {
    if (manager.getDevice().isGpu()) {
      return Long.MAX_VALUE;
    }
    long widest = Math.max(config.intermediateSize, Math.max(config.hiddenSize, config.qDim()));
    return Math.max(1, PASS_BYTES / (4L * widest));
  }

  /** Batch rows per attention chunk (at least 1); {@code b} when the whole batch fits one chunk. */
  int attentionRowsPerChunk(int b, int t, long keys) {
    long perRow = (long) config.numHeads * t * keys;
    return (int) Math.max(1, Math.min(b, ATTENTION_CHUNK_ELEMENTS / Math.max(1, perRow)));
  }

  /**
   * Whether this model's attention runs fused in native code ({@link NativeAttention}): one pass per
   * query, no score tensor and no additive mask. Without autograd on the CPU, for F32 weights (half
   * weights on the CPU are for checking half-precision numerics, which keep torch's ops), unless
   * {@link #wholeAttention} asks for the forward before the attention work.
   */
  boolean fusedAttention() {
    return !GradMode.on() && !wholeAttention && dtype == DataType.FLOAT32 && !manager.getDevice().isGpu()
        && NativeAttention.enabled();
  }

  /**
   * Queries per attention block on the CPU without autograd. A block of queries [q0, q1) only
   * reads keys before past + q1 (the causal mask hides every later one), so a long call split
   * into blocks skips the masked upper triangle of its own tokens: for a 280-token prompt after a
   * 213-token shared prefix, blocks of at most 64 compute 77 % of the scores the whole call would.
   */
  static final int QUERY_BLOCK = 64;

  /**
   * softmax(q kᵀ · scale + mask) v over grouped-query heads: q [b, heads, t, hd], k and v
   * [b, kvHeads, keys, hd] (the cache's and this call's); the result [b, heads, t, hd] in
   * {@code out}'s scope. Exactly one mask is given: keyMask when the forward chose the fused
   * attention ({@link #fusedAttention}), else the additive mask [b, 1, t, keys] for torch's ops.
   */
  private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, NativeAttention.KeyMask keyMask,
      NDManager out) {
    if (keyMask != null) { // the forward chose the fused attention (fusedAttention()): token-major out
      return NativeAttention.attend(q, k, v, keyMask, attnScaleValue, true, out);
    }
    boolean grad = GradMode.on();
    int groups = config.numHeads / config.numKvHeads;
    // GQA: DJL's repeat(axis, n) is repeat_interleave, i.e. head h reads kv head h / groups (as HF).
    NDArray kr = groups > 1 ? k.repeat(1, groups) : k;
    NDArray vr = groups > 1 ? v.repeat(1, groups) : v;
    int b = (int) q.getShape().get(0);
    int t = (int) q.getShape().get(2);
    long keys = kr.getShape().get(2);
    boolean blocks = !wholeAttention && t > QUERY_BLOCK;
    if (!grad && !q.getDevice().isGpu() && (blocks || attentionRowsPerChunk(b, t, keys) < b)) {
      return blockedAttention(q, kr, vr, mask, blocks ? queryBlocks(t) : new int[] {0, t}, out);
    }
    if (wide != dtype && !q.getDevice().isGpu() && !grad) {
      // Half weights on the CPU, no autograd (scoring, validation, generation): q, k and v widened
      // once and the attention done in F32. Rounding the [heads × seq]-sized scores and
      // probabilities to F16 and back, as a GPU's half matmuls do, costs more there than the
      // attention itself and changes nothing a test of P(Yes) can see.
      NDArray scores = q.toType(wide, false).mul(attnScale).matMul(kr.toType(wide, false).transpose(0, 1, 3, 2))
          .add(mask);
      return scores.softmax(-1).matMul(vr.toType(wide, false)).toType(dtype, false);
    }
    // Scores in the activations' dtype; the mask and softmax in F32 (HF: softmax(dtype=float32)).
    NDArray scores = DtypeCasts.to(q.mul(attnScale).matMul(kr.transpose(0, 1, 3, 2)), wide).add(mask);
    NDArray probs = DtypeCasts.to(scores.softmax(-1), dtype);
    return probs.matMul(vr);
  }

  /**
   * Attention without autograd in blocks of queries ({@code bounds}, see {@link #queryBlocks}), each reading
   * only the keys its causal mask lets it see, and within a block a few batch rows at a time (at
   * most {@link #ATTENTION_CHUNK_ELEMENTS} scores), each chunk's temporaries freed before the next
   * so the allocator hands the same (cached) memory back. Dropping keys whose mask is -1e9 changes
   * nothing: their exp(score - max) is exactly 0 in F32. Computed in F32 (as the unblocked CPU
   * path), the result in the activations' dtype.
   */
  private NDArray blockedAttention(NDArray q, NDArray kr, NDArray vr, NDArray mask, int[] bounds, NDManager out) {
    int b = (int) q.getShape().get(0);
    int t = (int) q.getShape().get(2);
    long keys = kr.getShape().get(2);
    long past = keys - t;
    NDList parts = new NDList();
    for (int blk = 0; blk + 1 < bounds.length; blk++) {
      int q0 = bounds[blk];
      int q1 = bounds[blk + 1];
      long seen = past + q1; // keys [0, seen) are the only ones these queries may attend to
      int rows = attentionRowsPerChunk(b, q1 - q0, seen);
      NDList blockParts = new NDList();
      for (int r0 = 0; r0 < b; r0 += rows) {
        int r1 = Math.min(b, r0 + rows);
        try (NDManager chunk = out.newSubManager()) {
          NDArray qc = own(q.get(new NDIndex(r0 + ":" + r1 + ", :, " + q0 + ":" + q1)), chunk).toType(wide, false);
          NDArray kc = own(kr.get(new NDIndex(r0 + ":" + r1 + ", :, :" + seen)), chunk).toType(wide, false);
          NDArray vc = own(vr.get(new NDIndex(r0 + ":" + r1 + ", :, :" + seen)), chunk).toType(wide, false);
          NDArray mc = own(mask.get(new NDIndex(r0 + ":" + r1 + ", :, " + q0 + ":" + q1 + ", :" + seen)), chunk);
          NDArray scores = qc.mul(attnScale).matMul(kc.transpose(0, 1, 3, 2)).add(mc);
          NDArray part = scores.softmax(-1).matMul(vc).toType(dtype, false);
          part.attach(out);
          blockParts.add(part);
        }
      }
      parts.add(concat(blockParts, 0));
    }
    return concat(parts, 2);
  }

  /**
   * Bounds of the query blocks of a t-query call: q0 = 0 < … < t, blocks of at most
   * {@link #QUERY_BLOCK} and of equal size (280 queries: 5 × 56, not 4 × 64 + 24).
   */
  static int[] queryBlocks(int t) {
    int blocks = Math.max(1, (t + QUERY_BLOCK - 1) / QUERY_BLOCK);
    int[] bounds = new int[blocks + 1];
    for (int blk = 0; blk <= blocks; blk++) {
      bounds[blk] = (int) ((long) t * blk / blocks);
    }
    return bounds;
  }

  /**
   * Query–key products one head's attention computes for a t-query call after {@code past}
   * cached positions: t × (past + t) unblocked, less the skipped keys when blocked (the CPU
   * without autograd; {@code bench} counts what runs).
   */
  public static double attentionProducts(int t, long past, boolean blocked) {
    if (!blocked || t <= QUERY_BLOCK) {
      return (double) t * (past + t);
    }
    int[] bounds = queryBlocks(t);
    double n = 0;
    for (int blk = 0; blk + 1 < bounds.length; blk++) {
      n += (double) (bounds[blk + 1] - bounds[blk]) * (past + bounds[blk + 1]);
    }
    return n;
  }

  /** The arrays joined along {@code axis} (the list closed); a single array as it is. */
  private static NDArray concat(NDList arrays, int axis) {
    if (arrays.size() == 1) {
      return arrays.get(0);
    }
    NDArray joined = NDArrays.concat(arrays, axis);
    arrays.close();
    return joined;
  }

  /**
   * The op sequences before the backward-speed work (rmsNorm by division, rotate_half by split,
   * neg and concat): {@code bench tuning --compare-ops} times them side by side with the current
   * ones. Same values up to rounding.
   */
  public static volatile boolean referenceOps = false;

  /**
   * x * rsqrt(mean(x²) + eps) * weight. Multiplying by the [.., 1] reciprocal (not dividing by the
   * RMS) keeps backward to two full-size products: a division's gradient costs three.
   */
  private NDArray rmsNorm(NDArray x, NDArray weight, boolean fused) {
    if (fused) { // F32 weights: no casts to make
      return FusedOps.rmsNorm(x, weight, (float) config.rmsNormEps);
    }
    // HF: statistics and normalisation in F32, the product with the weight in the input's dtype.
    NDArray xw = DtypeCasts.to(x, wide);
    NDArray ms = xw.mul(xw).mean(new int[] {-1}, true).add(eps);
    NDArray normed = referenceOps ? xw.div(ms.sqrt()) : xw.mul(ms.pow(minusHalf));
    return DtypeCasts.to(normed, dtype).mul(weight);
  }

  /**
   * x*cos + rotate_half(x)*sin with rotate_half(x) = [-x2, x1] (HF layout). rotate_half is a
   * product with a constant signed permutation [hd, hd] (exact: one ±1 term per output): one
   * small matmul forward and one backward, instead of split + neg + concat and their gradients.
   */
  private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    NDArray rotated;
    if (referenceOps) {
      NDList halves = x.split(2, 3);
      rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), 3);
    } else {
      rotated = DtypeCasts.matMul(x, rotateHalf);
    }
    return x.mul(cos).add(rotated.mul(sin));
  }

  /** P with x·P = rotate_half(x) = [-x2, x1] over the last axis (hd × hd). */
  static float[] rotateHalfMatrix(int hd) {
    int half = hd / 2;
    float[] p = new float[hd * hd];
    for (int j = 0; j < half; j++) {
      p[(j + half) * hd + j] = -1f; // out[j] = -x[j + half]
      p[j * hd + j + half] = 1f; // out[j + half] = x[j]
    }
    return p;
  }

  private static NDArray own(NDArray a, NDManager m) {
    a.attach(m);
    return a;
  }

  @Override
  public void close() {
    manager.close();
  }
}
