package tallrec.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;
import tallrec.conf.Section;
import tallrec.conf.TallRecConf;

/**
 * The dtype the frozen base weights are stored and multiplied in ({@code tallrec.model.precision},
 * flag {@code --precision}). Whatever it is, RMSNorm statistics, softmax, the Yes/No logits and the
 * loss are computed in F32, and LoRA A/B, their gradients and the AdamW moments stay F32 (what a
 * PEFT model under {@code torch.autocast} does).
 *
 * <p>{@code auto} resolves per device: F16 on a GPU (where half kernels are the fast path), F32 on
 * the CPU (where libtorch's F16 matmul runs a few hundred times slower than F32).
 */
public enum Precision {
  F32(DataType.FLOAT32, 4),
  F16(DataType.FLOAT16, 2),
  BF16(DataType.BFLOAT16, 2);

  private final DataType dataType;
  private final int bytes;

  Precision(DataType dataType, int bytes) {
    this.dataType = dataType;
    this.bytes = bytes;
  }

  /** The engine dtype of weights and half activations. */
  public DataType dataType() {
    return dataType;
  }

  /** Bytes per stored weight (and per activation element of the decoder stack). */
  public int bytes() {
    return bytes;
  }

  public boolean isHalf() {
    return this != F32;
  }

  /** The spelling in configs and flags. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code tallrec.model.precision}, as tune and score load the backbone: the spelling given
   * (resolved for a device when a model loads), checked here so that a typo fails naming the key
   * and where it was set before any stage runs.
   */
  public static String configured(TallRecConf conf) {
    Section c = Section.of(conf, "model");
    String value = c.getString("precision");
    if (value.isBlank() || value.trim().equalsIgnoreCase("auto")) {
      return value; // resolved for the device when a model loads; asking for the device here would start the engine
    }
    try {
      resolve(value, null, "precision");
    } catch (IllegalArgumentException e) {
      throw c.invalid("precision", "not a precision (f32, f16, bf16, auto)");
    }
    return value;
  }

  /**
   * Parses {@code f32 | f16 | bf16 | auto} (also {@code fp16}, {@code float16}, …); {@code auto} and
   * the empty string resolve for {@code device} (null = the engine's default device).
   *
   * @param where the config key or flag, named in the error
   */
  public static Precision resolve(String value, Device device, String where) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "":
      case "auto":
        return defaultFor(device);
      case "f32":
      case "fp32":
      case "float32":
        return F32;
      case "f16":
      case "fp16":
      case "float16":
      case "half":
        return F16;
      case "bf16":
      case "bfloat16":
        return BF16;
      default:
        throw new IllegalArgumentException(where + " = '" + value + "' is not a precision (f32, f16, bf16, auto)");
    }
  }

  /** The largest finite F16 magnitude; anything beyond becomes infinite when narrowed. */
  public static final float F16_MAX = 65504f;

  /**
   * A loaded weight in this precision. F32 keeps what the source delivered (F32, or F64 in tests).
   * Narrowing to F16 first counts the values beyond the F16 range and refuses the tensor if there
   * are any: a silent clamp (or inf) would change the model. BF16 shares F32's range.
   *
   * @param source the checkpoint, for the error message
   */
  public NDArray narrow(NDArray w, String name, String source) {
    if (!isHalf() || w.getDataType() == dataType) {
      return w;
    }
    if (this == F16) {
      long over;
      float largest;
      try (NDArray abs = w.abs(); NDArray beyond = abs.gt(F16_MAX); NDArray count = beyond.sum();
          NDArray max = abs.max()) {
        over = count.toType(DataType.INT64, false).getLong();
        largest = max.toType(DataType.FLOAT32, false).getFloat();
      }
      if (over > 0) {
        long n = w.size();
        w.close();
        throw new IllegalArgumentException(String.format("tensor '%s' in %s: %,d of %,d values lie outside the F16"
            + " range (|v| > 65504, largest %.6g); load this model with --precision f32 (tallrec.model.precision)",
            name, source, over, n, largest));
      }
    }
    NDArray narrowed = w.toType(dataType, false);
    w.close();
    return narrowed;
  }

  /**
   * Fails with a one-line reason when this precision cannot run on {@code device} (BF16 arrays abort
   * the process in DJL 0.36's CPU engine, so that is checked in a child JVM by {@link DtypeProbe}).
   */
  public void requireUsable(Device device) {
    if (this != BF16) {
      return;
    }
    Device d = device != null ? device : Engine.getInstance().defaultDevice();
    DtypeProbe.unusable(d, this).ifPresent(reason -> {
      throw new IllegalArgumentException("--precision bf16 (tallrec.model.precision) cannot run on " + d + ": "
          + reason + "; use f16 (BF16 checkpoints load into F16 with a range check) or f32");
    });
  }

  /** F16 on a GPU, F32 on the CPU. */
  public static Precision defaultFor(Device device) {
    Device d = device != null ? device : Engine.getInstance().defaultDevice();
    return d.isGpu() ? F16 : F32;
  }
}
