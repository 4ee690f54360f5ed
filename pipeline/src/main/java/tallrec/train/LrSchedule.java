package tallrec.train;

/**
 * Linear warm-up from 0 to the peak rate over {@code warmup} steps, then linear decay to 0 at
 * {@code total} steps: Hugging Face's {@code get_linear_schedule_with_warmup}, evaluated (as the
 * HF Trainer does) at the 0-based index of the optimizer step about to be taken.
 */
public record LrSchedule(double peak, int warmup, int total) {

  public double at(int step) {
    if (step < warmup) {
      return peak * step / Math.max(1, warmup);
    }
    return peak * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
  }
}
