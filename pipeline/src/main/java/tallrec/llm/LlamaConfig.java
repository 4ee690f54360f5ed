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
 * The shape of a LLaMA-family decoder, read from a Hugging Face {@code config.json} or a llama2.c
 * header. Accepted are the architectures whose forward pass is LLaMA's up to what this class
 * states: {@code llama} (Llama 1–3.x, with {@code rope_scaling} default, linear, dynamic or llama3,
 * and optional {@code attention_bias}/{@code mlp_bias}), {@code qwen2} (biases on q/k/v, tied or
 * separate head) and {@code mistral}. A sliding attention window is accepted and enforced: a
 * sequence longer than the window is refused when it arrives, since within the window sliding
 * attention is full attention. Anything else is refused with the config field that differs, since
 * running it would silently compute the wrong thing.
 */
public final class LlamaConfig {

  /** model_type values whose math is LLaMA's, given the fields checked in {@link #fromJson}. */
  private static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2");

  /** Which projections carry a bias: q/k/v (Qwen2, Llama's attention_bias), o (attention_bias), the MLP's (mlp_bias). */
  public record Biases(boolean qkv, boolean output, boolean mlp) {
    public static final Biases NONE = new Biases(false, false, false);

    public boolean any() {
      return qkv || output || mlp;
    }
  }

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
  /** How rotary frequencies are scaled ({@link RopeScaling#NONE} for plain rotary). */
  public final RopeScaling ropeScaling;
  public final Biases biases;
  /** Keys a query may attend to under a sliding window, 0 for full attention. */
  public final int attentionWindow;
  /** The config field that set {@link #attentionWindow}, for messages. */
  public final String attentionWindowField;

  public LlamaConfig(
      String modelType, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
      int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
      int maxPositions, boolean tieWordEmbeddings, int bosId, int eosId, String torchDtype) {
    this(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, rmsNormEps, ropeTheta,
        vocabSize, maxPositions, tieWordEmbeddings, bosId, eosId, torchDtype, RopeScaling.NONE, Biases.NONE, 0, null);
  }

  private LlamaConfig(
      String modelType, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
      int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, int vocabSize,
      int maxPositions, boolean tieWordEmbeddings, int bosId, int eosId, String torchDtype,
      RopeScaling ropeScaling, Biases biases, int attentionWindow, String attentionWindowField) {
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
    this.ropeScaling = ropeScaling;
    this.biases = biases;
    this.attentionWindow = attentionWindow;
    this.attentionWindowField = attentionWindowField;
    if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads " + numHeads + " must be a multiple of num_key_value_heads " + numKvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head dimension " + headDim + " must be even for rotary embeddings");
    }
  }

  /** This config with a rotary scaling, projection biases and an attention window (0 = full). */
  public LlamaConfig with(RopeScaling scaling, Biases projectionBiases, int window, String windowField) {
    return new LlamaConfig(modelType, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
        rmsNormEps, ropeTheta, vocabSize, maxPositions, tieWordEmbeddings, bosId, eosId, torchDtype, scaling,
        projectionBiases, window, windowField);
  }

  /** Positions a sequence may span: max_position_embeddings, stretched by linear or dynamic rope scaling. */
  public int contextLength() {
    return ropeScaling.contextLength(maxPositions);
  }

  /**
   * Refuses a token at {@code position} (0-based) past the context, or past a sliding attention
   * window: within the window sliding attention is full attention, beyond it the forward pass here
   * (full attention only) would compute something else.
   */
  public void checkPosition(long position) {
    if (position >= contextLength()) {
      throw new IllegalArgumentException("sequence longer than the model's context of " + contextLength() + " positions");
    }
    if (attentionWindow > 0 && position >= attentionWindow) {
      throw new IllegalArgumentException("sequence of more than " + attentionWindow + " tokens: the model's config.json sets "
          + attentionWindowField + " = " + attentionWindow + ", and only full attention is implemented"
          + " (the two agree within the window)");
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
          + "' (supported: llama, qwen2, mistral)");
    }
    if (o.has("hidden_act") && !"silu".equals(o.get("hidden_act").getAsString())) {
      throw new IllegalArgumentException(source + ": unsupported hidden_act '" + o.get("hidden_act").getAsString()
          + "' (this architecture's MLP uses silu)");
    }
    if (o.has("partial_rotary_factor") && o.get("partial_rotary_factor").getAsDouble() != 1.0) {
      throw new IllegalArgumentException(source + ": unsupported partial_rotary_factor "
          + o.get("partial_rotary_factor") + " (only full-width rotary)");
    }
    int hidden = req(o, "hidden_size", source);
    int heads = req(o, "num_attention_heads", source);
    int layers = req(o, "num_hidden_layers", source);
    // HF's LlamaConfig defaults num_key_value_heads to num_attention_heads (plain multi-head).
    int kv = o.has("num_key_value_heads") && !o.get("num_key_value_heads").isJsonNull()
        ? o.get("num_key_value_heads").getAsInt() : heads;
    int headDim = o.has("head_dim") && !o.get("head_dim").isJsonNull() ? o.get("head_dim").getAsInt() : hidden / heads;
    int maxPos = o.has("max_position_embeddings") ? o.get("max_position_embeddings").getAsInt() : 2048;
    // transformers 5 moves theta and the scaling into one 'rope_parameters' object.
    boolean v5 = o.has("rope_parameters") && o.get("rope_parameters").isJsonObject();
    JsonObject ropeHolder = v5 ? o.getAsJsonObject("rope_parameters") : o;
    // 10,000 is every one of these configs' default (released Qwen2/Mistral configs state theirs).
    double theta = ropeHolder.has("rope_theta") ? ropeHolder.get("rope_theta").getAsDouble() : 10000.0;
    RopeScaling scaling = v5 ? RopeScaling.fromConfig(o, "rope_parameters", source)
        : RopeScaling.fromConfig(o, "rope_scaling", source);
    Biases biases = switch (type) {
      // Qwen2Attention: q/k/v with bias, o without; its MLP has none.
      case "qwen2" -> new Biases(true, false, false);
      case "llama" -> new Biases(flag(o, "attention_bias"), flag(o, "attention_bias"), flag(o, "mlp_bias"));
      default -> {
        if (flag(o, "attention_bias") || flag(o, "mlp_bias")) {
          throw new IllegalArgumentException(source + ": unsupported attention_bias/mlp_bias for model_type '" + type + "'");
        }
        yield Biases.NONE;
      }
    };
    int window = 0;
    String windowField = null;
    if ("mistral".equals(type)) {
      // MistralConfig's default is a 4,096-token window; an explicit null means full attention.
      window = !o.has("sliding_window") ? 4096 : o.get("sliding_window").isJsonNull() ? 0 : o.get("sliding_window").getAsInt();
      windowField = "sliding_window";
    } else if ("qwen2".equals(type) && flag(o, "use_sliding_window")) {
      // Qwen2 slides only in layers from max_window_layers on.
      int fromLayer = o.has("max_window_layers") && !o.get("max_window_layers").isJsonNull()
          ? o.get("max_window_layers").getAsInt() : 28;
      if (fromLayer < layers) {
        window = o.has("sliding_window") && !o.get("sliding_window").isJsonNull() ? o.get("sliding_window").getAsInt() : 4096;
        windowField = "sliding_window (use_sliding_window = true, from layer max_window_layers = " + fromLayer + ")";
      }
    }
    if (o.has("layer_types") && o.get("layer_types").isJsonArray()) {
      // transformers 4.53+ states per layer which attention it uses; that list is then the authority.
      boolean slides = false;
      for (JsonElement t : o.getAsJsonArray("layer_types")) {
        String kind = t.getAsString();
        if (!"full_attention".equals(kind) && !"sliding_attention".equals(kind)) {
          throw new IllegalArgumentException(source + ": unsupported layer_types entry '" + kind
              + "' (supported: full_attention, sliding_attention)");
        }
        slides |= "sliding_attention".equals(kind);
      }
      if (slides && window == 0) {
        if (!o.has("sliding_window") || o.get("sliding_window").isJsonNull()) {
          throw new IllegalArgumentException(source + ": layer_types has sliding_attention but sliding_window is not set");
        }
        window = o.get("sliding_window").getAsInt();
        windowField = "sliding_window (layer_types)";
      } else if (!slides && !"mistral".equals(type)) {
        window = 0;
        windowField = null;
      }
    }
    if (window < 0) {
      throw new IllegalArgumentException(source + ": sliding_window must be positive, got " + window);
    }
    return new LlamaConfig(
        type,
        hidden,
        req(o, "intermediate_size", source),
        layers,
        heads,
        kv,
        headDim,
        o.has("rms_norm_eps") ? o.get("rms_norm_eps").getAsDouble() : 1e-6,
        theta,
        req(o, "vocab_size", source),
        maxPos,
        o.has("tie_word_embeddings") && o.get("tie_word_embeddings").getAsBoolean(),
        firstInt(o.get("bos_token_id"), 1),
        firstInt(o.get("eos_token_id"), 2),
        o.has("torch_dtype") && !o.get("torch_dtype").isJsonNull() ? o.get("torch_dtype").getAsString()
            : o.has("dtype") && !o.get("dtype").isJsonNull() ? o.get("dtype").getAsString() : "float32")
        .with(scaling, biases, window, windowField);
  }

  private static boolean flag(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && !e.isJsonNull() && e.getAsBoolean();
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
        + 3L * hiddenSize * intermediateSize + 2L * hiddenSize
        + (biases.qkv() ? qDim() + 2L * kvDim() : 0) + (biases.output() ? hiddenSize : 0)
        + (biases.mlp() ? 2L * intermediateSize + hiddenSize : 0);
    long embed = (long) vocabSize * hiddenSize;
    return perLayer * numLayers + embed + hiddenSize + (tieWordEmbeddings ? 0 : embed);
  }

  @Override
  public String toString() {
    return modelType + "(hidden " + hiddenSize + ", ffn " + intermediateSize + ", layers " + numLayers
        + ", heads " + numHeads + "/" + numKvHeads + " kv, vocab " + vocabSize + ", ctx " + maxPositions
        + (tieWordEmbeddings ? ", tied" : "")
        + (ropeScaling.kind() != RopeScaling.Kind.DEFAULT ? ", rope " + ropeScaling : "")
        + (biases.any() ? ", biases" + (biases.qkv() ? " qkv" : "") + (biases.output() ? " o" : "")
            + (biases.mlp() ? " mlp" : "") : "")
        + (attentionWindow > 0 ? ", window " + attentionWindow : "") + ")";
  }
}
