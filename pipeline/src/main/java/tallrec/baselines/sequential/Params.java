package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The trainable parameters of one model, initialised from a {@link SplittableRandom} we seed (not
 * torch's generator), in a fixed order, so a seed gives bit-identical weights; the PyTorch
 * defaults the reference models get are named at each call site.
 */
final class Params {

  final NDManager manager;
  private final SplittableRandom rng;
  private final List<NDArray> all = new ArrayList<>();

  Params(NDManager manager, long seed) {
    this.manager = manager;
    this.rng = new SplittableRandom(seed);
  }

  List<NDArray> all() {
    return all;
  }

  /** N(0, std²). */
  NDArray normal(double std, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (gaussian() * std);
    }
    return add(v, shape);
  }

  /** U(-bound, bound): PyTorch's default for Linear / GRU / Conv weights and biases is bound = 1/sqrt(fan_in). */
  NDArray uniform(double bound, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return add(v, shape);
  }

  NDArray constant(float value, long... shape) {
    float[] v = new float[(int) new Shape(shape).size()];
    Arrays.fill(v, value);
    return add(v, shape);
  }

  private NDArray add(float[] v, long... shape) {
    NDArray a = manager.create(v, new Shape(shape));
    a.setRequiresGradient(true);
    all.add(a);
    return a;
  }

  /** A torch-owned 0-d constant (a Java number on the gradient path corrupts gradients, see djl-pitfalls). */
  NDArray scalar(double value) {
    return manager.full(new Shape(), (float) value, DataType.FLOAT32);
  }

  private double gaussian() {
    // Box-Muller on the seeded generator: spelled out so the values do not depend on a JDK's
    // RandomGenerator.nextGaussian algorithm.
    double u1 = rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
