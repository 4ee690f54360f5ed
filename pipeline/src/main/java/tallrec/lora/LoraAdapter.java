package tallrec.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import tallrec.llm.DenseLinear;
import tallrec.llm.DtypeCasts;
import tallrec.llm.GradMode;
import tallrec.llm.Linear;
import tallrec.llm.LlamaModel;
import tallrec.llm.SafetensorsFile;
import tallrec.llm.SafetensorsWriter;

/**
 * LoRA adapters on a {@link LlamaModel}'s target projections, with PEFT-format I/O.
 *
 * <p>{@link #attach} wraps every target projection in a {@link LoraLinear}. A is initialised as
 * PEFT does (Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in))) and B is zero, so a
 * fresh adapter leaves the model's outputs exactly unchanged. Only the A and B arrays require
 * gradients; the base weights are never written except by {@link #merge}/{@link #unmerge}.
 *
 * <p>Files: {@code adapter_config.json} and {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<projection>.lora_A.weight} [r, in] and {@code ….lora_B.weight} [out, r],
 * as PEFT writes them, so adapters move between this project and Python unchanged.
 */
public final class LoraAdapter implements AutoCloseable {

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  private static final String PREFIX = "base_model.model.";

  private final LoraConfig config;
  private final NDManager manager;
  private final Map<String, LoraLinear> layers = new LinkedHashMap<>();
  private boolean training;

  private LoraAdapter(LoraConfig config, NDManager manager) {
    this.config = config;
    this.manager = manager;
  }

  /** Wraps the model's target projections with fresh adapters (A random from {@code seed}, B = 0). */
  public static LoraAdapter attach(LlamaModel model, LoraConfig config, long seed) {
    LoraAdapter a = new LoraAdapter(config, model.manager().newSubManager());
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, Linear> e : model.linears().entrySet()) {
      if (config.targets(e.getKey())) {
        if (e.getValue() instanceof LoraLinear) {
          throw new IllegalStateException("projection " + e.getKey() + " already has a LoRA adapter");
        }
        names.add(e.getKey());
      }
    }
    for (String name : names) {
      model.replaceLinear(name, lin -> {
        if (!(lin instanceof DenseLinear dense)) {
          throw new IllegalStateException("projection " + name + " is not a plain dense layer");
        }
        // F32 (or the F64 of gradient tests) even over half base weights: A, B, their gradients and
        // the AdamW moments stay wide, as PEFT keeps adapters in F32 under autocast.
        DataType dt = DtypeCasts.isHalf(dense.weight().getDataType()) ? DataType.FLOAT32 : dense.weight().getDataType();
        int in = dense.inFeatures();
        int out = dense.outFeatures();
        // Kaiming-uniform(a = sqrt(5)) on A [r, in]: bound = gain * sqrt(3 / fan_in) = 1 / sqrt(in).
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] aT = new float[in * config.r()];
        // Draw in A's [r, in] order, store transposed.
        for (int i = 0; i < config.r(); i++) {
          for (int j = 0; j < in; j++) {
            aT[j * config.r() + i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
          }
        }
        NDArray aArr = a.manager.create(aT, new Shape(in, config.r())).toType(dt, false);
        NDArray bArr = a.manager.zeros(new Shape(config.r(), out), dt);
        aArr.setRequiresGradient(true);
        bArr.setRequiresGradient(true);
        LoraLinear l = new LoraLinear(dense, aArr, bArr, config.scale(), config.dropout(), a);
        a.layers.put(name, l);
        return l;
      });
    }
    if (a.layers.isEmpty()) {
      a.manager.close();
      throw new IllegalArgumentException("the model has no projection named " + config.targets());
    }
    return a;
  }

  /** Reads a PEFT adapter directory and attaches it to {@code model}. */
  public static LoraAdapter load(LlamaModel model, Path dir) {
    Path cfgFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new IllegalArgumentException("no " + CONFIG_FILE + " in adapter directory " + dir);
    }
    LoraConfig cfg;
    try {
      cfg = LoraConfig.fromPeftJson(Files.readString(cfgFile, StandardCharsets.UTF_8), cfgFile.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + cfgFile, e);
    }
    LoraAdapter a = attach(model, cfg, 0);
    try {
      a.read(dir.resolve(WEIGHTS_FILE));
      return a;
    } catch (RuntimeException e) {
      a.detach(model);
      throw e;
    }
  }

  /** Loads A and B values from a PEFT safetensors file into this adapter (shapes must match). */
  public void read(Path weightsFile) {
    GradMode.off();
    if (!Files.isRegularFile(weightsFile)) {
      throw new IllegalArgumentException("adapter weights not found: " + weightsFile);
    }
    try (SafetensorsFile f = SafetensorsFile.open(weightsFile); NDManager scope = manager.newSubManager()) {
      for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
        LoraLinear l = e.getValue();
        NDArray a = f.load(keyA(e.getKey()), new long[] {config.r(), l.inFeatures()}, scope);
        NDArray b = f.load(keyB(e.getKey()), new long[] {l.outFeatures(), config.r()}, scope);
        InPlace.copy(a.transpose(), l.aT());
        InPlace.copy(b.transpose(), l.bT());
      }
      int expected = 2 * layers.size();
      if (f.tensors().size() != expected) {
        List<String> extra = new ArrayList<>(f.tensors().keySet());
        for (String n : layers.keySet()) {
          extra.remove(keyA(n));
          extra.remove(keyB(n));
        }
        throw new IllegalArgumentException(weightsFile + " holds tensors this adapter's config does not target: "
            + extra.subList(0, Math.min(5, extra.size())));
      }
    }
  }

  /** Writes adapter_config.json and adapter_model.safetensors (F32) into {@code dir}. */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      SafetensorsWriter w = new SafetensorsWriter();
      for (Map.Entry<String, float[]> e : peftTensors().entrySet()) {
        boolean isA = e.getKey().endsWith(".lora_A.weight");
        LoraLinear l = layers.get(e.getKey().substring(PREFIX.length(), e.getKey().lastIndexOf(".lora_")));
        long[] shape = isA ? new long[] {config.r(), l.inFeatures()} : new long[] {l.outFeatures(), config.r()};
        w.add(e.getKey(), "F32", shape, e.getValue());
      }
      w.metadata("format", "pt");
      w.write(dir.resolve(WEIGHTS_FILE));
      Files.writeString(dir.resolve(CONFIG_FILE), config.toPeftJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write adapter to " + dir, e);
    }
  }

  /** PEFT key → values in PEFT's layout (A [r, in], B [out, r]), in layer order. */
  public Map<String, float[]> peftTensors() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
      out.put(keyA(e.getKey()), transposedValues(e.getValue().aT()));
      out.put(keyB(e.getKey()), transposedValues(e.getValue().bT()));
    }
    return out;
  }

  private float[] transposedValues(NDArray p) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray t = p.transpose();
      t.attach(scope);
      NDArray f = t.toType(DataType.FLOAT32, true);
      f.attach(scope);
      return f.toFloatArray();
    }
  }

  public static String keyA(String projection) {
    return PREFIX + projection + ".lora_A.weight";
  }

  public static String keyB(String projection) {
    return PREFIX + projection + ".lora_B.weight";
  }

  /** The trainable arrays (A^T then B^T of each adapted projection, in layer order). */
  public List<NDArray> parameters() {
    List<NDArray> p = new ArrayList<>();
    for (LoraLinear l : layers.values()) {
      p.add(l.aT());
      p.add(l.bT());
    }
    return p;
  }

  /** Parameter names matching {@link #parameters()} (PEFT keys). */
  public List<String> parameterNames() {
    List<String> p = new ArrayList<>();
    for (String n : layers.keySet()) {
      p.add(keyA(n));
      p.add(keyB(n));
    }
    return p;
  }

  public long parameterCount() {
    long n = 0;
    for (NDArray p : parameters()) {
      n += p.size();
    }
    return n;
  }

  /** Exact copy of every parameter's values (in {@link #parameters()} order), for best-so-far and checkpoints. */
  public List<double[]> snapshot() {
    List<double[]> s = new ArrayList<>();
    for (NDArray p : parameters()) {
      try (NDManager scope = manager.newSubManager()) {
        NDArray d = p.toType(DataType.FLOAT64, true);
        d.attach(scope);
        s.add(d.toDoubleArray());
      }
    }
    return s;
  }

  /** Restores values taken by {@link #snapshot()}. */
  public void restore(List<double[]> values) {
    GradMode.off();
    List<NDArray> ps = parameters();
    if (values.size() != ps.size()) {
      throw new IllegalArgumentException("snapshot has " + values.size() + " arrays, adapter " + ps.size());
    }
    try (NDManager scope = manager.newSubManager()) {
      for (int i = 0; i < ps.size(); i++) {
        InPlace.copy(scope.create(values.get(i), ps.get(i).getShape()), ps.get(i));
      }
    }
  }

  public Map<String, LoraLinear> layers() {
    return Collections.unmodifiableMap(layers);
  }

  public LoraConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  /** Training mode turns adapter dropout on. */
  public boolean training() {
    return training;
  }

  public void train(boolean on) {
    this.training = on;
  }

  /** Folds s·B·A into every wrapped base weight (inference at the base model's cost). */
  public void merge() {
    GradMode.off();
    layers.values().forEach(LoraLinear::merge);
  }

  /** Subtracts s·B·A again (base weights return up to rounding). */
  public void unmerge() {
    GradMode.off();
    layers.values().forEach(LoraLinear::unmerge);
  }

  /** Puts the base projections back into {@code model} (unmerging first) and frees the adapter. */
  public void detach(LlamaModel model) {
    unmerge();
    for (Map.Entry<String, LoraLinear> e : layers.entrySet()) {
      DenseLinear base = e.getValue().base();
      model.replaceLinear(e.getKey(), l -> base);
    }
    layers.clear();
    manager.close();
  }

  @Override
  public void close() {
    manager.close();
  }
}
