package tallrec.llm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The shape of a LLaMA-architecture decoder, read from a Hugging Face {@code config.json} or a
 * llama2.c header. Only architectures whose forward pass is exactly LLaMA's are accepted (llama,
 * and mistral without a sliding window): anything else would silently compute the wrong thing.
 */
public final class LlamaConfig {

  /** model_type values whose math is LLaMA's (mistral only without sliding window, checked below). */
  private static final Set<String> SUPPORTED = Set.of("llama", "mistral");

  public final String modelType;
  public final int hiddenSize;
  public final int intermediateSize;
  public final int numLayers;
  public final int numHeads;
  public final int numKvHeads;
  public final int headDim;
  public final double rmsNormEps;
  public final double ropeTheta;
  public final int vocabSize;
  public final int maxPositions;
  public final boolean tieWordEmbeddings;
  public final int bosId;
  public final int eosId;
  /** Storage dtype named by the checkpoint; compute is always F32 (see {@link LlamaModel}). */
  public final String torchDtype;

  public LlamaConfig(
      String modelType, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
      int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
      int maxPositions, boolean tieWordEmbeddings, int bosId, int eosId, String torchDtype) {
    this.modelType = modelType;
    this.hiddenSize = hiddenSize;
    this.intermediateSize = intermediateSize;
    this.numLayers = numLayers;
    this.numHeads = numHeads;
    this.numKvHeads = numKvHeads;
    this.headDim = headDim;
    this.rmsNormEps = rmsNormEps;
    this.ropeTheta = ropeTheta;
    this.vocabSize = vocabSize;
    this.maxPositions = maxPositions;
    this.tieWordEmbeddings = tieWordEmbeddings;
    this.bosId = bosId;
    this.eosId = eosId;
    this.torchDtype = torchDtype;
    if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads " + numHeads + " must be a multiple of num_key_value_heads " + numKvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head dimension " + headDim + " must be even for rotary embeddings");
    }
  }

  /** A LLaMA shape with the usual defaults (tests, benchmarks, random-weight models). */
  public static LlamaConfig of(
      int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int maxPos, boolean tied) {
    return new LlamaConfig("llama", hidden, intermediate, layers, heads, kvHeads, hidden / heads,
        1e-5, 10000.0, vocab, maxPos, tied, 1, 2, "float32");
  }

  public static LlamaConfig fromHfConfig(Path configJson) {
    String text;
    try {
      text = Files.readString(configJson, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read model config " + configJson + ": " + e.getMessage(), e);
    }
    return fromJson(text, configJson.toString());
  }

  /** Parses config.json text; {@code source} names the file in error messages. */
  public static LlamaConfig fromJson(String json, String source) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": not a JSON object: " + e.getMessage(), e);
    }
    String type = o.has("model_type") ? o.get("model_type").getAsString() : null;
    if (type == null) {
      throw new IllegalArgumentException(source + ": missing key 'model_type'");
    }
    if (!SUPPORTED.contains(type)) {
      throw new IllegalArgumentException(source + ": unsupported model_type '" + type
          + "' (supported: LLaMA-architecture models: llama, mistral without sliding window)");
    }
    if ("mistral".equals(type) && o.has("sliding_window") && !o.get("sliding_window").isJsonNull()) {
      int window = o.get("sliding_window").getAsInt();
      int maxPos = o.has("max_position_embeddings") ? o.get("max_position_embeddings").getAsInt() : Integer.MAX_VALUE;
      if (window < maxPos) {
        throw new IllegalArgumentException(source + ": unsupported mistral config: sliding_window=" + window
            + " < max_position_embeddings (only full attention is implemented)");
      }
    }
    if (o.has("rope_scaling") && !o.get("rope_scaling").isJsonNull()) {
      throw new IllegalArgumentException(source + ": unsupported key 'rope_scaling' (only plain rotary embeddings)");
    }
    if (o.has("hidden_act") && !"silu".equals(o.get("hidden_act").getAsString())) {
      throw new IllegalArgumentException(source + ": unsupported hidden_act '" + o.get("hidden_act").getAsString() + "' (LLaMA uses silu)");
    }
    if (o.has("attention_bias") && o.get("attention_bias").getAsBoolean()) {
      throw new IllegalArgumentException(source + ": unsupported attention_bias=true (LLaMA projections have no bias)");
    }
    int hidden = req(o, "hidden_size", source);
    int heads = req(o, "num_attention_heads", source);
    // HF's LlamaConfig defaults num_key_value_heads to num_attention_heads (plain multi-head).
    int kv = o.has("num_key_value_heads") && !o.get("num_key_value_heads").isJsonNull()
        ? o.get("num_key_value_heads").getAsInt() : heads;
    int headDim = o.has("head_dim") && !o.get("head_dim").isJsonNull() ? o.get("head_dim").getAsInt() : hidden / heads;
    return new LlamaConfig(
        type,
        hidden,
        req(o, "intermediate_size", source),
        req(o, "num_hidden_layers", source),
        heads,
        kv,
        headDim,
        o.has("rms_norm_eps") ? o.get("rms_norm_eps").getAsDouble() : 1e-6,
        o.has("rope_theta") ? o.get("rope_theta").getAsDouble() : 10000.0,
        req(o, "vocab_size", source),
        o.has("max_position_embeddings") ? o.get("max_position_embeddings").getAsInt() : 2048,
        o.has("tie_word_embeddings") && o.get("tie_word_embeddings").getAsBoolean(),
        firstInt(o.get("bos_token_id"), 1),
        firstInt(o.get("eos_token_id"), 2),
        o.has("torch_dtype") && !o.get("torch_dtype").isJsonNull() ? o.get("torch_dtype").getAsString() : "float32");
  }

  /**
   * The llama2.c header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative
   * means a separate classifier follows), seq_len. llama2.c fixes eps 1e-5 and theta 10000.
   */
  public static LlamaConfig fromLlama2cHeader(int[] h) {
    if (h.length != 7) {
      throw new IllegalArgumentException("llama2.c header has 7 ints, got " + h.length);
    }
    for (int i = 0; i < 7; i++) {
      if (i != 5 && h[i] <= 0) {
        throw new IllegalArgumentException("bad llama2.c header (field " + i + " = " + h[i] + ")");
      }
    }
    return new LlamaConfig("llama", h[0], h[1], h[2], h[3], h[4], h[0] / h[3], 1e-5, 10000.0,
        Math.abs(h[5]), h[6], h[5] > 0, 1, 2, "float32");
  }

  private static int req(JsonObject o, String key, String source) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException(source + ": missing key '" + key + "'");
    }
    return e.getAsInt();
  }

  private static int firstInt(JsonElement e, int dflt) {
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    // eos_token_id may be a list (Llama 3); generation stops at the first, which is the tokenizer's EOS.
    return e.isJsonArray() ? e.getAsJsonArray().get(0).getAsInt() : e.getAsInt();
  }

  public int kvDim() {
    return numKvHeads * headDim;
  }

  public int qDim() {
    return numHeads * headDim;
  }

  /** Parameters in the decoder, the LM head counted once when tied. */
  public long parameterCount() {
    long perLayer = (long) hiddenSize * qDim() * 2 + 2L * hiddenSize * kvDim()
        + 3L * hiddenSize * intermediateSize + 2L * hiddenSize;
    long embed = (long) vocabSize * hiddenSize;
    return perLayer * numLayers + embed + hiddenSize + (tieWordEmbeddings ? 0 : embed);
  }

  @Override
  public String toString() {
    return modelType + "(hidden " + hiddenSize + ", ffn " + intermediateSize + ", layers " + numLayers
        + ", heads " + numHeads + "/" + numKvHeads + " kv, vocab " + vocabSize + ", ctx " + maxPositions
        + (tieWordEmbeddings ? ", tied" : "") + ")";
  }
}
