package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import tallrec.text.ByteTokenizer;
import tallrec.text.Tokenizers;

/**
 * Writes a small LLaMA-shaped Hugging Face model directory with random initial weights and the
 * byte-level tokenizer: the embedded default backbone of {@code tallrec demo}, so the whole
 * pipeline (tuning, scoring) runs on a laptop without downloading weights.
 *
 * <p>Weights are N(0, 0.02) as HF's initializer, norms 1; drawn from a seeded
 * {@link SplittableRandom} in a fixed tensor order, so the same shape and seed give the same bytes.
 * The directory holds {@code config.json}, {@code model.safetensors} and a {@code tokenizer.byte}
 * marker that {@link Tokenizers} reads as the byte tokenizer.
 */
public final class RandomCheckpoint {

  /** Shape of the model: hidden size, MLP size, layers, heads, context length. */
  public record Shape(int hidden, int intermediate, int layers, int heads, int maxPositions) {

    public static Shape from(Config c) {
      return new Shape(c.getInt("hidden"), c.getInt("intermediate"), c.getInt("layers"), c.getInt("heads"),
          c.getInt("max-positions"));
    }

    /** The config with the byte tokenizer's vocabulary. */
    public LlamaConfig config() {
      return config(ByteTokenizer.VOCAB_SIZE, ByteTokenizer.BOS, ByteTokenizer.EOS);
    }

    /** The config for a tokenizer of {@code vocabSize} ids with these BOS/EOS ids; untied head. */
    public LlamaConfig config(int vocabSize, int bosId, int eosId) {
      LlamaConfig base = LlamaConfig.of(hidden, intermediate, layers, heads, heads, vocabSize, maxPositions, false);
      return new LlamaConfig(base.modelType, base.hiddenSize, base.intermediateSize, base.numLayers, base.numHeads,
          base.numKvHeads, base.headDim, base.rmsNormEps, base.ropeTheta, base.vocabSize, base.maxPositions,
          base.tieWordEmbeddings, bosId, eosId, "float32");
    }
  }

  private RandomCheckpoint() {}

  /** Writes the model into {@code dir} (created); returns the parameter count. */
  public static long write(Path dir, Shape shape, long seed) throws IOException {
    long count = writeWeights(dir, shape.config(), seed);
    Files.writeString(dir.resolve(Tokenizers.BYTE_MARKER),
        "byte-level tokenizer: ids 0..255 = UTF-8 bytes, 256 = pad, 257 = bos, 258 = eos\n", StandardCharsets.UTF_8);
    return count;
  }

  /**
   * Writes {@code config.json} and {@code model.safetensors} of config {@code c} with random
   * initial weights into {@code dir} (created), no tokenizer; returns the parameter count.
   */
  public static long writeWeights(Path dir, LlamaConfig c, long seed) throws IOException {
    Files.createDirectories(dir);
    SplittableRandom rnd = new SplittableRandom(seed);
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt")
        .metadata("tallrec", "random initial weights, seed " + seed);
    long[] count = {0};
    int d = c.hiddenSize;
    matrix(w, "model.embed_tokens.weight", c.vocabSize, d, rnd, count);
    for (int l = 0; l < c.numLayers; l++) {
      String p = "model.layers." + l + ".";
      ones(w, p + "input_layernorm.weight", d, count);
      ones(w, p + "post_attention_layernorm.weight", d, count);
      matrix(w, p + "self_attn.q_proj.weight", c.qDim(), d, rnd, count);
      matrix(w, p + "self_attn.k_proj.weight", c.kvDim(), d, rnd, count);
      matrix(w, p + "self_attn.v_proj.weight", c.kvDim(), d, rnd, count);
      matrix(w, p + "self_attn.o_proj.weight", d, c.qDim(), rnd, count);
      matrix(w, p + "mlp.gate_proj.weight", c.intermediateSize, d, rnd, count);
      matrix(w, p + "mlp.up_proj.weight", c.intermediateSize, d, rnd, count);
      matrix(w, p + "mlp.down_proj.weight", d, c.intermediateSize, rnd, count);
    }
    ones(w, "model.norm.weight", d, count);
    matrix(w, "lm_head.weight", c.vocabSize, d, rnd, count);
    w.write(dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("config.json"), hfConfig(c), StandardCharsets.UTF_8);
    return count[0];
  }

  /**
   * Writes the weights of {@code model} (F32, by checkpoint name, embeddings first) as {@code file}:
   * a trained model's {@code model.safetensors} beside the {@code config.json} it was loaded from.
   */
  public static void writeTrained(LlamaModel model, Path file, String note) throws IOException {
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("tallrec", note);
    for (Map.Entry<String, NDArray> e : model.baseWeights().entrySet()) {
      NDArray a = e.getValue();
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalStateException("writeTrained writes F32 models; " + e.getKey() + " is " + a.getDataType());
      }
      w.add(e.getKey(), "F32", a.getShape().getShape(), a.toFloatArray());
    }
    w.write(file);
  }

  /** The config.json Hugging Face writes for a LlamaForCausalLM of this shape. */
  static String hfConfig(LlamaConfig c) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add("LlamaForCausalLM");
    o.add("architectures", arch);
    o.addProperty("model_type", "llama");
    o.addProperty("hidden_size", c.hiddenSize);
    o.addProperty("intermediate_size", c.intermediateSize);
    o.addProperty("num_hidden_layers", c.numLayers);
    o.addProperty("num_attention_heads", c.numHeads);
    o.addProperty("num_key_value_heads", c.numKvHeads);
    o.addProperty("hidden_act", "silu");
    o.addProperty("rms_norm_eps", c.rmsNormEps);
    o.addProperty("rope_theta", c.ropeTheta);
    o.addProperty("vocab_size", c.vocabSize);
    o.addProperty("max_position_embeddings", c.maxPositions);
    o.addProperty("tie_word_embeddings", c.tieWordEmbeddings);
    o.addProperty("bos_token_id", c.bosId);
    o.addProperty("eos_token_id", c.eosId);
    o.addProperty("torch_dtype", "float32");
    return new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n";
  }

  private static void matrix(SafetensorsWriter w, String name, int rows, int cols, SplittableRandom rnd, long[] count) {
    float[] data = new float[rows * cols];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (0.02 * gaussian(rnd));
    }
    w.add(name, "F32", new long[] {rows, cols}, data);
    count[0] += data.length;
  }

  private static void ones(SafetensorsWriter w, String name, int n, long[] count) {
    float[] data = new float[n];
    Arrays.fill(data, 1f);
    w.add(name, "F32", new long[] {n}, data);
    count[0] += n;
  }

  /** Box–Muller, spelled out so the weights do not depend on a JDK's nextGaussian algorithm. */
  private static double gaussian(SplittableRandom rnd) {
    double u1 = rnd.nextDouble();
    double u2 = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
