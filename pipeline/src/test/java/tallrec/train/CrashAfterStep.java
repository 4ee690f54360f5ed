package tallrec.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Test hook: ends a training run with {@link Crash} right after step N (and its checkpoint, which
 * the trainer's own listeners write first), as a kill would end the process.
 */
public final class CrashAfterStep implements TrainingListener {

  /** Thrown after step N; carries the losses of the steps this run took. */
  public static final class Crash extends RuntimeException {
    public final List<Double> losses;

    Crash(int step, List<Double> losses) {
      super("simulated crash after step " + step);
      this.losses = List.copyOf(losses);
    }
  }

  private final int step;
  private final List<Double> losses = new ArrayList<>();

  public CrashAfterStep(int step) {
    this.step = step;
  }

  @Override
  public void onStep(Step e) {
    losses.add(e.loss());
    if (e.step() == step) {
      throw new Crash(step, losses);
    }
  }
}
