package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} and {@code run} end to end through the CLI, at a small scale: every stage runs on
 * real data and a real model (pretrained here for the demo); a rerun skips every stage; {@code --from} re-runs
 * from a stage; a broken setting fails before anything runs, naming it.
 */
class RunCommandTest {

  @TempDir Path tmp;

  /**
   * The demo, shrunk: 3,000 ratings, 200 viewer stories, 2 pretraining epochs, one K and seed, 2 steps per tuning, 30
   * validation and 40 test prompts.
   */
  static String[] demo(Path work, String... more) {
    List<String> a = new ArrayList<>(List.of("demo", "--work", work.toString(), "--ratings", "3000",
        "--set", "demo.experiment.datasets.movie.synth.viewer-stories=200",
        "--set", "demo.experiment.model.pretrained-on-synth.epochs=2",
        "--set", "demo.experiment.alpaca.tune.max-steps=2",
        "--set", "demo.experiment.rec-tuning.k=[64]",
        "--set", "demo.experiment.rec-tuning.seeds=[0]",
        "--set", "demo.experiment.rec-tuning.tune.max-steps=2",
        "--set", "demo.experiment.rec-tuning.tune.eval-every=2",
        "--set", "demo.experiment.rec-tuning.valid-limit=30",
        "--set", "demo.experiment.score.limit=40"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void demoRunsEveryStageThenSkipsThemAndResumesFromAStage() throws Exception {
    Path work = tmp.resolve("demo");
    CliRun first = CliRun.of(demo(work));
    assertEquals(0, first.rc(), first.err());
    String out = first.out();
    assertTrue(out.contains("SYNTHETIC world"), out);
    for (String stage : List.of("synth", "ingest", "instructions", "valid", "pretrain", "alpaca", "tune", "score",
        "baselines", "evaluate", "report")) {
      assertTrue(out.matches("(?s).*\\[\\d+/\\d+\\] " + stage + " .* done in .*"), stage + " did not run:\n" + out);
    }
    // The AUC table holds the rec-tuned model, the untuned one and the baselines, each on 40 test prompts.
    assertTrue(out.contains("AUC on the test split"), out);
    for (String row : List.of("tiny-llama-pretrained-on-synth", "tallrec", "rt", "icl", "like-ratio", "item-rate",
        "mllib-lr", "gru4rec")) {
      assertTrue(out.contains(row), row + " missing from the table:\n" + out);
    }
    assertTrue(Files.exists(work.resolve("model/config.json")));
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "model.safetensors", "train_log.jsonl")) {
      assertTrue(Files.exists(work.resolve("model/" + f)), f);
    }
    assertTrue(Files.exists(work.resolve("raw/movie/corpus.txt")));
    assertTrue(Files.readString(work.resolve("report/README.md")).contains("tiny-llama-pretrained-on-synth"));
    assertTrue(Files.exists(work.resolve("tune/tallrec/movie/k64/seed0/adapter_config.json")));
    assertTrue(Files.exists(work.resolve("tune/rt/movie/k64/seed0/adapter_config.json")));
    assertTrue(Files.exists(work.resolve("tune/rt/movie/k64/seed0/train_log.jsonl")));
    JsonNode metrics = new ObjectMapper().readTree(Files.readString(work.resolve("metrics.json")));
    for (JsonNode m : metrics.path("metrics")) {
      if (m.path("model").asText().equals("tiny-llama-pretrained-on-synth")) {
        assertEquals(40, m.path("n").asLong(), m.toString());
      }
    }
    JsonNode run = new ObjectMapper().readTree(Files.readString(work.resolve("run.json")));
    assertTrue(run.path("backbone").asText().contains("pretrained here"), run.toString());
    int stages = run.path("stages").size();
    assertTrue(stages >= 11, run.toString());

    // Nothing changed: every stage is up to date.
    CliRun again = CliRun.of(demo(work));
    assertEquals(0, again.rc(), again.err());
    assertEquals(stages, count(again.out(), "skipped \\(up to date"), again.out());
    assertTrue(again.out().contains("0 stages ran, " + stages + " up to date"), again.out());

    // --from score: scoring and everything after re-run; data, model and tuning do not.
    CliRun from = CliRun.of(demo(work, "--from", "score"));
    assertEquals(0, from.rc(), from.err());
    assertTrue(from.out().matches("(?s).*\\] tune .*skipped \\(up to date.*"), from.out());
    assertTrue(from.out().matches("(?s).*\\] score .* done in .*"), from.out());
    assertTrue(from.out().matches("(?s).*\\] evaluate .* done in .*"), from.out());

    // A changed scoring setting re-runs scoring and evaluation only.
    CliRun changed = CliRun.of(demo(work, "--set", "demo.experiment.score.batch-size=8"));
    assertEquals(0, changed.rc(), changed.err());
    assertTrue(changed.out().matches("(?s).*\\] tune .*skipped \\(up to date.*"), changed.out());
    assertTrue(changed.out().matches("(?s).*\\] score .* done in .*"), changed.out());
    assertTrue(changed.out().matches("(?s).*\\] baselines .*skipped \\(up to date.*"), changed.out());
  }

  @Test
  void aBadExperimentFailsBeforeRunningAndAFailingStageNamesItself() throws Exception {
    Path work = tmp.resolve("bad");
    CliRun unknown = CliRun.of(demo(work, "--set", "demo.experiment.baselines.only=[like-ratio,nope]"));
    assertEquals(1, unknown.rc());
    assertTrue(unknown.errorLine().contains("Unknown baseline(s) [nope]"), unknown.errorLine());
    assertFalse(Files.exists(work.resolve("run.json")));

    // K <= 0 and a misspelt key fail before any stage runs, naming the key.
    CliRun k0 = CliRun.of(demo(work, "--set", "demo.experiment.rec-tuning.k=[0]"));
    assertEquals(1, k0.rc());
    assertTrue(k0.errorLine().contains("experiment.rec-tuning.k: 0 is not allowed (each must be at least 1)"),
        k0.errorLine());
    CliRun typo = CliRun.of(demo(work, "--set", "demo.experiment.rec-tuning.tune.max-step=2"));
    assertEquals(1, typo.rc());
    assertTrue(typo.errorLine().contains("unknown setting 'tallrec.demo.experiment.rec-tuning.tune.max-step'"),
        typo.errorLine());
    assertFalse(Files.exists(work.resolve("run.json")));

    Path conf = tmp.resolve("x.conf");
    Files.writeString(conf, "tallrec.experiment {\n  name = x\n  out = \"" + tmp.resolve("x") + "\"\n"
        + "  datasets.movie { source = movielens100k, input = \"" + tmp.resolve("no-such-dir") + "\" }\n"
        + "  rec-tuning.variants = []\n  baselines.only = [like-ratio]\n}\n");
    CliRun missing = CliRun.of("run", "--conf", conf.toString());
    assertEquals(1, missing.rc());
    assertTrue(missing.errorLine().contains("stage ingest (movie (movielens100k)) failed"), missing.errorLine());
    assertTrue(missing.errorLine().contains("no-such-dir"), missing.errorLine());
    assertFalse(Files.exists(tmp.resolve("x/data/movie/interactions")));
    JsonNode run = new ObjectMapper().readTree(Files.readString(tmp.resolve("x/run.json")));
    assertEquals("failed", run.path("stages").get(0).path("status").asText(), run.toString());
  }

  /**
   * A `run` killed mid-tuning (Runtime.halt right after step 3, as kill -9; the last checkpoint is
   * step 2's) continues from that checkpoint when run again, and ends with the adapter bytes and
   * training log of an uninterrupted run. Every run in a fresh JVM, as real invocations are.
   */
  @Test
  void aKilledRunContinuesItsTuningFromTheCheckpoint() throws Exception {
    List<String> shrink = List.of("--set", "demo.experiment.rec-tuning.variants=[rt]",
        "--set", "demo.experiment.baselines.enabled=false",
        "--set", "demo.experiment.rec-tuning.tune.max-steps=4",
        "--set", "demo.experiment.rec-tuning.tune.checkpoint-every=2");
    Path full = tmp.resolve("full");
    CliRun f = CliRun.inChildJvm(tmp.resolve("full.txt"), List.of(), 600, args(demo(full), shrink));
    assertEquals(0, f.rc(), f.out());

    Path killed = tmp.resolve("killed");
    CliRun k = CliRun.inChildJvm(tmp.resolve("killed.txt"), List.of("-Dtallrec-train.extra-listeners=tallrec.train.HaltAfterStep",
        "-Dtallrec-test.halt-after-step=3"), 600,
        args(demo(killed), shrink));
    assertEquals(137, k.rc(), k.out());
    assertTrue(k.out().contains("halting the JVM after step 3"), k.out());
    String adapter = "tune/rt/movie/k64/seed0";
    assertFalse(Files.exists(killed.resolve(adapter)), "a killed tuning must not commit its adapter");

    CliRun r = CliRun.inChildJvm(tmp.resolve("resumed.txt"), List.of(), 600, args(demo(killed), shrink));
    assertEquals(0, r.rc(), r.out());
    assertTrue(r.out().contains("resuming from step 2 of 4"), r.out());
    assertTrue(r.out().matches("(?s).*\\] ingest .*skipped \\(up to date.*"), r.out());
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(full.resolve(adapter + "/adapter_model.safetensors")),
        Files.readAllBytes(killed.resolve(adapter + "/adapter_model.safetensors"))), "adapter tensors differ");
    assertEquals(TuneCommandTest.logWithoutTimings(full.resolve(adapter)),
        TuneCommandTest.logWithoutTimings(killed.resolve(adapter)));
  }

  private static List<String> args(String[] base, List<String> more) {
    List<String> a = new ArrayList<>(List.of(base));
    a.addAll(more);
    return a;
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
