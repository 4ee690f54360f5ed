package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.SafetensorsFile;
import tallrec.prompt.AlpacaTemplate;
import tallrec.testing.FidelityGoldens;
import tallrec.testing.SharedData;
import tallrec.text.Tokenizer;

/**
 * Rec-tuning computes, step by step, what TALLRec's reference (alpaca-lora on transformers 4.28 +
 * peft) computes on the same model and data: the goldens in {@code src/test/resources/fidelity}
 * (written by {@code generate_golden.py}, which spells out the reference's rules in plain PyTorch)
 * are matched by the {@code tune} stage's own code path ({@link Tuning#train}) on stories260K-hf
 * from the same LoRA initialisation, in F32.
 *
 * <p>Checked per run: every training sequence (prompt text, BOS/EOS, truncation) by digest, the
 * number of predicted tokens (label masking), and per step the loss, the pre-clipping global
 * gradient norm, the learning rate, and the full LoRA A/B tensors after chosen steps.
 */
class TrainingFidelityTest {

  @TempDir Path tmp;

  static JsonObject golden;
  static Path fidelity;

  @BeforeAll
  static void readGolden() throws Exception {
    fidelity = FidelityGoldens.dir();
    golden = JsonParser.parseString(Files.readString(fidelity.resolve("training_golden.json"))).getAsJsonObject();
  }

  static JsonObject run(String name) {
    for (JsonElement e : golden.getAsJsonArray("runs")) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError("no golden run " + name);
  }

  /** The golden run's settings as ours, with the reference's truncation and loss divisor. */
  static TuneSettings settings(JsonObject gs, LossDivisor divisor) {
    return TuneSettings.builder()
        .epochs(gs.get("epochs").getAsInt()).maxSteps(0)
        .batch(gs.get("batch").getAsInt()).microBatch(gs.get("micro").getAsInt())
        .lr(gs.get("lr").getAsDouble()).warmupSteps(gs.get("warmup").getAsInt()).weightDecay(0.0)
        .adam(0.9, 0.999, 1e-8).maxGradNorm(1.0).cutoffLen(gs.get("cutoff").getAsInt())
        .trainOnInputs(gs.get("train_on_inputs").getAsBoolean()).seed(gs.get("seed").getAsLong())
        .evalEvery(1000).patience(0).checkpointEvery(0).evalBatch(16)
        .lora(gs.get("r").getAsInt(), gs.get("alpha").getAsDouble(), gs.get("dropout").getAsDouble(),
            List.of("q_proj", "v_proj"))
        .promptTemplate(AlpacaTemplate.named(gs.get("template").getAsString())).truncation(Truncation.CUT_TAIL)
        .lossDivisor(divisor)
        .build();
  }

  /** An init adapter directory: the golden's A/B with the run's dropout in adapter_config.json. */
  Path initAdapter(double dropout) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("init-" + dropout));
    Files.copy(fidelity.resolve("init_adapter/adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
    JsonObject cfg = JsonParser.parseString(Files.readString(fidelity.resolve("init_adapter/adapter_config.json")))
        .getAsJsonObject();
    cfg.addProperty("lora_dropout", dropout);
    Files.writeString(dir.resolve("adapter_config.json"), cfg.toString());
    return dir;
  }

  /** What a tune run logged per step, and the LoRA tensors (PEFT keys) after the requested steps. */
  record Trace(List<double[]> steps, Map<Integer, Map<String, float[]>> snapshots, Path out) {}

  Trace tune(String name, TuneSettings s, List<TuneData.Labeled> train, List<Integer> snapshotSteps) throws Exception {
    JsonObject gs = run(name).getAsJsonObject("settings");
    Path model = SharedData.require("models/stories260K-hf");
    List<TuneData.Labeled> valid = RecFixtures.movieLens(8, 100).stream().map(RecFixtures.Sample::labeled).toList();
    Tuning.Request q = Tuning.Request.builder("rec", model.toString(), s.toBuilder().device("cpu").build(),
            tmp.resolve("out-" + name).toString())
        .init(initAdapter(gs.get("dropout").getAsDouble()).toString())
        .checkpoints(tmp.resolve("work-" + name).toString(), Trainer.Resume.NEVER)
        .nouns(Map.of("movie", "movie")).precision("f32").build();
    List<double[]> steps = new ArrayList<>();
    Map<Integer, Map<String, float[]>> snaps = new LinkedHashMap<>();
    TrainingListener listener = e -> {
      steps.add(new double[] {e.loss(), e.gradNorm(), e.lr()});
      if (snapshotSteps.contains(e.step())) {
        snaps.put(e.step(), e.adapter().peftTensors());
      }
    };
    Tuning.Outcome o = Tuning.train(q, train, valid, new Configuration(), "cpu",
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), listener);
    return new Trace(steps, snaps, Paths.get(o.out().toUri()));
  }

  static List<TuneData.Labeled> samples(int users) {
    return RecFixtures.movieLens(users, 0).stream().map(RecFixtures.Sample::labeled).toList();
  }

  static Tokenizer tokenizer() {
    return tallrec.llm.LlamaCheckpoints.loadTokenizer(SharedData.require("models/stories260K-hf"));
  }

  /** Prompt assembly, BOS/EOS, truncation and label masking: each sequence equals the reference's. */
  static void assertSequencesMatch(JsonObject run, List<TrainExample> ours) throws Exception {
    JsonArray ex = run.getAsJsonArray("examples");
    assertEquals(ex.size(), ours.size());
    for (int i = 0; i < ours.size(); i++) {
      JsonObject g = ex.get(i).getAsJsonObject();
      TrainExample e = ours.get(i);
      assertEquals(g.get("id").getAsString(), e.id());
      assertEquals(g.get("tokens").getAsInt(), e.ids().length, e.id() + " length");
      assertEquals(g.get("digest").getAsString(), FidelityGoldens.digest(e.ids()), e.id() + " token ids");
      boolean trainOnInputs = run.getAsJsonObject("settings").get("train_on_inputs").getAsBoolean();
      int predicted = 0;
      for (int t = 0; t < e.ids().length; t++) {
        predicted += e.predicts(t, trainOnInputs) ? 1 : 0;
      }
      assertEquals(g.get("predicted").getAsInt(), predicted, e.id() + " predicted (unmasked) tokens");
    }
  }

  static void assertStepsMatch(JsonObject run, List<double[]> steps) {
    JsonArray gsteps = run.getAsJsonArray("steps");
    assertEquals(gsteps.size(), steps.size());
    for (int i = 0; i < steps.size(); i++) {
      JsonObject g = gsteps.get(i).getAsJsonObject();
      double[] s = steps.get(i);
      double loss = g.get("loss").getAsDouble();
      double norm = g.get("grad_norm").getAsDouble();
      System.out.printf("%s step %d: loss %.7f vs %.7f (rel %.1e), grad norm %.6f vs %.6f (rel %.1e), lr %.2e%n",
          run.get("name").getAsString(), i + 1, s[0], loss, Math.abs(s[0] - loss) / loss, s[1], norm,
          Math.abs(s[1] - norm) / norm, s[2]);
      assertEquals(loss, s[0], 1e-4 * Math.abs(loss), "loss at step " + (i + 1));
      assertEquals(norm, s[1], 1e-3 * norm, "gradient norm at step " + (i + 1));
      assertEquals(g.get("lr").getAsDouble(), s[2], 1e-12, "learning rate at step " + (i + 1));
    }
  }

  static double assertTensorsMatch(String run, int step, Map<String, float[]> ours, double tol) throws Exception {
    double worst = 0;
    try (SafetensorsFile f = SafetensorsFile.open(fidelity.resolve("training_golden.safetensors"))) {
      int found = 0;
      for (Map.Entry<String, float[]> e : ours.entrySet()) {
        String key = run + "/step" + step + "/" + e.getKey();
        float[] g = FidelityGoldens.floats(f, key);
        assertEquals(g.length, e.getValue().length, key);
        for (int i = 0; i < g.length; i++) {
          worst = Math.max(worst, Math.abs(g[i] - e.getValue()[i]));
        }
        found++;
      }
      assertEquals(20, found, "LoRA tensors (q/v A and B of 5 layers)");
    }
    System.out.printf("%s after step %d: max |A/B - reference| = %.2e%n", run, step, worst);
    assertTrue(worst <= tol, run + " step " + step + ": LoRA tensors differ by " + worst + " > " + tol);
    return worst;
  }

  @Test
  void issueSettingMatchesTheReferenceLossGradientNormAndLoraTensorsPerStep() throws Exception {
    JsonObject run = run("alpaca-masked");
    TuneSettings s = settings(run.getAsJsonObject("settings"), LossDivisor.TAKEN_MICRO_BATCHES);
    List<TuneData.Labeled> train = samples(16);
    assertSequencesMatch(run, TuneData.examples(train, tokenizer(), 512, new int[1], null, s.promptTemplate(),
        s.truncation()));
    Trace t = tune("alpaca-masked", s, train, List.of(1, 2, 8));
    assertStepsMatch(run, t.steps());
    // Warm-up 2 gives step 1 a rate of 0 (HF evaluates the schedule before stepping): A/B unchanged.
    assertTensorsMatch("alpaca-masked", 1, t.snapshots().get(1), 1e-5);
    assertTensorsMatch("alpaca-masked", 2, t.snapshots().get(2), 1e-5);
    assertTensorsMatch("alpaca-masked", 8, t.snapshots().get(8), 1e-4);
    // The committed adapter is the step-8 one, in PEFT's layout.
    try (SafetensorsFile f = SafetensorsFile.open(t.out().resolve("adapter_model.safetensors"))) {
      Map<String, float[]> written = new LinkedHashMap<>();
      for (String k : t.snapshots().get(8).keySet()) {
        written.put(k, FidelityGoldens.floats(f, k));
      }
      assertTensorsMatch("alpaca-masked", 8, written, 1e-4);
    }
  }

  @Test
  void paperRegimeInMiniatureMatchesWithTheReferencesTextTruncationAndDivisor() throws Exception {
    JsonObject run = run("noqa-cut-partial");
    JsonObject gs = run.getAsJsonObject("settings");
    TuneSettings s = settings(gs, LossDivisor.ACCUMULATION_STEPS);
    List<TuneData.Labeled> train = samples(8);
    Tokenizer tok = tokenizer();
    assertSequencesMatch(run, TuneData.examples(train, tok, 256, new int[1], null, s.promptTemplate(), s.truncation()));
    for (JsonElement e : run.getAsJsonArray("examples")) {
      assertFalse(e.getAsJsonObject().get("eos").getAsBoolean(), "cut at 256 tokens: no EOS, as the reference");
    }
    // Our default text differs from the reference's by exactly its "  # noqa: E501".
    List<TrainExample> plain = TuneData.examples(train, tok, 256, new int[1], null, AlpacaTemplate.ALPACA,
        Truncation.CUT_TAIL);
    assertNotEquals(run.getAsJsonArray("examples").get(0).getAsJsonObject().get("digest").getAsString(),
        FidelityGoldens.digest(plain.get(0).ids()));
    Trace t = tune("noqa-cut-partial", s, train, List.of(1, 6));
    assertStepsMatch(run, t.steps());
    assertTensorsMatch("noqa-cut-partial", 1, t.snapshots().get(1), 1e-5);
    assertTensorsMatch("noqa-cut-partial", 6, t.snapshots().get(6), 1e-4);
  }

  @Test
  void withDropoutTheLossesStayWithinFivePercent() throws Exception {
    JsonObject run = run("alpaca-dropout");
    TuneSettings s = settings(run.getAsJsonObject("settings"), LossDivisor.TAKEN_MICRO_BATCHES);
    Trace t = tune("alpaca-dropout", s, samples(16), List.of());
    JsonArray g = run.getAsJsonArray("steps");
    assertEquals(g.size(), t.steps().size());
    for (int i = 0; i < g.size(); i++) {
      double ref = g.get(i).getAsJsonObject().get("loss").getAsDouble();
      double ours = t.steps().get(i)[0];
      System.out.printf("dropout step %d: loss %.5f vs %.5f (%.2f %%)%n", i + 1, ours, ref, 100 * Math.abs(ours - ref) / ref);
      assertEquals(ref, ours, 0.05 * ref, "loss at step " + (i + 1));
    }
  }

  @Test
  void defaultTruncationDropsHistoryWhereTheReferenceCutsTheAnswer() throws Exception {
    JsonObject run = run("alpaca-masked");
    List<TuneData.Labeled> train = samples(16);
    List<TrainExample> ours = TuneData.examples(train, tokenizer(), 512, new int[1], null, AlpacaTemplate.ALPACA,
        Truncation.DROP_HISTORY);
    JsonArray ex = run.getAsJsonArray("examples");
    int same = 0;
    for (int i = 0; i < ours.size(); i++) {
      JsonObject g = ex.get(i).getAsJsonObject();
      TrainExample e = ours.get(i);
      assertEquals(tokenizer().eosId(), e.ids()[e.ids().length - 1], e.id() + " keeps its answer and EOS");
      if (g.get("eos").getAsBoolean()) {
        assertEquals(g.get("digest").getAsString(), FidelityGoldens.digest(e.ids()), e.id() + ": fits, so identical");
        assertEquals(0, e.droppedHistory());
        same++;
      } else {
        // The reference cut this one at 512 tokens (answer and EOS gone, nothing to learn when the
        // prompt is masked); ours drops its oldest history items instead.
        assertTrue(e.droppedHistory() > 0, e.id());
        assertTrue(e.ids().length <= 512);
      }
    }
    assertEquals(15, same, "15 of the 16 fit in 512 tokens");
  }
}
