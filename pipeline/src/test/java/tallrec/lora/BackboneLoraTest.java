package tallrec.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tallrec.llm.BackboneGoldens;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.LlamaConfig;
import tallrec.llm.LlamaModel;
import tallrec.llm.SafetensorsFile;
import tallrec.train.CausalLmLoss;
import tallrec.train.TrainExample;

/**
 * LoRA on every projection of each backbone family (q, k, v, o, gate, up, down, biases and head
 * layouts included): a fresh adapter leaves the logits as they were, every A and B receives a
 * gradient, the saved adapter has exactly the keys and shapes PEFT writes for that architecture's
 * module names, and it reloads (and merges) to the same logits.
 */
class BackboneLoraTest {

  private static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");
  private static final List<String> MLP = List.of("gate_proj", "up_proj", "down_proj");

  static Stream<BackboneGoldens.Case> cases() {
    return BackboneGoldens.load().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyProjectionTakesAnAdapterInPeftsLayout(BackboneGoldens.Case c, @TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    Path adapterDir = dir.resolve("adapter");
    BackboneGoldens.writeCheckpoint(c, model);
    LlamaCheckpoints.Options load = new LlamaCheckpoints.Options().loadTokenizer(false).precision("f32");
    List<String> targets = new ArrayList<>(ATTENTION);
    targets.addAll(MLP);
    LoraConfig cfg = new LoraConfig(4, 8, 0.0, targets, "backbone-" + c.name());
    int[] prompt = c.prompts().get(1);
    float[] adapted;
    try (LlamaCheckpoints.Loaded m = LlamaCheckpoints.load(model, load)) {
      LlamaConfig shape = m.model.config();
      float[] base = LoraFixtures.logits(m.model, prompt);
      LoraAdapter a = LoraAdapter.attach(m.model, cfg, 7);
      assertEquals(7 * shape.numLayers, a.layers().size(), "wrapped projections");
      assertEquals(0f, LoraFixtures.maxAbsDiff(base, LoraFixtures.logits(m.model, prompt)), 1e-6f, "B = 0 changes nothing");

      LoraFixtures.randomize(a, 11, 0.05);
      a.train(true);
      try (NDManager scope = m.model.manager().getParentManager().newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        CausalLmLoss.Result r = CausalLmLoss.compute(m.model, scope,
            List.of(new TrainExample("x", prompt, prompt.length / 2, 0)), false, 0, 1.0, true);
        gc.backward(r.loss());
      }
      List<NDArray> params = a.parameters();
      for (int i = 0; i < params.size(); i++) {
        try (NDArray g = params.get(i).getGradient()) {
          assertTrue(g.abs().max().getFloat() > 0f, c + ": no gradient reaches " + a.parameterNames().get(i));
        }
      }
      a.train(false);
      adapted = LoraFixtures.logits(m.model, prompt);
      assertTrue(LoraFixtures.maxAbsDiff(base, adapted) > 1e-3, "a trained adapter changes the logits");
      a.save(adapterDir);

      Map<String, long[]> want = new TreeMap<>();
      int qOut = shape.qDim();
      int kvOut = shape.kvDim();
      for (int l = 0; l < shape.numLayers; l++) {
        for (String p : targets) {
          String module = "base_model.model.model.layers." + l + (ATTENTION.contains(p) ? ".self_attn." : ".mlp.") + p;
          long in = p.equals("o_proj") ? qOut : p.equals("down_proj") ? shape.intermediateSize : shape.hiddenSize;
          long out = switch (p) {
            case "q_proj" -> qOut;
            case "k_proj", "v_proj" -> kvOut;
            case "gate_proj", "up_proj" -> shape.intermediateSize;
            default -> shape.hiddenSize;
          };
          want.put(module + ".lora_A.weight", new long[] {4, in});
          want.put(module + ".lora_B.weight", new long[] {out, 4});
        }
      }
      try (SafetensorsFile f = SafetensorsFile.open(adapterDir.resolve(LoraAdapter.WEIGHTS_FILE))) {
        assertEquals(want.keySet(), new TreeSet<>(f.tensors().keySet()), c + ": adapter keys");
        for (Map.Entry<String, long[]> e : want.entrySet()) {
          assertArrayEquals(e.getValue(), f.tensors().get(e.getKey()).shape, e.getKey());
        }
      }
      JsonObject peft = JsonParser.parseString(
          Files.readString(adapterDir.resolve(LoraAdapter.CONFIG_FILE), StandardCharsets.UTF_8)).getAsJsonObject();
      JsonArray modules = peft.getAsJsonArray("target_modules");
      TreeSet<String> named = new TreeSet<>();
      modules.forEach(x -> named.add(x.getAsString()));
      assertEquals(new TreeSet<>(targets), named);
      assertEquals("LORA", peft.get("peft_type").getAsString());

      a.merge();
      assertTrue(LoraFixtures.maxAbsDiff(adapted, LoraFixtures.logits(m.model, prompt)) < 1e-4, c + ": merged");
    }
    try (LlamaCheckpoints.Loaded fresh = LlamaCheckpoints.load(model, load)) {
      LoraAdapter.load(fresh.model, adapterDir);
      assertTrue(LoraFixtures.maxAbsDiff(adapted, LoraFixtures.logits(fresh.model, prompt)) < 1e-5, c + ": reloaded");
    }
  }
}
