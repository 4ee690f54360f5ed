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
    String[] a = {"\"Alpha Star (1990)\"", "\"Alpha Moon (1991)\"", "\"Alpha Sun (1992)\""};
    String[] b = {"\"Beta Rock (1980)\"", "\"Beta Tree (1981)\"", "\"Beta Lake (1982)\""};
    JsonArray out = new JsonArray();
    for (int i = offset; i < offset + n; i++) {
      boolean likesA = i % 2 == 0;
      boolean targetA = (i / 2) % 2 == 0;
      List<String> hist = List.of(a[i % 3], b[(i + 1) % 3]);
      List<Integer> labels = List.of(likesA ? 1 : 0, likesA ? 0 : 1);
      int label = likesA == targetA ? 1 : 0;
      RecPrompt p = RecPrompt.of("movie", hist, labels, targetA ? a[(i + 2) % 3] : b[(i + 2) % 3], label);
      JsonObject o = new JsonObject();
      o.addProperty("instruction", p.instruction());
      o.addProperty("input", p.input());
      o.addProperty("output", p.output());
      out.add(o);
    }
    Path f = dir.resolve(name);
    Files.writeString(f, out.toString());
    return f;
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
