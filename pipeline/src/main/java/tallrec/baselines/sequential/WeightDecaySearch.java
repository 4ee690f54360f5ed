package tallrec.baselines.sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * The reference protocol's model selection: one model per weight decay, each early-stopped on the
 * validation AUC; the weight decay whose best validation AUC is highest wins (ties: the first
 * listed; NaN — no usable validation rows — never beats a number, and if every run is NaN the first
 * listed wins), and its scores are reported for every evaluation row.
 */
public final class WeightDecaySearch {

  /** The outcome: the chosen run and every run tried, in the order of {@code weight-decays}. */
  record Outcome(SeqTrainer.Result chosen, List<SeqTrainer.Result> runs) {}

  private WeightDecaySearch() {}

  /** Index of the highest validation AUC (first on ties; NaN loses to any number; all NaN → 0). */
  public static int select(List<Double> validAucs) {
    if (validAucs.isEmpty()) {
      throw new IllegalArgumentException("No weight decay was tried");
    }
    int best = 0;
    for (int i = 1; i < validAucs.size(); i++) {
      double a = validAucs.get(i);
      double b = validAucs.get(best);
      if (!Double.isNaN(a) && (Double.isNaN(b) || a > b)) {
        best = i;
      }
    }
    return best;
  }

  static Outcome run(Architecture arch, SeqSettings s, ItemVectors vectors, ItemIndex index, SeqData train,
      SeqData eval, long seed) {
    List<SeqTrainer.Result> runs = new ArrayList<>();
    for (double wd : s.weightDecays()) {
      runs.add(SeqTrainer.train(arch, s, vectors, index, train, eval, wd, seed));
    }
    return new Outcome(runs.get(select(runs.stream().map(SeqTrainer.Result::validAuc).toList())), runs);
  }
}
