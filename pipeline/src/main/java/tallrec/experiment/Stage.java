package tallrec.experiment;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The stages of an experiment, in the order they run; {@code run --from NAME} names one. */
public enum Stage {
  SYNTH, MODEL, PRETRAIN, INGEST, INSTRUCTIONS, VALID, ALPACA, TUNE, SCORE, BASELINES, EVALUATE, REPORT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Stage parse(String s) {
    for (Stage st : values()) {
      if (st.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return st;
      }
    }
    throw new IllegalArgumentException("Unknown stage '" + s + "'; stages: "
        + Arrays.stream(values()).map(Stage::id).collect(Collectors.joining(", ")));
  }
}
