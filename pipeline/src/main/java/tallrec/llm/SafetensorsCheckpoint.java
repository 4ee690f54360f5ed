package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face checkpoint in safetensors: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json} (its {@code weight_map} names the shard of every tensor).
 * Shards are opened lazily and tensors loaded one by one, so a 13 GiB model streams through.
 */
public final class SafetensorsCheckpoint implements WeightSource {

  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private final String description;
  private final Path dir;
  /** tensor name → shard file name (relative to dir). */
  private final Map<String, String> weightMap;
  private final Map<String, SafetensorsFile> open = new LinkedHashMap<>();

  private SafetensorsCheckpoint(String description, Path dir, Map<String, String> weightMap) {
    this.description = description;
    this.dir = dir;
    this.weightMap = weightMap;
  }

  /** A directory (single or sharded), a {@code .safetensors} file, or an index JSON. */
  public static SafetensorsCheckpoint open(Path path) {
    if (Files.isDirectory(path)) {
      if (Files.exists(path.resolve(INDEX))) {
        return openIndex(path.resolve(INDEX));
      }
      if (Files.exists(path.resolve(SINGLE))) {
        return openSingle(path.resolve(SINGLE));
      }
      refusePickle(path);
      throw new IllegalArgumentException("no " + SINGLE + " or " + INDEX + " in " + path);
    }
    String name = path.getFileName().toString();
    if (name.endsWith(".index.json")) {
      return openIndex(path);
    }
    return openSingle(path);
  }

  private static SafetensorsCheckpoint openSingle(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, String> map = new LinkedHashMap<>();
    String shard = file.getFileName().toString();
    for (String t : f.tensors().keySet()) {
      map.put(t, shard);
    }
    Path dir = file.toAbsolutePath().getParent();
    SafetensorsCheckpoint c = new SafetensorsCheckpoint(file.toString(), dir, map);
    c.open.put(shard, f);
    return c;
  }

  private static SafetensorsCheckpoint openIndex(Path index) {
    JsonObject weightMap;
    try {
      JsonObject o = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8)).getAsJsonObject();
      weightMap = o.getAsJsonObject("weight_map");
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read safetensors index " + index + ": " + e.getMessage(), e);
    }
    if (weightMap == null) {
      throw new IllegalArgumentException("safetensors index " + index + " has no 'weight_map'");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : weightMap.entrySet()) {
      map.put(e.getKey(), e.getValue().getAsString());
    }
    return new SafetensorsCheckpoint(index.toString(), index.toAbsolutePath().getParent(), map);
  }

  /**
   * PyTorch pickles ({@code pytorch_model.bin}, {@code .pt}) can run arbitrary code when loaded
   * and need Python to read; we refuse them and say how to convert.
   */
  static void refusePickle(Path dirOrFile) {
    Path found = null;
    if (Files.isDirectory(dirOrFile)) {
      for (String n : new String[] {"pytorch_model.bin", "pytorch_model.bin.index.json", "consolidated.00.pth", "model.pt"}) {
        if (Files.exists(dirOrFile.resolve(n))) {
          found = dirOrFile.resolve(n);
          break;
        }
      }
    } else {
      found = dirOrFile;
    }
    if (found != null) {
      throw new IllegalArgumentException(found + " is a PyTorch pickle checkpoint, which this loader does not read"
          + " (unsafe to unpickle, and it needs Python). Convert it to safetensors once, e.g.:\n"
          + "  python -c \"import torch; from safetensors.torch import save_file; "
          + "sd = torch.load('pytorch_model.bin', map_location='cpu'); "
          + "save_file({k: v.contiguous() for k, v in sd.items()}, 'model.safetensors', metadata={'format': 'pt'})\"\n"
          + "or for a sharded/HF model: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public boolean has(String name) {
    return weightMap.containsKey(name);
  }

  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager) {
    return load(name, expectedShape, manager, Precision.F32);
  }

  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager, Precision precision) {
    String shard = weightMap.get(name);
    if (shard == null) {
      throw new IllegalArgumentException("tensor '" + name + "' not found in " + description);
    }
    SafetensorsFile f = open.computeIfAbsent(shard, s -> SafetensorsFile.open(dir.resolve(s)));
    if (!f.tensors().containsKey(name)) {
      throw new IllegalArgumentException("tensor '" + name + "' is mapped to " + f.path() + " by " + description
          + " but that file does not contain it");
    }
    return f.load(name, expectedShape, manager, precision);
  }

  @Override
  public void close() {
    for (SafetensorsFile f : open.values()) {
      f.close();
    }
    open.clear();
  }
}
