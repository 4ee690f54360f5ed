package tallrec.llm;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Locale;

/**
 * A config's {@code rope_scaling} (or transformers 5's {@code rope_parameters}): how the rotary
 * embedding's inverse frequencies are changed to stretch a model's context. The kinds Hugging Face
 * defines that keep LLaMA's forward pass otherwise unchanged are implemented; any other kind
 * (yarn, longrope, …) is refused by name, since running it as plain rotary would silently compute
 * other logits.
 *
 * <ul>
 *   <li>{@link Kind#DEFAULT}: no scaling.
 *   <li>{@link Kind#LINEAR}: every inverse frequency divided by {@code factor} (positions
 *       interpolated); the context grows by that factor.
 *   <li>{@link Kind#DYNAMIC}: NTK-aware: past {@code max_position_embeddings} the base θ grows with
 *       the sequence length (see {@link RotaryEmbedding#inverseFrequencies(int)}).
 *   <li>{@link Kind#LLAMA3}: Llama 3.1's per-frequency rule: wavelengths longer than
 *       {@code original_max_position_embeddings / low_freq_factor} divided by {@code factor},
 *       shorter than {@code … / high_freq_factor} kept, those between blended smoothly.
 * </ul>
 */
public record RopeScaling(Kind kind, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

  /** The scaling kinds implemented, by their {@code rope_type} names. */
  public enum Kind {
    DEFAULT, LINEAR, DYNAMIC, LLAMA3;

    String hfName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final RopeScaling NONE = new RopeScaling(Kind.DEFAULT, 1.0, 0, 0, 0);

  public RopeScaling {
    if (kind != Kind.DEFAULT && !(factor >= 1.0)) {
      throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
    }
  }

  /**
   * Reads {@code rope_scaling} from a config object ({@code source} names the file); a missing or
   * null key is {@link #NONE}. {@code maxPositions} is the config's max_position_embeddings.
   */
  static RopeScaling fromConfig(JsonObject config, String key, String source) {
    JsonElement e = config.get(key);
    if (e == null || e.isJsonNull()) {
      return NONE;
    }
    if (!e.isJsonObject()) {
      throw new IllegalArgumentException(source + ": '" + key + "' must be an object");
    }
    JsonObject o = e.getAsJsonObject();
    // transformers renamed 'type' to 'rope_type' (4.43) and keeps reading both.
    String typeKey = o.has("rope_type") ? "rope_type" : "type";
    String type = o.has(typeKey) && !o.get(typeKey).isJsonNull() ? o.get(typeKey).getAsString() : "default";
    Kind kind;
    switch (type) {
      case "default" -> kind = Kind.DEFAULT;
      case "linear" -> kind = Kind.LINEAR;
      case "dynamic" -> kind = Kind.DYNAMIC;
      case "llama3" -> kind = Kind.LLAMA3;
      default -> throw new IllegalArgumentException(source + ": unsupported " + key + "." + typeKey + " '" + type
          + "' (supported: default, linear, dynamic, llama3)");
    }
    if (o.has("partial_rotary_factor") && o.get("partial_rotary_factor").getAsDouble() != 1.0) {
      throw new IllegalArgumentException(source + ": unsupported " + key + ".partial_rotary_factor "
          + o.get("partial_rotary_factor") + " (only full-width rotary)");
    }
    if (kind == Kind.DEFAULT) {
      return NONE;
    }
    double factor = number(o, "factor", key, source);
    if (!(factor >= 1.0)) {
      throw new IllegalArgumentException(source + ": " + key + ".factor must be >= 1, got " + factor);
    }
    if (kind != Kind.LLAMA3) {
      return new RopeScaling(kind, factor, 0, 0, 0);
    }
    double low = number(o, "low_freq_factor", key, source);
    double high = number(o, "high_freq_factor", key, source);
    if (!(high > low)) {
      throw new IllegalArgumentException(source + ": " + key + ".high_freq_factor (" + high
          + ") must exceed low_freq_factor (" + low + ")");
    }
    int original = (int) number(o, "original_max_position_embeddings", key, source);
    if (original <= 0) {
      throw new IllegalArgumentException(source + ": " + key + ".original_max_position_embeddings must be positive");
    }
    return new RopeScaling(kind, factor, low, high, original);
  }

  private static double number(JsonObject o, String field, String key, String source) {
    JsonElement v = o.get(field);
    if (v == null || v.isJsonNull()) {
      throw new IllegalArgumentException(source + ": missing key '" + key + "." + field + "'");
    }
    try {
      return v.getAsDouble();
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException(source + ": " + key + "." + field + " must be a number, got " + v);
    }
  }

  /**
   * Positions a model with this scaling accepts, given its max_position_embeddings: linear and
   * dynamic scaling stretch the trained context by {@code factor} (that is what they are for);
   * Llama 3's configs already state the stretched length.
   */
  public int contextLength(int maxPositions) {
    return kind == Kind.LINEAR || kind == Kind.DYNAMIC
        ? (int) Math.min(Integer.MAX_VALUE, (long) Math.floor(maxPositions * factor)) : maxPositions;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case DEFAULT -> "default";
      case LINEAR, DYNAMIC -> kind.hfName() + " x" + factor;
      case LLAMA3 -> "llama3 x" + factor + " (" + lowFreqFactor + "/" + highFreqFactor + ", original "
          + originalMaxPositions + ")";
    };
  }
}
