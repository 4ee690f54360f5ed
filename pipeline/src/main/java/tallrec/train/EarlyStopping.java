package tallrec.train;

import tallrec.lora.LoraAdapter;

/**
 * Early stopping on the validation metric (TALLRec: validation AUC): keeps the best value, its
 * step and a copy of the adapter then, and ends the run after {@code patience} validations in a row
 * without improvement (0: never). The state lives in the {@link Trainer.State} a checkpoint holds,
 * so a resumed run stops where the uninterrupted one would.
 */
final class EarlyStopping {

  private final boolean higherIsBetter;
  private final int patience;

  EarlyStopping(boolean higherIsBetter, int patience) {
    this.higherIsBetter = higherIsBetter;
    this.patience = patience;
  }

  /** Records step {@code st.step}'s validation result. */
  void observe(Trainer.State st, double metric, LoraAdapter adapter) {
    boolean better = Double.isNaN(st.best) || (higherIsBetter ? metric > st.best : metric < st.best);
    if (better) {
      st.best = metric;
      st.bestStep = st.step;
      st.bestValues = adapter.snapshot();
      st.sinceBest = 0;
    } else {
      st.sinceBest++;
      if (patience > 0 && st.sinceBest >= patience) {
        st.stopped = true;
      }
    }
  }
}
