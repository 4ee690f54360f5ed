package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.LlamaCheckpoints;
import tallrec.llm.RandomCheckpoint;
import tallrec.synth.SynthParams;
import tallrec.synth.SyntheticMovieLens;

/**
 * The pretrain stage's model: every weight trains (each tensor of the written file differs from
 * its initial value), the corpus loss falls, and the Hugging Face directory it writes reloads to
 * a model whose corpus loss is the trained one, far below the same initial weights'.
 */
class CorpusPretrainingTest {

  static final RandomCheckpoint.Shape SHAPE = new RandomCheckpoint.Shape(32, 64, 1, 2, 128);

  @Test
  void everyWeightTrainsAndTheWrittenModelIsTheTrainedOne(@TempDir Path dir) throws IOException {
    List<String> corpus = new SyntheticMovieLens(SynthParams.of(400, 3).withUsers(20).withItems(40)).corpus();
    assertTrue(corpus.size() > 40, corpus.toString());
    CorpusPretraining.Settings s = new CorpusPretraining.Settings(SHAPE, 7,
        new Pretraining.Settings(25, 16, 1e-2, 5, 0.0, 1.0, 42), List.of("movie"), false);
    Path model = dir.resolve("model");
    CorpusPretraining.Outcome o = CorpusPretraining.build(corpus, s, model, null);
    double first = o.result().firstEpochLoss();
    double last = o.result().lastEpochLoss();
    assertTrue(last < 0.4 * first, "loss " + first + " -> " + last);
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        Trainer.LOG_FILE)) {
      assertTrue(Files.exists(model.resolve(f)), f);
    }
    assertEquals(o.result().losses().size(), Files.readAllLines(model.resolve(Trainer.LOG_FILE)).size());

    // The same initial weights, untrained, beside the trained directory.
    Path init = dir.resolve("init");
    Files.createDirectories(init);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
      Files.copy(model.resolve(f), init.resolve(f));
    }
    RandomCheckpoint.writeWeights(init, SHAPE.config(o.vocabulary(), 1, 2), 7);

    try (LlamaCheckpoints.Loaded trained = LlamaCheckpoints.load(model, new LlamaCheckpoints.Options().precision("f32"));
        LlamaCheckpoints.Loaded untrained = LlamaCheckpoints.load(init, new LlamaCheckpoints.Options().precision("f32"))) {
      Map<String, NDArray> a = trained.model.baseWeights();
      Map<String, NDArray> b = untrained.model.baseWeights();
      assertEquals(a.keySet(), b.keySet());
      for (String name : a.keySet()) {
        assertFalse(Arrays.equals(a.get(name).toFloatArray(), b.get(name).toFloatArray()), name + " did not train");
      }
      double trainedLoss = corpusLoss(trained, corpus);
      double initLoss = corpusLoss(untrained, corpus);
      assertEquals(last, trainedLoss, 0.25 * last, "reloaded model's corpus loss vs the last epoch's");
      assertTrue(trainedLoss < 0.4 * initLoss, trainedLoss + " vs initial " + initLoss);
    }
  }

  /**
   * The same corpus and settings build the same model, byte for byte, with torch on two threads
   * (the demo's setting). Before the embedding lookup went through torch's embedding op, the
   * backward of the indexed read summed a repeated token's gradients in a varying order, and two
   * builds differed from the first step on.
   */
  @Test
  void theSameSettingsBuildTheSameModelOnTwoThreads(@TempDir Path dir) throws IOException {
    List<String> corpus = new SyntheticMovieLens(SynthParams.of(400, 3).withUsers(20).withItems(40)).corpus();
    CorpusPretraining.Settings s = new CorpusPretraining.Settings(SHAPE, 7,
        new Pretraining.Settings(3, 32, 1e-2, 5, 0.0, 1.0, 42), List.of("movie"), false);
    Engine.getInstance();
    int saved = JniUtils.getNumThreads();
    JniUtils.setNumThreads(2);
    try {
      CorpusPretraining.build(corpus, s, dir.resolve("a"), null);
      CorpusPretraining.build(corpus, s, dir.resolve("b"), null);
    } finally {
      JniUtils.setNumThreads(saved);
    }
    assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")),
        Files.readAllBytes(dir.resolve("b/model.safetensors")), "two builds of the same settings differ");
  }

  private static double corpusLoss(LlamaCheckpoints.Loaded m, List<String> corpus) {
    List<TrainExample> xs = new ArrayList<>();
    for (String sentence : corpus) {
      int[] ids = m.tokenizer.encode(sentence, true);
      int[] withEos = Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = m.tokenizer.eosId();
      xs.add(new TrainExample(sentence, withEos, 0, 0));
    }
    try (NDManager scope = NDManager.newBaseManager()) {
      return CausalLmLoss.value(CausalLmLoss.compute(m.model, scope, xs, true, m.tokenizer.padId(), 1.0, false).loss());
    }
  }
}
