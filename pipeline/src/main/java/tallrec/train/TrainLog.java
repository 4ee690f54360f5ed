package tallrec.train;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code train_log.jsonl}: one JSON line per optimizer step (loss, learning rate, gradient norm,
 * throughput, and the validation metric with the best so far when the step was validated), which
 * the report draws its training curves from. A resumed run keeps the lines of the steps its
 * checkpoint holds and appends from there, so the file always describes one run.
 */
final class TrainLog implements TrainingListener {

  static final String FILE = "train_log.jsonl";

  private final Path file;
  private final Validator validator;

  TrainLog(Path workDir, Validator validator) {
    this.file = workDir.resolve(FILE);
    this.validator = validator;
  }

  /** A run that starts over: no lines of an earlier one. */
  void restart() throws IOException {
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
  }

  /** A run resumed after {@code step}: the lines of later steps (lost with the process) are dropped. */
  void truncate(int step) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    List<String> keep = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && JsonParser.parseString(line).getAsJsonObject().get("step").getAsInt() <= step) {
        keep.add(line);
      }
    }
    Files.write(file, keep, StandardCharsets.UTF_8);
  }

  @Override
  public void onStep(Step e) throws IOException {
    JsonObject j = stepRecord(e.step(), e.epoch(), e.loss(), e.lr(), e.gradNorm(), e.tokensPerSecond(), e.stepSeconds());
    if (e.lossScale() != null) {
      j.addProperty("loss_scale", e.lossScale());
    }
    if (!e.examplesByDomain().isEmpty()) {
      j.add("examples_by_domain", new Gson().toJsonTree(e.examplesByDomain()));
    }
    if (e.metric() != null) {
      j.addProperty(validator.metric(), e.metric());
      Map<String, Double> byGroup = validator.lastByGroup();
      if (!byGroup.isEmpty()) {
        j.add(validator.metric() + "_by_domain", new Gson().toJsonTree(byGroup));
      }
      j.addProperty("best_" + validator.metric(), e.bestMetric());
      j.addProperty("best_step", e.bestStep());
    }
    appendLog(file, j, e.elapsedSeconds());
  }

  /** The fields every train_log.jsonl line starts with (LoRA tuning and pretraining alike). */
  static JsonObject stepRecord(int step, int epoch, double loss, double lr, double norm, double tokPerSec,
      double stepSeconds) {
    JsonObject j = new JsonObject();
    j.addProperty("step", step);
    j.addProperty("epoch", epoch);
    j.addProperty("loss", loss);
    j.addProperty("lr", lr);
    j.addProperty("grad_norm", norm);
    j.addProperty("tokens_per_s", Math.round(tokPerSec * 10) / 10.0);
    j.addProperty("step_s", Math.round(stepSeconds * 1000) / 1000.0);
    return j;
  }

  /** Ends a record with the elapsed time and appends it to {@code log} as one line. */
  static void appendLog(Path log, JsonObject record, double elapsedSeconds) throws IOException {
    record.addProperty("elapsed_s", Math.round(elapsedSeconds * 100) / 100.0);
    Files.writeString(log, new Gson().toJson(record) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
