package tallrec.train;

/**
 * Dynamic loss scaling for half-precision training, with torch's {@code GradScaler} constants: the
 * loss is multiplied by a scale (initially 2^16) before backward, so gradients that pass through
 * F16 activations stay above F16's underflow; the F32 LoRA gradients are divided by it before
 * clipping and the update. A step whose gradients overflowed (inf or NaN) halves the scale; 2,000
 * clean steps in a row double it.
 *
 * <p>One difference from {@code GradScaler}: an overflowing step is not skipped but redone at the
 * lower scale (same examples, same dropout masks), so an F16 run takes exactly the optimizer steps
 * an F32 run takes, and its losses can be compared step by step.
 *
 * <p>With F32 weights the scale is 1 and never changes: the F32 path is untouched.
 */
public final class LossScaler {

  static final double INITIAL = 65536.0;
  static final double GROWTH = 2.0;
  static final double BACKOFF = 0.5;
  static final int GROWTH_INTERVAL = 2000;
  /** Below this the gradients are not overflowing from the scale: something else is wrong. */
  static final double MIN = 1.0 / 65536;

  private final boolean enabled;
  private double scale;
  private int cleanSteps;
  private int overflows;

  public LossScaler(boolean enabled) {
    this.enabled = enabled;
    this.scale = enabled ? INITIAL : 1.0;
  }

  public boolean enabled() {
    return enabled;
  }

  public double scale() {
    return scale;
  }

  public int cleanSteps() {
    return cleanSteps;
  }

  /** Steps redone at a lower scale so far. */
  public int overflows() {
    return overflows;
  }

  /** For resuming: the state saved with a checkpoint. */
  public void restore(double savedScale, int savedCleanSteps, int savedOverflows) {
    if (enabled) {
      this.scale = savedScale;
      this.cleanSteps = savedCleanSteps;
      this.overflows = savedOverflows;
    }
  }

  /**
   * After backward: whether the (unscaled) gradient norm is usable. When it is not and scaling is
   * on, the scale is lowered and the caller redoes the step; with scaling off a non-finite norm is
   * the caller's to handle as before.
   *
   * @throws IllegalStateException when the scale has fallen below {@link #MIN} (the model itself
   *     produces inf/NaN, at any scale)
   */
  public boolean overflowed(double gradNorm) {
    if (!enabled || Double.isFinite(gradNorm)) {
      return false;
    }
    scale *= BACKOFF;
    cleanSteps = 0;
    overflows++;
    if (scale < MIN) {
      throw new IllegalStateException("half-precision gradients are inf/NaN even at loss scale " + scale * 2
          + ": the model overflows F16 itself; tune with --precision f32");
    }
    return true;
  }

  /** After a clean update. */
  public void stepped() {
    if (!enabled) {
      return;
    }
    if (++cleanSteps >= GROWTH_INTERVAL) {
      scale *= GROWTH;
      cleanSteps = 0;
    }
  }
}
