package tallrec.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.llm.LlamaCheckpoints;
import tallrec.lora.LoraAdapter;
import tallrec.lora.LoraFixtures;

/** A run killed after a step and resumed from its last checkpoint ends exactly where an uninterrupted run ends. */
class TrainerResumeTest {

  @TempDir Path tmp;

  static TuneSettings settings() {
    return new TuneSettings(3, 0, 4, 2, 5e-3, 1, 0.01, 0.9, 0.999, 1e-8, 1.0, 320, true, 7, 2, 10, 2, 8,
        4, 8, 0.05, List.of("q_proj", "v_proj"));
  }

  @Test
  void resumeAfterSimulatedKillEqualsUninterruptedRun() throws Exception {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      List<TrainExample> train = new ArrayList<>();
      for (RecFixtures.Sample s : RecFixtures.movieLens(8, 0)) {
        train.add(TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320));
      }
      List<TuneData.Labeled> valid = new ArrayList<>();
      for (RecFixtures.Sample s : RecFixtures.movieLens(8, 8)) {
        valid.add(s.labeled());
      }
      Validator v = Validators.recAuc(valid, l.tokenizer, 320, 8);
      TuneSettings s = settings();
      PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

      LoraAdapter a = LoraAdapter.attach(l.model, s.lora(), s.seed());
      Trainer.Result full = new Trainer(l.model, a, train, v, s, l.tokenizer.eosId(),
          new Trainer.Options().workDir(tmp.resolve("a")).progress(quiet)).run();
      List<double[]> expected = a.snapshot();
      a.detach(l.model);
      assertEquals(6, full.steps());

      LoraAdapter b = LoraAdapter.attach(l.model, s.lora(), s.seed());
      assertThrows(Trainer.SimulatedCrash.class, () -> new Trainer(l.model, b, train, v, s, l.tokenizer.eosId(),
          new Trainer.Options().workDir(tmp.resolve("b")).crashAfterStep(3).progress(quiet)).run());
      b.detach(l.model);
      // A new process: fresh adapter, state from the checkpoint of step 2; step 3 is redone.
      LoraAdapter c = LoraAdapter.attach(l.model, s.lora(), s.seed() + 1);
      Trainer.Result resumed = new Trainer(l.model, c, train, v, s, l.tokenizer.eosId(),
          new Trainer.Options().workDir(tmp.resolve("b")).resume(true).progress(quiet)).run();
      assertEquals(2, resumed.resumedFrom());
      assertEquals(full.losses(), resumed.losses());
      assertEquals(full.bestStep(), resumed.bestStep());
      assertEquals(full.bestMetric(), resumed.bestMetric());
      List<double[]> got = c.snapshot();
      for (int i = 0; i < expected.size(); i++) {
        assertArrayEquals(expected.get(i), got.get(i), c.parameterNames().get(i));
      }
      assertEquals(stepsAndLosses(tmp.resolve("a")), stepsAndLosses(tmp.resolve("b")));
      c.detach(l.model);
      System.out.printf("resume: losses %s, best auc %.4f at step %d, %.1f s%n", full.losses(), full.bestMetric(),
          full.bestStep(), full.seconds());
    }
  }

  static List<String> stepsAndLosses(Path work) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(work.resolve(Trainer.LOG_FILE))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      out.add(o.get("step") + ":" + o.get("loss") + ":" + o.get("lr") + ":" + o.get("valid_auc"));
    }
    assertTrue(out.size() == 6, out.toString());
    return out;
  }
}
