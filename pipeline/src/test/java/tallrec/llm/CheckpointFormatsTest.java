package tallrec.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.testing.SharedData;

/** Safetensors variants (BF16, F16, sharded), broken inputs and unsupported models. */
class CheckpointFormatsTest {

  static NDManager manager;
  static LlamaCheckpoints.Loaded ref;
  static int[] promptIds;
  static float[] refLogits;

  @BeforeAll
  static void load() {
    manager = NDManager.newBaseManager();
    ref = LlmFixtures.hf(manager);
    promptIds = ref.tokenizer.encode(LlmFixtures.TALLREC_PROMPT, true);
    refLogits = LlmFixtures.logits(ref.model, promptIds);
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      manager.close();
    }
  }

  /** Copies the stories260K-hf tensors into new safetensors files: tensor i goes to shard i % shards. */
  static void rewrite(Path dir, String dtype, int shards) throws IOException {
    Path src = SharedData.require("models/stories260K-hf");
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    Files.copy(src.resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
    List<SafetensorsWriter> writers = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      writers.add(new SafetensorsWriter().metadata("format", "pt"));
    }
    StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
    try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"));
        NDManager m = NDManager.newBaseManager()) {
      int i = 0;
      for (SafetensorsFile.TensorInfo t : f.tensors().values()) {
        float[] data = f.load(t.name, t.shape, m).toFloatArray();
        int s = i++ % shards;
        writers.get(s).add(t.name, dtype, t.shape, data);
        index.append(i > 1 ? "," : "").append('"').append(t.name).append("\": \"")
            .append(shardName(s, shards)).append('"');
      }
    }
    for (int s = 0; s < shards; s++) {
      writers.get(s).write(dir.resolve(shards == 1 ? "model.safetensors" : shardName(s, shards)));
    }
    if (shards > 1) {
      Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), index.append("}}").toString());
    }
  }

  static String shardName(int s, int n) {
    return String.format("model-%05d-of-%05d.safetensors", s + 1, n);
  }

  static float[] logitsOf(Path dir) {
    try (LlamaCheckpoints.Loaded l = LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options(), manager)) {
      return LlmFixtures.logits(l.model, promptIds);
    }
  }

  @Test
  void bf16WeightsLoadAndStayCloseToF32(@TempDir Path dir) throws IOException {
    rewrite(dir, "BF16", 1);
    float[] l = logitsOf(dir);
    float d = LlmFixtures.maxAbsDiff(refLogits, l);
    // BF16 keeps 8 mantissa bits: logits (|x| up to ~15 here) move by a few hundredths, not more.
    assertTrue(d > 0 && d < 0.5, "BF16 vs F32 max logit diff " + d);
    assertTrue(argmaxAgreement(l) >= 0.8 * promptIds.length, "next-token argmax should mostly agree with F32");
  }

  @Test
  void f16WeightsLoadAndStayCloseToF32(@TempDir Path dir) throws IOException {
    rewrite(dir, "F16", 1);
    float d = LlmFixtures.maxAbsDiff(refLogits, logitsOf(dir));
    assertTrue(d > 0 && d < 0.05, "F16 vs F32 max logit diff " + d);
  }

  /** Number of positions whose argmax agrees with the F32 reference. */
  private static int argmaxAgreement(float[] logits) {
    int v = 512;
    int agree = 0;
    for (int p = 0; p < promptIds.length; p++) {
      float[] a = java.util.Arrays.copyOfRange(refLogits, p * v, (p + 1) * v);
      float[] b = java.util.Arrays.copyOfRange(logits, p * v, (p + 1) * v);
      agree += Generator.argmax(a) == Generator.argmax(b) ? 1 : 0;
    }
    return agree;
  }

  @Test
  void shardedCheckpointLoadsEqual(@TempDir Path dir) throws IOException {
    rewrite(dir, "F32", 2);
    assertTrue(Files.exists(dir.resolve("model-00002-of-00002.safetensors")));
    assertEquals(0f, LlmFixtures.maxAbsDiff(refLogits, logitsOf(dir)));
  }

  @Test
  void singleSafetensorsFileLoads() {
    Path file = SharedData.require("models/stories260K-hf/model.safetensors");
    try (LlamaCheckpoints.Loaded l = LlamaCheckpoints.load(file, new LlamaCheckpoints.Options(), manager)) {
      assertEquals(0f, LlmFixtures.maxAbsDiff(refLogits, LlmFixtures.logits(l.model, promptIds)));
    }
  }

  @Test
  void corruptHeaderIsAClearError(@TempDir Path dir) throws IOException {
    Path huge = dir.resolve("huge.safetensors");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0);
    Files.write(huge, b.array());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(huge));
    assertTrue(e.getMessage().contains("corrupt safetensors header") && e.getMessage().contains("huge.safetensors"),
        e.getMessage());

    Path garbage = dir.resolve("garbage.safetensors");
    byte[] json = "{not json at all".getBytes(StandardCharsets.UTF_8);
    ByteBuffer g = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
    Files.write(garbage, g.array());
    e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(garbage));
    assertTrue(e.getMessage().contains("corrupt safetensors header") && e.getMessage().contains("garbage.safetensors"),
        e.getMessage());

    Path badOffsets = dir.resolve("offsets.safetensors");
    byte[] hj = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64]}}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer o = ByteBuffer.allocate(8 + hj.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(hj.length).put(hj);
    Files.write(badOffsets, o.array());
    e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(badOffsets));
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("offsets.safetensors"), e.getMessage());
  }

  @Test
  void shapeMismatchNamesTensorAndFile(@TempDir Path dir) throws IOException {
    Path src = SharedData.require("models/stories260K-hf");
    String cfg = Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 172", "\"intermediate_size\": 128");
    Files.writeString(dir.resolve("config.json"), cfg);
    Files.createSymbolicLink(dir.resolve("model.safetensors"), src.resolve("model.safetensors").toAbsolutePath());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlamaCheckpoints.load(dir, new LlamaCheckpoints.Options().loadTokenizer(false), manager));
    assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight")
        && e.getMessage().contains("model.safetensors") && e.getMessage().contains("[172, 64]"), e.getMessage());
  }

  @Test
  void unsupportedModelTypeAndMissingKeysAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.fromJson("{\"model_type\": \"gpt2\", \"n_embd\": 768}", "x/config.json"));
    assertTrue(e.getMessage().contains("gpt2") && e.getMessage().contains("x/config.json"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromJson(
        "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 8, \"num_hidden_layers\": 2,"
            + " \"vocab_size\": 32}", "y/config.json"));
    assertTrue(e.getMessage().contains("intermediate_size"), e.getMessage());
    // A window shorter than the context loads (within it sliding attention is full attention);
    // a position past it is refused, naming the field (BackboneConfigTest runs such a forward).
    LlamaConfig windowed = LlamaConfig.fromJson(
        "{\"model_type\": \"mistral\", \"sliding_window\": 4096, \"max_position_embeddings\": 32768,"
            + " \"hidden_size\": 64, \"intermediate_size\": 128, \"num_attention_heads\": 8, \"num_hidden_layers\": 2,"
            + " \"vocab_size\": 32}", "z/config.json");
    assertEquals(4096, windowed.attentionWindow);
    windowed.checkPosition(4095);
    e = assertThrows(IllegalArgumentException.class, () -> windowed.checkPosition(4096));
    assertTrue(e.getMessage().contains("sliding_window = 4096"), e.getMessage());
    LlamaConfig ok = LlamaConfig.fromJson(
        "{\"model_type\": \"mistral\", \"sliding_window\": null, \"hidden_size\": 64, \"intermediate_size\": 128,"
            + " \"num_attention_heads\": 8, \"num_key_value_heads\": 2, \"num_hidden_layers\": 2, \"vocab_size\": 32,"
            + " \"eos_token_id\": [2, 7]}", "m/config.json");
    assertEquals(2, ok.numKvHeads);
    assertEquals(2, ok.eosId);
  }

  @Test
  void configFromHfMatchesLlama2cHeader() {
    LlamaConfig a = LlamaConfig.fromHfConfig(SharedData.require("models/stories260K-hf/config.json"));
    try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(SharedData.require("models/stories260K/stories260K.bin"))) {
      LlamaConfig b = ck.config();
      assertEquals(a.toString(), b.toString());
      assertEquals(8, b.headDim);
    }
  }

  @Test
  void pytorchPicklesAreRefusedWithAConversionHint(@TempDir Path dir) throws IOException {
    Path bin = dir.resolve("pytorch_model.bin");
    Files.write(bin, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    Files.copy(SharedData.require("models/stories260K-hf/config.json"), dir.resolve("config.json"));
    for (Path p : new Path[] {bin, dir}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LlamaCheckpoints.load(p, new LlamaCheckpoints.Options().loadTokenizer(false), manager));
      assertTrue(e.getMessage().contains("save_file") && e.getMessage().contains("pickle"), e.getMessage());
    }
  }

  @Test
  void llama2cNeedsATokenizer() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaCheckpoints.load(
        SharedData.require("models/stories260K/stories260K.bin"), new LlamaCheckpoints.Options(), manager));
    assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
  }

  @Test
  void randomWeightsBuildAnyShape() {
    LlamaConfig cfg = LlamaConfig.of(32, 64, 2, 4, 2, 100, 64, false);
    try (LlamaModel m = LlamaModel.load(cfg, new RandomWeights(cfg, 1), manager)) {
      float[] l = LlmFixtures.logits(m, new int[] {1, 5, 7});
      assertEquals(3 * 100, l.length);
      Map<String, Linear> lin = m.linears();
      assertTrue(lin.containsKey("lm_head"));
      NDArray w = ((DenseLinear) lin.get("model.layers.1.self_attn.k_proj")).weight();
      assertEquals(16, w.getShape().get(0));
    }
  }

  @Test
  void llama2cSeparateClassifierIsRead(@TempDir Path dir) throws IOException {
    // stories260K.bin with a negative vocab_size (= separate classifier) and the embedding appended
    // as that classifier: must give the same logits as the shared-classifier original.
    Path src = SharedData.require("models/stories260K/stories260K.bin");
    byte[] orig = Files.readAllBytes(src);
    ByteBuffer hb = ByteBuffer.wrap(orig).order(ByteOrder.LITTLE_ENDIAN);
    int vocab = hb.getInt(20);
    int dim = hb.getInt(0);
    byte[] out = java.util.Arrays.copyOf(orig, orig.length + vocab * dim * 4);
    System.arraycopy(orig, 28, out, orig.length, vocab * dim * 4);
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -vocab);
    Path sep = dir.resolve("separate.bin");
    Files.write(sep, out);
    try (Llama2cCheckpoint a = Llama2cCheckpoint.open(src);
        Llama2cCheckpoint b = Llama2cCheckpoint.open(sep);
        LlamaModel ma = LlamaModel.load(a.config(), a, manager);
        LlamaModel mb = LlamaModel.load(b.config(), b, manager)) {
      assertTrue(b.has("lm_head.weight") && !b.config().tieWordEmbeddings);
      assertEquals(0f, LlmFixtures.maxAbsDiff(LlmFixtures.logits(ma, promptIds), LlmFixtures.logits(mb, promptIds)));
    }
  }
}
