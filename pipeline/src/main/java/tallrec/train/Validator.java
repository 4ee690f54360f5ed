package tallrec.train;

import java.util.Map;
import tallrec.llm.LlamaModel;
import tallrec.lora.LoraAdapter;

/** The validation metric early stopping watches (computed with the adapter in inference mode). */
public interface Validator {

  /** Name in the log, e.g. {@code valid_auc}. */
  String metric();

  boolean higherIsBetter();

  double evaluate(LlamaModel model, LoraAdapter adapter);

  /** The metric per domain (or source) of the last {@link #evaluate}, when the data has several; else empty. */
  default Map<String, Double> lastByGroup() {
    return Map.of();
  }
}
