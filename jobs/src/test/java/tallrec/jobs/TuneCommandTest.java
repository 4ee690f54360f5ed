package tallrec.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tallrec.prompt.RecPrompt;
import tallrec.testing.SharedData;

/** {@code tallrec tune} end to end on stories260K: alpaca and rec stages, then --plan. */
class TuneCommandTest {

  @TempDir Path tmp;

  /** Runs the CLI in process; it must exit 0 (stderr in the message). Returns stdout. */
  static String run(String... args) {
    CliRun r = CliRun.of(args);
    assertEquals(0, r.rc(), r.err());
    return r.out();
  }

  /** The first n short elements of the shared Alpaca sample. */
  static Path alpacaSubset(Path dir, String name, int skip, int n) throws Exception {
    JsonArray all = JsonParser.parseString(Files.readString(SharedData.require("data/alpaca/alpaca_1k.json")))
        .getAsJsonArray();
    JsonArray out = new JsonArray();
    int seen = 0;
    for (int i = 0; i < all.size() && out.size() < n; i++) {
      JsonObject o = all.get(i).getAsJsonObject();
      if (o.toString().length() < 300 && seen++ >= skip) {
        out.add(o);
      }
    }
    Path p = dir.resolve(name);
    Files.writeString(p, out.toString());
    return p;
  }

  /** TALLRec-format JSON (as the reference's train.json) with a planted rule: liked target iff it is in the preference list's genre. */
  static Path recJson(Path dir, String name, int n, int offset) throws Exception {
    return recJson(dir, name, n, offset, "movie");
  }

  /** As above for any domain noun (movie, book). */
  static Path recJson(Path dir, String name, int n, int offset, String noun) throws Exception {
    String[] a = {"\"Alpha Star (1990)\"", "\"Alpha Moon (1991)\"", "\"Alpha Sun (1992)\""};
    String[] b = {"\"Beta Rock (1980)\"", "\"Beta Tree (1981)\"", "\"Beta Lake (1982)\""};
    JsonArray out = new JsonArray();
    for (int i = offset; i < offset + n; i++) {
      boolean likesA = i % 2 == 0;
      boolean targetA = (i / 2) % 2 == 0;
      List<String> hist = List.of(a[i % 3], b[(i + 1) % 3]);
      List<Integer> labels = List.of(likesA ? 1 : 0, likesA ? 0 : 1);
      int label = likesA == targetA ? 1 : 0;
      RecPrompt p = RecPrompt.of(noun, hist, labels, targetA ? a[(i + 2) % 3] : b[(i + 2) % 3], label);
      JsonObject o = new JsonObject();
      o.addProperty("instruction", p.instruction());
      o.addProperty("input", p.input());
      o.addProperty("output", p.output());
      out.add(o);
    }
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, out.toString());
    return f;
  }

  /** The log lines without their timing fields (what a repeat must reproduce exactly). */
  static List<String> logWithoutTimings(Path adapterDir) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(adapterDir.resolve("train_log.jsonl"))) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      for (String k : List.of("tokens_per_s", "step_s", "elapsed_s")) {
        o.remove(k);
      }
      out.add(o.toString());
    }
    return out;
  }

  /**
   * Kill-and-resume through the CLI: a child JVM runs {@code tune} and is halted abruptly
   * (Runtime.halt, as kill -9: no finally blocks, no shutdown hooks) right after step 3, when the
   * last checkpoint is step 2's; {@code tune --resume} then finishes the run. The adapter file is
   * byte-identical to an uninterrupted run's and the training logs agree on every step's loss,
   * learning rate, gradient norm and validation AUC.
   */
  @Test
  void resumeAfterAKilledProcessEqualsAnUninterruptedRun() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    String train = recJson(tmp, "rec_train.json", 8, 0).toString();
    String valid = recJson(tmp, "rec_valid.json", 8, 100).toString();
    List<String> common = List.of("tune", "--stage", "rec", "--model", model, "--train", train, "--valid", valid,
        "--max-steps", "6", "--batch", "4", "--micro-batch", "2", "--lr", "5e-3", "--warmup-steps", "1",
        "--eval-every", "2", "--checkpoint-every", "2", "--patience", "0", "--cutoff-len", "320", "--seed", "7",
        "--master", "local[1]");
    // Every run in a fresh JVM, as every `tune` invocation is: a JVM in which other work ran first
    // (a sequential baseline, ONNX Runtime) can round torch's CPU kernels differently (seen here:
    // losses 5e-8 apart after BaselinesEvaluateCommandTest), which is not what this test is about.
    Path full = tmp.resolve("full");
    CliRun f = CliRun.inChildJvm(tmp.resolve("full.txt"), List.of(), 300, concat(common, "--out", full.toString()));
    assertEquals(0, f.rc(), f.out());

    Path killed = tmp.resolve("killed");
    CliRun p = CliRun.inChildJvm(tmp.resolve("killed.txt"), List.of("-Dtallrec-train.extra-listeners=tallrec.train.HaltAfterStep",
        "-Dtallrec-test.halt-after-step=3"), 300,
        concat(common, "--out", killed.toString()));
    String childLog = p.out();
    assertEquals(137, p.rc(), childLog);
    assertTrue(childLog.contains("halting the JVM after step 3"), childLog);
    assertTrue(Files.notExists(killed), "a killed run must not commit its output");
    Path work = Path.of(killed + ".work");
    assertEquals(3, Files.readAllLines(work.resolve("train_log.jsonl")).size());
    assertTrue(Files.readString(work.resolve("checkpoint/state.json")).contains("\"step\":2"));

    CliRun r = CliRun.inChildJvm(tmp.resolve("resumed.txt"), List.of(), 300,
        concat(common, "--out", killed.toString(), "--resume"));
    String resumed = r.out();
    assertEquals(0, r.rc(), resumed);
    assertTrue(resumed.contains("resuming from step 2 of 6"), resumed);
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(full.resolve("adapter_model.safetensors")),
        Files.readAllBytes(killed.resolve("adapter_model.safetensors"))), "adapter tensors differ");
    List<String> a = logWithoutTimings(full);
    assertEquals(6, a.size());
    assertEquals(a, logWithoutTimings(killed));
  }

  /** --activation-checkpointing recomputes layers in backward: same gradients, so the same adapter bytes. */
  @Test
  void activationCheckpointingTrainsTheSameAdapter() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    List<String> common = List.of("tune", "--stage", "rec", "--model", model,
        "--train", recJson(tmp, "rec_train.json", 6, 0).toString(), "--valid", recJson(tmp, "rec_valid.json", 4, 100).toString(),
        "--max-steps", "2", "--batch", "6", "--micro-batch", "3", "--lr", "5e-3", "--eval-every", "2",
        "--cutoff-len", "320", "--master", "local[1]");
    Path plain = tmp.resolve("plain");
    Path ckpt = tmp.resolve("ckpt");
    run(concat(common, "--out", plain.toString()));
    run(concat(common, "--out", ckpt.toString(), "--activation-checkpointing"));
    String manifest = Files.readString(ckpt.resolve("_MANIFEST.json"));
    assertTrue(java.util.regex.Pattern.compile("\"activation-checkpointing\"\\s*:\\s*true").matcher(manifest).find(),
        manifest);
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(plain.resolve("adapter_model.safetensors")),
        Files.readAllBytes(ckpt.resolve("adapter_model.safetensors"))), "adapters differ");
  }

  /**
   * {@code --precision f16} end to end on the CPU: rec-tuning over F16 base weights (loss scaling
   * logged), the manifest recording the precision, then scoring through the adapter in F16.
   */
  @Test
  void halfPrecisionTuneThenScore() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    Path valid = recJson(tmp, "rec_valid.json", 4, 100);
    Path adapter = tmp.resolve("f16");
    run("tune", "--stage", "rec", "--model", model, "--train", recJson(tmp, "rec_train.json", 6, 0).toString(),
        "--valid", valid.toString(), "--max-steps", "2", "--batch", "6", "--micro-batch", "3", "--lr", "5e-3",
        "--eval-every", "2", "--cutoff-len", "320", "--master", "local[1]", "--precision", "f16", "--out",
        adapter.toString());
    String manifest = Files.readString(adapter.resolve("_MANIFEST.json"));
    assertTrue(java.util.regex.Pattern.compile("\"precision\"\\s*:\\s*\"f16\"").matcher(manifest).find(), manifest);
    String log = Files.readString(adapter.resolve("train_log.jsonl"));
    assertTrue(log.contains("\"loss_scale\""), log);
    Path scores = tmp.resolve("scores");
    run("score", "--model", model, "--adapter", adapter.toString(), "--data", valid.toString(), "--out",
        scores.toString(), "--precision", "f16", "--master", "local[1]");
    String scoreManifest = Files.readString(scores.resolve("_MANIFEST.json"));
    assertTrue(scoreManifest.contains("\"scores\" : 4"), scoreManifest);
  }

  static List<String> concat(List<String> a, String... more) {
    List<String> out = new java.util.ArrayList<>(a);
    out.addAll(List.of(more));
    return out;
  }

  static String run(List<String> args) {
    return run(args.toArray(String[]::new));
  }

  /**
   * The paper's cross-domain study: --train and --valid given twice (movie and book sets). Both
   * domains' examples are shuffled into the same steps and trained on; the validation AUC pools
   * both domains and is logged per domain too; the manifest counts each domain's inputs.
   */
  @Test
  void crossDomainTrainsOnBothDomainsAndValidatesOnBoth() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    Path out = tmp.resolve("cross");
    run("tune", "--stage", "rec", "--model", model,
        "--train", recJson(tmp, "train/movie.json", 8, 0, "movie").toString(),
        "--train", recJson(tmp, "train/book.json", 6, 50, "book").toString(),
        "--valid", recJson(tmp, "valid/movie.json", 6, 100, "movie").toString(),
        "--valid", recJson(tmp, "valid/book.json", 6, 150, "book").toString(),
        "--out", out.toString(), "--max-steps", "4", "--batch", "7", "--micro-batch", "4", "--eval-every", "2",
        "--cutoff-len", "320", "--master", "local[1]");
    JsonObject m = JsonParser.parseString(Files.readString(out.resolve("_MANIFEST.json"))).getAsJsonObject();
    JsonObject rows = m.getAsJsonObject("row_counts");
    assertEquals(8, rows.get("train_examples:movie").getAsInt(), rows.toString());
    assertEquals(6, rows.get("train_examples:book").getAsInt(), rows.toString());
    assertEquals(6, rows.get("valid_examples:movie").getAsInt(), rows.toString());
    assertEquals(6, rows.get("valid_examples:book").getAsInt(), rows.toString());
    // 4 steps of 7 = two epochs of the 14 examples: each example trained on twice.
    JsonObject trained = JsonParser.parseString(m.getAsJsonObject("properties").get("trained_examples_by_domain")
        .getAsString()).getAsJsonObject();
    assertEquals(16, trained.get("movie").getAsInt(), trained.toString());
    assertEquals(12, trained.get("book").getAsInt(), trained.toString());
    List<JsonObject> log = Files.readAllLines(out.resolve("train_log.jsonl")).stream()
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertEquals(4, log.size());
    int mixedSteps = 0;
    for (JsonObject step : log) {
      JsonObject by = step.getAsJsonObject("examples_by_domain");
      assertEquals(7, by.entrySet().stream().mapToInt(e -> e.getValue().getAsInt()).sum(), step.toString());
      mixedSteps += by.has("movie") && by.has("book") ? 1 : 0;
    }
    assertTrue(mixedSteps > 0, "no step mixed the domains: " + log);
    JsonObject eval = log.get(1);
    assertTrue(eval.has("valid_auc"), eval.toString());
    JsonObject auc = eval.getAsJsonObject("valid_auc_by_domain");
    assertTrue(auc.has("movie") && auc.has("book"), eval.toString());
  }

  @Test
  void alpacaThenRecFromTheAlpacaAdapterWritesPeftAdaptersLogsAndManifests() throws Exception {
    String model = SharedData.require("models/stories260K-hf").toString();
    Path train = alpacaSubset(tmp, "alpaca_train.json", 0, 8);
    Path valid = alpacaSubset(tmp, "alpaca_valid.json", 8, 4);
    Path at = tmp.resolve("adapters/alpaca");
    String out = run("tune", "--stage", "alpaca", "--model", model, "--train", train.toString(), "--valid",
        valid.toString(), "--out", at.toString(), "--max-steps", "4", "--batch", "4", "--micro-batch", "2",
        "--lr", "1e-3", "--warmup-steps", "1", "--eval-every", "2", "--cutoff-len", "256", "--master", "local[1]");
    assertTrue(out.contains("tune alpaca -> ") && out.contains("4 steps"), out);
    for (String f : List.of("adapter_config.json", "adapter_model.safetensors", "train_log.jsonl", "_MANIFEST.json")) {
      assertTrue(Files.exists(at.resolve(f)), f);
    }
    List<String> log = Files.readAllLines(at.resolve("train_log.jsonl"));
    assertEquals(4, log.size());
    JsonObject second = JsonParser.parseString(log.get(1)).getAsJsonObject();
    for (String k : List.of("step", "epoch", "loss", "lr", "tokens_per_s", "valid_loss", "elapsed_s")) {
      assertTrue(second.has(k), k + " in " + second);
    }
    String manifest = Files.readString(at.resolve("_MANIFEST.json"));
    assertTrue(manifest.contains("\"stage\"") && manifest.contains("alpaca"), manifest);

    Path rt = tmp.resolve("adapters/rec");
    String out2 = run("tune", "--stage", "rec", "--model", model, "--init", at.toString(),
        "--train", recJson(tmp, "rec_train.json", 8, 0).toString(), "--valid", recJson(tmp, "rec_valid.json", 8, 100).toString(),
        "--out", rt.toString(), "--max-steps", "2", "--batch", "8", "--micro-batch", "4", "--eval-every", "1",
        "--cutoff-len", "320", "--master", "local[1]");
    assertTrue(out2.contains("tune rec -> ") && out2.contains("best 0.") || out2.contains("best 1."), out2);
    JsonObject last = JsonParser.parseString(Files.readAllLines(rt.resolve("train_log.jsonl")).get(1)).getAsJsonObject();
    assertTrue(last.has("valid_auc"), last.toString());
    assertTrue(Files.readString(rt.resolve("adapter_config.json")).contains("\"q_proj\""));
  }

  @Test
  void planShowsASettingWhereLlama7bFp16FitsA24GibGpu() {
    String out = run("tune", "--plan", "--model", "llama-7b", "--gpu-gib", "24");
    assertTrue(out.contains("fits 24 GiB: micro-batch"), out);
    assertTrue(out.contains("12.55 GiB"), out);
    System.out.println(out);
  }

  @Test
  void benchTuningReportsStepTimeTokensPerSecondAndBackwardForwardRatio() {
    String out = run("bench", "tuning", "--preset", "stories260K", "--micro-batches", "2,4", "--seq-len", "32",
        "--reps", "1");
    assertTrue(out.contains("micro-batch   4: step") && out.contains("backward/forward") && out.contains("peak RSS"), out);
  }
}
