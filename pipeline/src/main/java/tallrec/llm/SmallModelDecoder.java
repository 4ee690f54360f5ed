package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Token-at-a-time decoding of a small LLaMA in plain Java arrays, as llama2.c does in C. For a
 * model like stories260K (dim 64, 5 layers) one decoding step is ~0.5 MFLOP, while the same step
 * through libtorch is ~150 ops of 10–60 µs fixed cost each: the engine's per-op overhead, not
 * arithmetic, sets the rate. Here a step is a few hundred microseconds of loops that the JIT
 * vectorises.
 *
 * <p>The weights are read out of a loaded {@link LlamaModel} once, after any adapter is attached:
 * each projection's effective [in, out] matrix is its own forward of the identity, so a LoRA
 * wrapper contributes W + s·BA without this class knowing about it. Read them with the adapter out
 * of training mode (its dropout would be read out too), and make a new decoder after changing the
 * model's adapters. Computation is F32 throughout
 * (half-precision weights are widened), in the HF rules the model follows (rotate-half rotary,
 * grouped-query attention, RMSNorm in F32, SwiGLU); results equal the engine's up to summation
 * order. Worth it only while the model is small: {@link #suits} says when.
 */
public final class SmallModelDecoder {

  /**
   * Largest model (parameters) decoded here: above it a step's matrix-vector products are long
   * enough that libtorch's kernels win back their per-op cost (and the weights are held twice).
   */
  public static final long MAX_PARAMETERS = 8_000_000L;

  private final LlamaConfig c;
  private final float[] embed;
  private final float[][] inputNorm;
  private final float[][] postNorm;
  /** Per layer, projections as [in][out] row-major: q, k, v, o, gate, up, down. */
  private final float[][][] proj;
  /** Per layer, each projection's bias [out] in the same order, null where it has none. */
  private final float[][][] bias;
  private final float[] finalNorm;
  private final float[] head;
  private final RotaryEmbedding rotary;
  private final float[] cos;
  private final float[] sin;
  /** Per layer, keys and values [position × kvDim], grown by doubling as the sequence grows. */
  private final float[][] keys;
  private final float[][] values;
  private float[] scores;
  private int length;

  // Scratch, reused every step.
  private final float[] x;
  private final float[] xn;
  private final float[] q;
  private final float[] k;
  private final float[] v;
  private final float[] att;
  private final float[] gate;
  private final float[] up;
  private final float[] tmp;
  private final float[] logits;

  /** Whether decoding {@code model} here beats the engine (small enough; see {@link #MAX_PARAMETERS}). */
  public static boolean suits(LlamaModel model) {
    return suits(model.config());
  }

  /** Whether a model of this shape is small enough (see {@link #MAX_PARAMETERS}). */
  public static boolean suits(LlamaConfig config) {
    return config.parameterCount() <= MAX_PARAMETERS;
  }

  public SmallModelDecoder(LlamaModel model) {
    this.c = model.config();
    int d = c.hiddenSize;
    try (NDManager m = model.manager().getParentManager().newSubManager()) {
      this.embed = f32(model.embedWeight());
      int n = model.numLayers();
      inputNorm = new float[n][];
      postNorm = new float[n][];
      proj = new float[n][][];
      bias = new float[n][][];
      for (int l = 0; l < n; l++) {
        LlamaModel.Layer layer = model.layer(l);
        inputNorm[l] = f32(layer.inputNorm);
        postNorm[l] = f32(layer.postNorm);
        Linear[] ps = {layer.q, layer.k, layer.v, layer.o, layer.gate, layer.up, layer.down};
        proj[l] = new float[ps.length][];
        bias[l] = new float[ps.length][];
        for (int j = 0; j < ps.length; j++) {
          bias[l][j] = bias(ps[j], m);
          proj[l][j] = effective(ps[j], bias[l][j], m);
        }
      }
      this.finalNorm = f32(model.finalNormWeight());
      this.head = effective(model.lmHead(), null, m);
    }
    this.rotary = model.rotary();
    this.cos = new float[c.headDim];
    this.sin = new float[c.headDim];
    int capacity = Math.min(c.contextLength(), 256);
    this.keys = new float[c.numLayers][capacity * c.kvDim()];
    this.values = new float[c.numLayers][capacity * c.kvDim()];
    this.scores = new float[capacity];
    this.x = new float[d];
    this.xn = new float[d];
    this.q = new float[c.qDim()];
    this.k = new float[c.kvDim()];
    this.v = new float[c.kvDim()];
    this.att = new float[c.qDim()];
    this.gate = new float[c.intermediateSize];
    this.up = new float[c.intermediateSize];
    this.tmp = new float[Math.max(d, c.intermediateSize)];
    this.logits = new float[c.vocabSize];
  }

  private static float[] f32(NDArray a) {
    return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
  }

  /**
   * The projection's [in, out] matrix: its forward of the in×in identity (adapters included),
   * less its bias (which that forward adds to every row; (w + b) − b is w to within F32 rounding,
   * well inside what BackboneGoldensTest allows, and exact for bias-free projections).
   */
  private static float[] effective(Linear p, float[] bias, NDManager m) {
    try (NDManager s = m.newSubManager()) {
      NDArray id = s.eye(p.inFeatures()).toType(weightType(p), false);
      float[] w = f32(p.forward(id));
      if (bias != null) {
        for (int i = 0; i < w.length; i++) {
          w[i] -= bias[i % bias.length];
        }
      }
      return w;
    }
  }

  /** The projection's bias: its forward of a zero input; null when that is zero (no bias). */
  private static float[] bias(Linear p, NDManager m) {
    try (NDManager s = m.newSubManager()) {
      float[] b = f32(p.forward(s.zeros(new Shape(1, p.inFeatures()), weightType(p))));
      for (float v : b) {
        if (v != 0f) {
          return b;
        }
      }
      return null;
    }
  }

  private static DataType weightType(Linear p) {
    Linear inner = p;
    while (!(inner instanceof DenseLinear) && inner instanceof LlamaModel.Wrapper w) {
      inner = w.wrapped();
    }
    return inner instanceof DenseLinear dl ? dl.weight().getDataType() : DataType.FLOAT32;
  }

  /** Tokens seen so far (the next token's position). */
  public int length() {
    return length;
  }

  /** Forgets every token (a new sequence). */
  public void reset() {
    length = 0;
  }

  /**
   * Runs one token at the next position and returns the logits over the vocabulary (a scratch
   * array, overwritten by the next call).
   */
  public float[] step(int token) {
    c.checkPosition(length);
    int d = c.hiddenSize;
    int hd = c.headDim;
    int kvDim = c.kvDim();
    int groups = c.numHeads / c.numKvHeads;
    int pos = length;
    ensureCapacity(pos + 1);
    rotary.fill(new long[] {pos}, pos + 1, cos, sin);
    System.arraycopy(embed, token * d, x, 0, d);
    float scale = (float) (1.0 / Math.sqrt(hd));
    for (int l = 0; l < c.numLayers; l++) {
      float[][] w = proj[l];
      float[][] b = bias[l];
      rmsNorm(x, inputNorm[l], xn);
      matVec(xn, w[0], b[0], q);
      matVec(xn, w[1], b[1], k);
      matVec(xn, w[2], b[2], v);
      rope(q);
      rope(k);
      System.arraycopy(k, 0, keys[l], pos * kvDim, kvDim);
      System.arraycopy(v, 0, values[l], pos * kvDim, kvDim);
      float[] kc = keys[l];
      float[] vc = values[l];
      for (int h = 0; h < c.numHeads; h++) {
        int qo = h * hd;
        int ko = (h / groups) * hd;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t <= pos; t++) {
          float s = 0;
          int base = t * kvDim + ko;
          for (int i = 0; i < hd; i++) {
            s += q[qo + i] * kc[base + i];
          }
          s *= scale;
          scores[t] = s;
          max = Math.max(max, s);
        }
        float sum = 0;
        for (int t = 0; t <= pos; t++) {
          float e = (float) Math.exp(scores[t] - max);
          scores[t] = e;
          sum += e;
        }
        Arrays.fill(att, qo, qo + hd, 0f);
        for (int t = 0; t <= pos; t++) {
          float p = scores[t] / sum;
          int base = t * kvDim + ko;
          for (int i = 0; i < hd; i++) {
            att[qo + i] += p * vc[base + i];
          }
        }
      }
      matVec(att, w[3], b[3], tmp);
      for (int i = 0; i < d; i++) {
        x[i] += tmp[i];
      }
      rmsNorm(x, postNorm[l], xn);
      matVec(xn, w[4], b[4], gate);
      matVec(xn, w[5], b[5], up);
      for (int i = 0; i < c.intermediateSize; i++) {
        float g = gate[i];
        gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
      }
      matVec(gate, w[6], b[6], tmp);
      for (int i = 0; i < d; i++) {
        x[i] += tmp[i];
      }
    }
    rmsNorm(x, finalNorm, xn);
    matVec(xn, head, null, logits);
    length++;
    return logits;
  }

  private void rmsNorm(float[] in, float[] weight, float[] out) {
    int d = in.length;
    float ss = 0;
    for (int i = 0; i < d; i++) {
      ss += in[i] * in[i];
    }
    float r = (float) (1.0 / Math.sqrt(ss / d + c.rmsNormEps));
    for (int i = 0; i < d; i++) {
      out[i] = in[i] * r * weight[i];
    }
  }

  /** Grows the key/value caches and score scratch to hold {@code positions} positions. */
  private void ensureCapacity(int positions) {
    int kvDim = c.kvDim();
    if (keys[0].length >= positions * kvDim) {
      return;
    }
    int capacity = Math.min(c.contextLength(), Math.max(positions, keys[0].length / kvDim * 2));
    for (int l = 0; l < keys.length; l++) {
      keys[l] = Arrays.copyOf(keys[l], capacity * kvDim);
      values[l] = Arrays.copyOf(values[l], capacity * kvDim);
    }
    scores = new float[capacity];
  }

  /**
   * out = in · W (+ bias) for W [in, out] row-major: an axpy per input, which the JIT vectorises.
   * The bias is added last, as the engine adds it to the product.
   */
  private static void matVec(float[] in, float[] w, float[] bias, float[] out) {
    int n = w.length / in.length;
    Arrays.fill(out, 0, n, 0f);
    for (int i = 0; i < in.length; i++) {
      float a = in[i];
      int row = i * n;
      for (int j = 0; j < n; j++) {
        out[j] += a * w[row + j];
      }
    }
    if (bias != null) {
      for (int j = 0; j < n; j++) {
        out[j] += bias[j];
      }
    }
  }

  /** HF rotate-half: x*cos + [-x2, x1]*sin per head, with this step's row from {@link RotaryEmbedding}. */
  private void rope(float[] vec) {
    int hd = c.headDim;
    int half = hd / 2;
    int t = 0;
    for (int h = 0; h < vec.length; h += hd) {
      for (int i = 0; i < half; i++) {
        float a = vec[h + i];
        float b = vec[h + i + half];
        vec[h + i] = a * cos[t + i] - b * sin[t + i];
        vec[h + i + half] = b * cos[t + i + half] + a * sin[t + i + half];
      }
    }
  }
}
