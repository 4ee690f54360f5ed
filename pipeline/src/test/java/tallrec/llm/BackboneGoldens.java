package tallrec.llm;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-architecture goldens of {@code backbones/generate_goldens.py}: for each case its HF
 * config, the seed its weights are hashed from, two prompts with the reference's logits at every
 * position, and the reference's greedy continuation of the first prompt.
 *
 * <p>The weights are not in the golden: {@link #writeCheckpoint} derives every element from its
 * tensor's name by the generator's integer hash (splitmix64 over the FNV-1a hash of the name), so
 * both sides hold bit-identical F32 weights.
 */
public final class BackboneGoldens {

  public static final String RESOURCE = "/backbones/backbone_goldens.json";

  /** One architecture's case. */
  public record Case(String name, long weightSeed, JsonObject config, List<int[]> prompts,
      List<float[][]> logits, int greedyPrompt, int[] greedyTokens, double minMargin) {

    public LlamaConfig llamaConfig() {
      return LlamaConfig.fromJson(config.toString(), name + " config");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private BackboneGoldens() {}

  public static List<Case> load() {
    try (InputStream in = BackboneGoldens.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + RESOURCE);
      }
      JsonObject root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
      List<Case> cases = new ArrayList<>();
      for (JsonElement e : root.getAsJsonArray("cases")) {
        JsonObject c = e.getAsJsonObject();
        List<int[]> prompts = new ArrayList<>();
        for (JsonElement p : c.getAsJsonArray("prompts")) {
          prompts.add(ints(p.getAsJsonArray()));
        }
        List<float[][]> logits = new ArrayList<>();
        for (JsonElement perPrompt : c.getAsJsonArray("logits")) {
          JsonArray rows = perPrompt.getAsJsonArray();
          float[][] m = new float[rows.size()][];
          for (int t = 0; t < m.length; t++) {
            JsonArray row = rows.get(t).getAsJsonArray();
            m[t] = new float[row.size()];
            for (int v = 0; v < m[t].length; v++) {
              m[t][v] = row.get(v).getAsFloat();
            }
          }
          logits.add(m);
        }
        JsonObject g = c.getAsJsonObject("greedy");
        cases.add(new Case(c.get("name").getAsString(), c.get("weight_seed").getAsLong(), c.getAsJsonObject("config"),
            prompts, logits, g.get("prompt").getAsInt(), ints(g.getAsJsonArray("new_tokens")),
            g.get("min_margin").getAsDouble()));
      }
      return cases;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Case named(String name) {
    return load().stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no golden case " + name));
  }

  /** Writes {@code config.json} and {@code model.safetensors} of {@code c} into {@code dir}. */
  public static void writeCheckpoint(Case c, Path dir) throws IOException {
    Files.createDirectories(dir);
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    Files.writeString(dir.resolve("config.json"), gson.toJson(c.config()) + "\n", StandardCharsets.UTF_8);
    LlamaConfig cfg = c.llamaConfig();
    SafetensorsWriter w = new SafetensorsWriter();
    int d = cfg.hiddenSize;
    int ff = cfg.intermediateSize;
    add(w, c.weightSeed(), "model.embed_tokens.weight", cfg.vocabSize, d);
    LlamaConfig.Biases b = cfg.biases;
    for (int l = 0; l < cfg.numLayers; l++) {
      String p = "model.layers." + l + ".";
      add(w, c.weightSeed(), p + "input_layernorm.weight", d);
      add(w, c.weightSeed(), p + "post_attention_layernorm.weight", d);
      projection(w, c.weightSeed(), p + "self_attn.q_proj", cfg.qDim(), d, b.qkv());
      projection(w, c.weightSeed(), p + "self_attn.k_proj", cfg.kvDim(), d, b.qkv());
      projection(w, c.weightSeed(), p + "self_attn.v_proj", cfg.kvDim(), d, b.qkv());
      projection(w, c.weightSeed(), p + "self_attn.o_proj", d, cfg.qDim(), b.output());
      projection(w, c.weightSeed(), p + "mlp.gate_proj", ff, d, b.mlp());
      projection(w, c.weightSeed(), p + "mlp.up_proj", ff, d, b.mlp());
      projection(w, c.weightSeed(), p + "mlp.down_proj", d, ff, b.mlp());
    }
    add(w, c.weightSeed(), "model.norm.weight", d);
    if (!cfg.tieWordEmbeddings) {
      add(w, c.weightSeed(), "lm_head.weight", cfg.vocabSize, d);
    }
    w.write(dir.resolve(SafetensorsCheckpoint.SINGLE));
  }

  private static void projection(SafetensorsWriter w, long seed, String name, int out, int in, boolean bias) {
    add(w, seed, name + ".weight", out, in);
    if (bias) {
      add(w, seed, name + ".bias", out);
    }
  }

  private static void add(SafetensorsWriter w, long seed, String name, int... shape) {
    long n = 1;
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
      n *= shape[i];
    }
    w.add(name, "F32", dims, values(seed, name, shape, (int) n));
  }

  /** The generator's {@code tensor()}: the same hash, scale and rounding to F32. */
  static float[] values(long seed, String name, int[] shape, int count) {
    long state = fnv1a64(name) ^ seed;
    float[] out = new float[count];
    double gain;
    boolean norm = name.endsWith("norm.weight");
    boolean bias = name.endsWith(".bias");
    if (norm || bias || name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight")) {
      gain = Double.NaN;
    } else if (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")) {
      gain = 4.0 * Math.sqrt(3.0 / shape[1]);
    } else {
      gain = Math.sqrt(3.0 / shape[1]);
    }
    for (int i = 0; i < count; i++) {
      long z = state + (i + 1L) * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      double r = ((z >>> 40) - 8388608.0) / 8388608.0;
      out[i] = (float) (norm ? 1.0 + 0.25 * r : bias ? 0.5 * r : Double.isNaN(gain) ? r : r * gain);
    }
    return out;
  }

  static long fnv1a64(String text) {
    long h = 0xCBF29CE484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001B3L;
    }
    return h;
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }
}
