package tallrec.train;

import java.io.PrintStream;

/** The human progress line of each step: loss, learning rate, throughput, validation, elapsed time and ETA. */
final class ProgressPrinter implements TrainingListener {

  private final PrintStream out;
  private final Validator validator;

  ProgressPrinter(PrintStream out, Validator validator) {
    this.out = out;
    this.validator = validator;
  }

  @Override
  public void onStep(Step e) {
    double perStep = e.elapsedSeconds() / Math.max(1, e.step());
    double eta = perStep * (e.totalSteps() - e.step());
    out.printf("step %d/%d epoch %d loss %.4f lr %.2e %.0f tok/s%s elapsed %s ETA %s%n", e.step(), e.totalSteps(),
        e.epoch(), e.loss(), e.lr(), e.tokensPerSecond(),
        e.metric() == null ? ""
            : String.format(" %s %.4f (best %.4f @%d)", validator.metric(), e.metric(), e.bestMetric(), e.bestStep()),
        hms(e.elapsedSeconds()), e.stoppedEarly() ? "0:00 (early stop)" : hms(eta));
  }

  static String hms(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
  }
}
