package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import tallrec.llm.SafetensorsFile;
import tallrec.llm.SafetensorsWriter;
import tallrec.lora.InPlace;
import tallrec.lora.LoraAdapter;

/**
 * A run's checkpoint in its work directory ({@code checkpoint/}: {@code state.safetensors} with the
 * adapter, AdamW's moments and the best adapter so far; {@code state.json} with the counters, the
 * losses and what identifies the run). Written after every {@code checkpoint-every} steps and after
 * the last, as a listener; replaced by rename, so a kill leaves the previous one whole.
 */
final class TrainerCheckpoint implements TrainingListener {

  static final String DIR = "checkpoint";

  private final Path dir;
  private final LoraAdapter adapter;
  private final int examples;
  private final String settings;
  private final String runKey;
  private final int every;
  private Trainer.State state;
  private AdamW opt;

  /**
   * @param examples the run's training examples, and {@code settings} its settings: a checkpoint
   *     of other ones is another run's
   * @param runKey the stage's run key, or null
   * @param every checkpoint interval in steps (0: only after the last step)
   */
  TrainerCheckpoint(Path workDir, LoraAdapter adapter, int examples, String settings, String runKey, int every) {
    this.dir = workDir.resolve(DIR);
    this.adapter = adapter;
    this.examples = examples;
    this.settings = settings;
    this.runKey = runKey;
    this.every = every;
  }

  Path dir() {
    return dir;
  }

  /** What the listener saves: the run's state and optimizer. */
  TrainerCheckpoint of(Trainer.State st, AdamW optimizer) {
    this.state = st;
    this.opt = optimizer;
    return this;
  }

  @Override
  public void onStep(Step e) throws IOException {
    if ((every > 0 && e.step() % every == 0) || e.last()) {
      save(state, opt);
    }
  }

  void save(Trainer.State st, AdamW opt) throws IOException {
    Path tmp = dir.resolveSibling(DIR + ".tmp");
    deleteTree(tmp);
    Files.createDirectories(tmp);
    SafetensorsWriter w = new SafetensorsWriter();
    List<NDArray> ps = adapter.parameters();
    List<double[]> values = adapter.snapshot();
    for (int i = 0; i < ps.size(); i++) {
      long[] shape = ps.get(i).getShape().getShape();
      w.add("param." + i, "F32", shape, toFloat(values.get(i)));
      w.add("adam_m." + i, "F32", shape, toFloat(values(opt.firstMoments().get(i))));
      w.add("adam_v." + i, "F32", shape, toFloat(values(opt.secondMoments().get(i))));
      if (st.bestValues != null) {
        w.add("best." + i, "F32", shape, toFloat(st.bestValues.get(i)));
      }
    }
    w.write(tmp.resolve("state.safetensors"));
    JsonObject j = new JsonObject();
    j.addProperty("step", st.step);
    j.addProperty("adam_steps", opt.steps());
    j.addProperty("best", Double.isNaN(st.best) ? null : st.best);
    j.addProperty("best_step", st.bestStep);
    j.addProperty("since_best", st.sinceBest);
    j.addProperty("stopped", st.stopped);
    j.addProperty("elapsed_s", st.elapsed);
    j.addProperty("tokens", st.tokens);
    j.addProperty("loss_scale", st.scaler.scale());
    j.addProperty("loss_scale_clean_steps", st.scaler.cleanSteps());
    j.addProperty("loss_scale_overflows", st.scaler.overflows());
    j.add("losses", new Gson().toJsonTree(st.losses));
    j.addProperty("examples", examples);
    j.addProperty("settings", settings);
    if (runKey != null) {
      j.addProperty("run_key", runKey);
    }
    Files.writeString(tmp.resolve("state.json"), new Gson().toJson(j), StandardCharsets.UTF_8);
    Path old = dir.resolveSibling(DIR + ".old");
    deleteTree(old);
    if (Files.exists(dir)) {
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(old);
  }

  /**
   * Why the checkpoint is not this run's, or null when it is: a run may continue only from a
   * checkpoint of the same examples and settings, and (when the caller has one) the same run key,
   * which also covers the model, the data and the code version.
   */
  String otherRun() {
    JsonObject j;
    try {
      j = JsonParser.parseString(Files.readString(dir.resolve("state.json"), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      return "its state.json cannot be read: " + e.getMessage();
    }
    if (!Files.isRegularFile(dir.resolve("state.safetensors"))) {
      return "it has no state.safetensors";
    }
    if (runKey != null) {
      if (!j.has("run_key")) {
        return "it records no run key (written by `tune`, not by this stage)";
      }
      if (!j.get("run_key").getAsString().equals(runKey)) {
        return "it was written under another run key (the stage's settings, inputs or code version changed)";
      }
    }
    if (!j.has("examples") || j.get("examples").getAsInt() != examples) {
      return "it was written for " + (j.has("examples") ? j.get("examples").getAsInt() : "?")
          + " training examples, this run has " + examples;
    }
    if (!j.has("settings") || !j.get("settings").getAsString().equals(settings)) {
      return "it was written with other tuning settings";
    }
    return null;
  }

  void load(Trainer.State st, AdamW opt) throws IOException {
    JsonObject j = JsonParser.parseString(Files.readString(dir.resolve("state.json"), StandardCharsets.UTF_8))
        .getAsJsonObject();
    st.step = j.get("step").getAsInt();
    opt.setSteps(j.get("adam_steps").getAsInt());
    // Gson drops null members: a run without validation (alpaca) has no "best".
    st.best = !j.has("best") || j.get("best").isJsonNull() ? Double.NaN : j.get("best").getAsDouble();
    st.bestStep = j.get("best_step").getAsInt();
    st.sinceBest = j.get("since_best").getAsInt();
    st.stopped = j.get("stopped").getAsBoolean();
    st.elapsed = j.get("elapsed_s").getAsDouble();
    st.tokens = j.get("tokens").getAsLong();
    j.get("losses").getAsJsonArray().forEach(e -> st.losses.add(e.getAsDouble()));
    if (j.has("loss_scale")) {
      st.scaler.restore(j.get("loss_scale").getAsDouble(), j.get("loss_scale_clean_steps").getAsInt(),
          j.get("loss_scale_overflows").getAsInt());
    }
    List<NDArray> ps = adapter.parameters();
    List<double[]> params = new ArrayList<>();
    List<double[]> best = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("state.safetensors"));
        NDManager scope = adapter.manager().newSubManager()) {
      for (int i = 0; i < ps.size(); i++) {
        long[] shape = ps.get(i).getShape().getShape();
        params.add(toDouble(f.load("param." + i, shape, scope).toFloatArray()));
        InPlace.copy(f.load("adam_m." + i, shape, scope), opt.firstMoments().get(i));
        InPlace.copy(f.load("adam_v." + i, shape, scope), opt.secondMoments().get(i));
        if (f.tensors().containsKey("best." + i)) {
          best.add(toDouble(f.load("best." + i, shape, scope).toFloatArray()));
        }
      }
    }
    adapter.restore(params);
    st.bestValues = best.isEmpty() ? null : best;
  }

  private static double[] values(NDArray a) {
    try (NDArray d = a.toType(DataType.FLOAT64, true)) {
      return d.toDoubleArray();
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
