package tallrec.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import tallrec.llm.Precision;

/** {@code --precision}: the backbone's numeric precision, {@code tallrec.model.precision}. */
public final class PrecisionOption {

  @Option(names = "--precision", paramLabel = "auto|f32|f16|bf16",
      description = "Base weights' dtype (default model.precision = auto: f16 on a GPU, f32 on the CPU). Norms,"
          + " softmax, logits, loss and LoRA stay F32.")
  String precision;

  /** {@code tallrec.model.precision} after --conf, --set and this flag (for commands with no other flags). */
  String resolve(CommonOptions common) {
    return Precision.configured(common.resolve(into(new LinkedHashMap<>())));
  }

  /** Adds the flag (when given) to a command's overrides. */
  Map<String, Object> into(Map<String, Object> flags) {
    flags.put("model.precision", precision);
    return flags;
  }
}
