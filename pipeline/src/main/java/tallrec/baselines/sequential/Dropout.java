package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/**
 * Inverted dropout with masks drawn from a seeded Java generator (not torch's), so training repeats
 * bit for bit; {@link #OFF} for evaluation.
 */
final class Dropout {

  static final Dropout OFF = new Dropout(0, null);

  private final double rate;
  private final SplittableRandom rng;

  Dropout(double rate, SplittableRandom rng) {
    this.rate = rate;
    this.rng = rng;
  }

  NDArray apply(NDArray x, NDManager s) {
    if (rate == 0 || rng == null) {
      return x;
    }
    float keep = (float) (1.0 / (1.0 - rate));
    float[] mask = new float[(int) x.size()];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = rng.nextDouble() < rate ? 0f : keep;
    }
    return x.mul(s.create(mask, x.getShape()));
  }
}
