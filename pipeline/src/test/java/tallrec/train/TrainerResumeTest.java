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
    return TuneSettings.builder()
        .epochs(3).maxSteps(0).batch(4).microBatch(2)
        .lr(5e-3).warmupSteps(1).weightDecay(0.01).adam(0.9, 0.999, 1e-8)
        .maxGradNorm(1.0).cutoffLen(320).trainOnInputs(true).seed(7)
        .evalEvery(2).patience(10).checkpointEvery(2).evalBatch(8)
        .lora(4, 8, 0.05, List.of("q_proj", "v_proj"))
        .build();
  }

  @Test
  void resumeAfterSimulatedKillEqualsUninterruptedRun() throws Exception {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      List<TrainExample> train = trainExamples(l);
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
      assertThrows(CrashAfterStep.Crash.class, () -> new Trainer(l.model, b, train, v, s, l.tokenizer.eosId(),
          new Trainer.Options().workDir(tmp.resolve("b")).listener(new CrashAfterStep(3)).progress(quiet)).run());
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

  /**
   * {@code run}'s rule ({@link Trainer.Resume#IF_MATCHING}): a checkpoint written under another run
   * key is set aside with the reason printed, and the run starts over (ending as an uninterrupted
   * run does); one of the same key is continued; {@code tune --resume} ({@code STRICT}) refuses a
   * foreign checkpoint in one line.
   */
  @Test
  void aCheckpointOfAnotherRunIsSetAsideOrRefused() throws Exception {
    try (NDManager root = NDManager.newBaseManager(); LlamaCheckpoints.Loaded l = LoraFixtures.stories(root)) {
      List<TrainExample> train = trainExamples(l);
      TuneSettings s = settings();
      Path work = tmp.resolve("w");
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(log, true);

      LoraAdapter a = LoraAdapter.attach(l.model, s.lora(), s.seed());
      Trainer.Result full = new Trainer(l.model, a, train, null, s, l.tokenizer.eosId(),
          new Trainer.Options().progress(out)).run();
      a.detach(l.model);

      LoraAdapter b = LoraAdapter.attach(l.model, s.lora(), s.seed());
      assertThrows(CrashAfterStep.Crash.class, () -> new Trainer(l.model, b, train, null, s, l.tokenizer.eosId(),
          new Trainer.Options().workDir(work).runKey("key-1").listener(new CrashAfterStep(3)).progress(out)).run());
      b.detach(l.model);
      assertTrue(Files.readString(work.resolve("checkpoint/state.json")).contains("\"run_key\":\"key-1\""));

      LoraAdapter c = LoraAdapter.attach(l.model, s.lora(), s.seed());
      Trainer.Result over = new Trainer(l.model, c, train, null, s, l.tokenizer.eosId(), new Trainer.Options()
          .workDir(work).runKey("key-2").resume(Trainer.Resume.IF_MATCHING).progress(out)).run();
      c.detach(l.model);
      assertTrue(log.toString().contains("not resuming from " + work.resolve("checkpoint") + ": it was written under"
          + " another run key (the stage's settings, inputs or code version changed); starting over"), log.toString());
      assertEquals(-1, over.resumedFrom());
      assertEquals(full.losses(), over.losses());

      LoraAdapter d = LoraAdapter.attach(l.model, s.lora(), s.seed());
      Trainer.Result same = new Trainer(l.model, d, train, null, s, l.tokenizer.eosId(), new Trainer.Options()
          .workDir(work).runKey("key-2").resume(Trainer.Resume.IF_MATCHING).progress(out)).run();
      d.detach(l.model);
      assertEquals(6, same.resumedFrom());
      assertEquals(full.losses(), same.losses());

      LoraAdapter e = LoraAdapter.attach(l.model, s.lora(), s.seed());
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new Trainer(l.model, e,
          train.subList(0, 6), null, s, l.tokenizer.eosId(), new Trainer.Options().workDir(work).resume(true)
          .progress(out)).run());
      e.detach(l.model);
      assertEquals("checkpoint " + work.resolve("checkpoint") + " belongs to another run (it was written for 8"
          + " training examples, this run has 6); remove it or run without --resume", refused.getMessage());
    }
  }

  /** The 8 MovieLens training examples both tests tune on. */
  static List<TrainExample> trainExamples(LlamaCheckpoints.Loaded l) {
    List<TrainExample> train = new ArrayList<>();
    for (RecFixtures.Sample s : RecFixtures.movieLens(8, 0)) {
      train.add(TrainExample.build(l.tokenizer, s.prompt(), s.response(), 320));
    }
    return train;
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
