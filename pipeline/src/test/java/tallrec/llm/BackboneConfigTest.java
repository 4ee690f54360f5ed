package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each backbone's config.json may say: the fields read for Llama 3 / Qwen2 / Mistral, and
 * one-line refusals naming the field for what is not implemented (other rope types, partial rotary,
 * other activations, sliding windows shorter than the sequence).
 */
class BackboneConfigTest {

  private static final String SHAPE = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_attention_heads\": 4,"
      + " \"num_key_value_heads\": 2, \"num_hidden_layers\": 2, \"vocab_size\": 32, \"max_position_embeddings\": 256";

  private static LlamaConfig parse(String type, String extra) {
    return LlamaConfig.fromJson("{\"model_type\": \"" + type + "\", " + SHAPE + (extra.isEmpty() ? "" : ", " + extra) + "}",
        "m/config.json");
  }

  private static String refusal(String type, String extra) {
    return assertThrows(IllegalArgumentException.class, () -> parse(type, extra)).getMessage();
  }

  @Test
  void unimplementedFieldsAreRefusedByName() {
    String m = refusal("llama", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}");
    assertTrue(m.contains("m/config.json") && m.contains("rope_scaling.rope_type 'yarn'"), m);
    m = refusal("llama", "\"rope_scaling\": {\"type\": \"su\", \"factor\": 4.0}");
    assertTrue(m.contains("rope_scaling.type 'su'"), m);
    m = refusal("llama", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
        + " \"high_freq_factor\": 4.0}");
    assertTrue(m.contains("rope_scaling.original_max_position_embeddings"), m);
    m = refusal("llama", "\"rope_scaling\": {\"rope_type\": \"linear\"}");
    assertTrue(m.contains("rope_scaling.factor"), m);
    m = refusal("qwen2", "\"partial_rotary_factor\": 0.5");
    assertTrue(m.contains("partial_rotary_factor"), m);
    m = refusal("llama", "\"hidden_act\": \"gelu\"");
    assertTrue(m.contains("hidden_act 'gelu'"), m);
    m = refusal("mistral", "\"attention_bias\": true");
    assertTrue(m.contains("attention_bias"), m);
    m = refusal("gemma", "");
    assertTrue(m.contains("model_type 'gemma'") && m.contains("llama, qwen2, mistral"), m);
    m = refusal("qwen2", "\"layer_types\": [\"full_attention\", \"chunked_attention\"]");
    assertTrue(m.contains("layer_types") && m.contains("chunked_attention"), m);
  }

  @Test
  void eachFamilyReadsItsOwnFields() {
    LlamaConfig q = parse("qwen2", "\"rope_theta\": 1000000.0, \"tie_word_embeddings\": true,"
        + " \"use_sliding_window\": false, \"sliding_window\": 32768, \"max_window_layers\": 21");
    assertEquals(new LlamaConfig.Biases(true, false, false), q.biases);
    assertEquals(0, q.attentionWindow, "use_sliding_window false: full attention");
    assertEquals(1_000_000.0, q.ropeTheta);
    LlamaConfig slides = parse("qwen2", "\"use_sliding_window\": true, \"sliding_window\": 64, \"max_window_layers\": 1");
    assertEquals(64, slides.attentionWindow);
    LlamaConfig noLayerSlides = parse("qwen2", "\"use_sliding_window\": true, \"sliding_window\": 64, \"max_window_layers\": 2");
    assertEquals(0, noLayerSlides.attentionWindow, "no layer at or past max_window_layers");
    assertEquals(4096, parse("mistral", "").attentionWindow, "MistralConfig's default window");
    assertEquals(0, parse("mistral", "\"sliding_window\": null").attentionWindow);
    LlamaConfig l = parse("llama", "\"attention_bias\": true, \"mlp_bias\": false");
    assertEquals(new LlamaConfig.Biases(true, true, false), l.biases);
    assertEquals(LlamaConfig.Biases.NONE, parse("llama", "").biases);
    assertEquals(512, parse("llama", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}").contextLength());
    assertEquals(1024, parse("llama", "\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 4.0}").contextLength());
    assertEquals(256, parse("llama", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
        + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}").contextLength());
    assertEquals(RopeScaling.NONE, parse("llama", "\"rope_scaling\": null").ropeScaling);
  }

  @Test
  void transformers5RopeParametersReadAsRopeScaling() {
    BackboneGoldens.Case c = BackboneGoldens.named("llama3");
    JsonObject v4 = c.config();
    JsonObject v5 = JsonParser.parseString(v4.toString()).getAsJsonObject();
    JsonObject params = v5.remove("rope_scaling").getAsJsonObject();
    params.add("rope_theta", v5.remove("rope_theta"));
    v5.add("rope_parameters", params);
    LlamaConfig a = LlamaConfig.fromJson(v4.toString(), "v4");
    LlamaConfig b = LlamaConfig.fromJson(v5.toString(), "v5");
    assertEquals(a.toString(), b.toString());
    assertEquals(a.ropeTheta, b.ropeTheta);
    assertArrayEquals(new RotaryEmbedding(a).inverseFrequencies(10), new RotaryEmbedding(b).inverseFrequencies(10));
  }

  @Test
  void llama3ScalingKeepsHighDividesLowAndBlendsMediumFrequencies() {
    LlamaConfig scaled = BackboneGoldens.named("llama3").llamaConfig();
    LlamaConfig plain = scaled.with(RopeScaling.NONE, scaled.biases, 0, null);
    float[] s = new RotaryEmbedding(scaled).inverseFrequencies(1);
    float[] p = new RotaryEmbedding(plain).inverseFrequencies(1);
    // head_dim 16, theta 5e5, original context 64: wavelength 2π/f is 6.3 (< 64/4: kept),
    // 32.3 (between 16 and 64: blended), then 167 and up (> 64: divided by factor 8).
    assertEquals(p[0], s[0]);
    assertTrue(s[1] < p[1] && s[1] > p[1] / 8, "blended: " + s[1] + " vs " + p[1]);
    for (int i = 2; i < p.length; i++) {
      assertEquals(p[i] / 8f, s[i], 0f, "frequency " + i);
    }
  }

  @Test
  void aSlidingWindowShorterThanTheSequenceIsRefusedAndExactWithinIt(@TempDir Path dir) throws Exception {
    BackboneGoldens.Case full = BackboneGoldens.named("qwen2");
    JsonObject cfg = JsonParser.parseString(full.config().toString()).getAsJsonObject();
    cfg.addProperty("use_sliding_window", true);
    cfg.addProperty("sliding_window", 16);
    cfg.addProperty("max_window_layers", 1);
    BackboneGoldens.Case windowed = new BackboneGoldens.Case(full.name(), full.weightSeed(), cfg, full.prompts(),
        full.logits(), full.greedyPrompt(), full.greedyTokens(), full.minMargin());
    BackboneGoldens.writeCheckpoint(windowed, dir);
    try (LlamaCheckpoints.Loaded m = LlamaCheckpoints.load(dir,
        new LlamaCheckpoints.Options().loadTokenizer(false).precision("f32"))) {
      int[] prompt = full.prompts().get(0);
      String msg = assertThrows(IllegalArgumentException.class,
          () -> BackboneGoldensTest.logits(m.model, List.of(prompt), PaddingSide.RIGHT)).getMessage();
      assertTrue(msg.contains("sliding_window") && msg.contains("16") && msg.contains("max_window_layers = 1"), msg);
      // Within the window: the full-attention reference's logits of the first 16 positions.
      float[][] got = BackboneGoldensTest.logits(m.model, List.of(Arrays.copyOf(prompt, 16)), PaddingSide.RIGHT)[0];
      for (int t = 0; t < 16; t++) {
        for (int v = 0; v < got[t].length; v++) {
          assertEquals(full.logits().get(0)[t][v], got[t][v], BackboneGoldensTest.TOLERANCE, "position " + t);
        }
      }
    }
  }
}
