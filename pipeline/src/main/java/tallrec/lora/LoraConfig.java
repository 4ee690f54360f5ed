package tallrec.lora;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * LoRA settings, as in Hugging Face PEFT's {@code LoraConfig}: rank r, alpha (scale = alpha / r),
 * dropout on the adapter's input, and the projection names it wraps (q_proj … down_proj).
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targets, String baseModel) {

  /** Projections LoRA may wrap (LLaMA's names, as PEFT's target_modules use them). */
  public static final Set<String> KNOWN_TARGETS =
      Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LoRA rank r must be positive, got " + r);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target module");
    }
    for (String t : targets) {
      if (!KNOWN_TARGETS.contains(t)) {
        throw new IllegalArgumentException("unknown LoRA target '" + t + "' (known: q_proj, k_proj, v_proj, o_proj,"
            + " gate_proj, up_proj, down_proj)");
      }
    }
    targets = List.copyOf(targets);
    baseModel = baseModel == null ? "" : baseModel;
  }

  /** TALLRec's defaults: r 8, alpha 16, dropout 0.05 on q_proj and v_proj. */
  public static LoraConfig defaults() {
    return new LoraConfig(8, 16, 0.05, List.of("q_proj", "v_proj"), "");
  }

  public double scale() {
    return alpha / r;
  }

  public LoraConfig withBaseModel(String base) {
    return new LoraConfig(r, alpha, dropout, targets, base);
  }

  /** Whether the projection named e.g. {@code model.layers.3.self_attn.q_proj} is a target. */
  public boolean targets(String linearName) {
    int dot = linearName.lastIndexOf('.');
    return targets.contains(dot < 0 ? linearName : linearName.substring(dot + 1));
  }

  /** PEFT's adapter_config.json. */
  public String toPeftJson() {
    JsonObject o = new JsonObject();
    o.addProperty("peft_type", "LORA");
    o.addProperty("task_type", "CAUSAL_LM");
    o.addProperty("base_model_name_or_path", baseModel);
    o.addProperty("r", r);
    o.addProperty("lora_alpha", alpha == Math.rint(alpha) ? (Number) (long) alpha : (Number) alpha);
    o.addProperty("lora_dropout", dropout);
    JsonArray t = new JsonArray();
    targets.forEach(t::add);
    o.add("target_modules", t);
    o.addProperty("bias", "none");
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("use_rslora", false);
    o.add("modules_to_save", null);
    return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(o);
  }

  /** Reads adapter_config.json; refuses what this implementation does not compute. */
  public static LoraConfig fromPeftJson(String json, String source) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": not a JSON object: " + e.getMessage(), e);
    }
    String type = str(o, "peft_type");
    if (type != null && !type.equals("LORA")) {
      throw new IllegalArgumentException(source + ": peft_type '" + type + "' is not LORA");
    }
    String bias = str(o, "bias");
    if (bias != null && !bias.equals("none")) {
      throw new IllegalArgumentException(source + ": bias '" + bias + "' is not supported (only 'none')");
    }
    if (o.has("use_rslora") && !o.get("use_rslora").isJsonNull() && o.get("use_rslora").getAsBoolean()) {
      throw new IllegalArgumentException(source + ": use_rslora=true is not supported");
    }
    if (o.has("fan_in_fan_out") && !o.get("fan_in_fan_out").isJsonNull() && o.get("fan_in_fan_out").getAsBoolean()) {
      throw new IllegalArgumentException(source + ": fan_in_fan_out=true is not supported (LLaMA has none)");
    }
    List<String> targets = new ArrayList<>();
    JsonElement t = o.get("target_modules");
    if (t == null || t.isJsonNull()) {
      throw new IllegalArgumentException(source + ": missing 'target_modules'");
    } else if (t.isJsonArray()) {
      t.getAsJsonArray().forEach(e -> targets.add(e.getAsString()));
    } else {
      throw new IllegalArgumentException(source + ": target_modules must be a list of names (a regex is not supported)");
    }
    if (!o.has("r")) {
      throw new IllegalArgumentException(source + ": missing 'r'");
    }
    int r = o.get("r").getAsInt();
    double alpha = o.has("lora_alpha") ? o.get("lora_alpha").getAsDouble() : 8;
    double dropout = o.has("lora_dropout") ? o.get("lora_dropout").getAsDouble() : 0;
    return new LoraConfig(r, alpha, dropout, targets, str(o, "base_model_name_or_path"));
  }

  private static String str(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
  }
}
