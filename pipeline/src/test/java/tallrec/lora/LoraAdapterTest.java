package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.DenseLinear;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaModel;
import tallrec.llm.SafetensorsFile;

/** LoRA on the real stories260K checkpoint: identity at init, merge/unmerge, PEFT files. */
class LoraAdapterTest {

  static NDManager root;
  static LlamaCheckpoints.Loaded loaded;
  static int[] ids;
  static float[] baseLogits;

  @TempDir Path tmp;

  @BeforeAll
  static void load() {
    root = NDManager.newBaseManager();
    loaded = LoraFixtures.stories(root);
    ids = loaded.tokenizer.encode("Once upon a time, there was a dog named Max. He liked to run.", true);
    baseLogits = LoraFixtures.logits(loaded.model, ids);
  }

  @AfterAll
  static void close() {
    loaded.close();
    root.close();
  }

  @Test
  void untrainedAdapterLeavesLogitsExactlyUnchanged() {
    LoraConfig cfg = new LoraConfig(8, 16, 0.05, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
        "up_proj", "down_proj"), "stories");
    LoraAdapter a = LoraAdapter.attach(loaded.model, cfg, 7);
    try {
      assertEquals(35, a.layers().size());
      assertArrayEquals(baseLogits, LoraFixtures.logits(loaded.model, ids));
      a.merge();
      assertArrayEquals(baseLogits, LoraFixtures.logits(loaded.model, ids));
    } finally {
      a.detach(loaded.model);
    }
  }

  @Test
  void onlyAandBRequireGradientsAndAIsKaimingUniform() {
    LoraAdapter a = LoraAdapter.attach(loaded.model, LoraConfig.defaults(), 3);
    try {
      assertEquals(20, a.parameters().size()); // 5 layers x {q, v} x {A, B}
      a.parameters().forEach(p -> assertTrue(p.hasGradient()));
      for (LoraLinear l : a.layers().values()) {
        assertTrue(!l.base().weight().hasGradient(), l.name());
      }
      // dim 64: bound 1/sqrt(64) = 0.125; uniform => max close to the bound, B all zero.
      Map<String, float[]> t = a.peftTensors();
      float[] a0 = t.get(LoraAdapter.keyA("model.layers.0.self_attn.q_proj"));
      float max = 0;
      for (float v : a0) {
        max = Math.max(max, Math.abs(v));
      }
      assertTrue(max <= 0.125f && max > 0.12f, "max |A| " + max);
      for (float v : t.get(LoraAdapter.keyB("model.layers.0.self_attn.q_proj"))) {
        assertEquals(0f, v);
      }
    } finally {
      a.detach(loaded.model);
    }
  }

  @Test
  void mergedAndUnmergedAgree() {
    LoraConfig cfg = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), "");
    LoraAdapter a = LoraAdapter.attach(loaded.model, cfg, 1);
    try {
      LoraFixtures.randomize(a, 11, 0.1);
      float[] unmerged = LoraFixtures.logits(loaded.model, ids);
      assertTrue(LoraFixtures.maxAbsDiff(unmerged, baseLogits) > 1e-2, "adapter must change the logits");
      a.merge();
      float[] merged = LoraFixtures.logits(loaded.model, ids);
      // F32 rounding: within 1e-5 of the logits' scale (the F64 test in LoraGradientTest is exact to 1e-9).
      double tol = 1e-5 * maxAbs(unmerged);
      assertTrue(LoraFixtures.maxAbsDiff(unmerged, merged) < tol, "merged vs unmerged " + LoraFixtures.maxAbsDiff(unmerged, merged));
      a.unmerge();
      float[] again = LoraFixtures.logits(loaded.model, ids);
      assertTrue(LoraFixtures.maxAbsDiff(unmerged, again) < tol);
    } finally {
      a.detach(loaded.model);
    }
    assertTrue(LoraFixtures.maxAbsDiff(baseLogits, LoraFixtures.logits(loaded.model, ids)) < 1e-5 * maxAbs(baseLogits));
  }

  static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  @Test
  void savesPeftKeysShapesAndConfigAndLoadsToIdenticalLogits() throws Exception {
    LoraAdapter a = LoraAdapter.attach(loaded.model, LoraConfig.defaults().withBaseModel("stories260K-hf"), 5);
    float[] adapted;
    try {
      LoraFixtures.randomize(a, 2, 0.05);
      adapted = LoraFixtures.logits(loaded.model, ids);
      a.save(tmp);
    } finally {
      a.detach(loaded.model);
    }
    JsonObject cfg = JsonParser.parseString(Files.readString(tmp.resolve("adapter_config.json"))).getAsJsonObject();
    assertEquals("LORA", cfg.get("peft_type").getAsString());
    assertEquals("CAUSAL_LM", cfg.get("task_type").getAsString());
    assertEquals("none", cfg.get("bias").getAsString());
    assertEquals(8, cfg.get("r").getAsInt());
    assertEquals(16, cfg.get("lora_alpha").getAsInt());
    assertEquals(0.05, cfg.get("lora_dropout").getAsDouble());
    assertEquals("stories260K-hf", cfg.get("base_model_name_or_path").getAsString());
    assertEquals("[\"q_proj\",\"v_proj\"]", cfg.get("target_modules").toString());
    try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("adapter_model.safetensors"))) {
      assertEquals(20, f.tensors().size());
      // stories260K: dim 64, 8 heads, 4 kv heads -> q_proj 64 -> 64, v_proj 64 -> 32.
      assertArrayEquals(new long[] {8, 64},
          f.tensors().get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape);
      assertArrayEquals(new long[] {64, 8},
          f.tensors().get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape);
      assertArrayEquals(new long[] {8, 64},
          f.tensors().get("base_model.model.model.layers.4.self_attn.v_proj.lora_A.weight").shape);
      assertArrayEquals(new long[] {32, 8},
          f.tensors().get("base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight").shape);
      assertEquals("F32", f.tensors().get("base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight").dtype);
    }
    LoraAdapter b = LoraAdapter.load(loaded.model, tmp);
    try {
      assertArrayEquals(adapted, LoraFixtures.logits(loaded.model, ids));
    } finally {
      b.detach(loaded.model);
    }
  }

  @Test
  void refusesUnknownTargetsAndNonLoraConfigs() {
    assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, 0, List.of("lm_head"), ""));
    assertThrows(IllegalArgumentException.class,
        () -> LoraConfig.fromPeftJson("{\"peft_type\":\"PREFIX_TUNING\",\"r\":8,\"target_modules\":[\"q_proj\"]}", "x"));
    LoraConfig c = LoraConfig.fromPeftJson(LoraConfig.defaults().toPeftJson(), "x");
    assertEquals(LoraConfig.defaults(), c);
    assertTrue(loaded.model.linears().get("model.layers.0.self_attn.q_proj") instanceof DenseLinear);
  }
}
