package tallrec.llm;

import ai.djl.ndarray.NDArray;

/** A frozen bias-free projection; keeps W^T as a view made once, so forward never transposes. */
public final class DenseLinear implements Linear {

  private final String name;
  private final NDArray weight;
  private final NDArray weightT;

  /** {@code weight} is [out, in] as stored in checkpoints. */
  public DenseLinear(String name, NDArray weight) {
    this.name = name;
    this.weight = weight;
    // transpose() is a strided view (no copy); libtorch's matmul handles it as a transposed GEMM.
    // Made once here: a transpose per forward would leak into the weights' manager.
    this.weightT = weight.transpose();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int inFeatures() {
    return (int) weight.getShape().get(1);
  }

  @Override
  public int outFeatures() {
    return (int) weight.getShape().get(0);
  }

  /** The [out, in] weight (for adapters that merge into it, or for export). */
  public NDArray weight() {
    return weight;
  }

  /**
   * W^T [in, out], the view every forward multiplies by. Full-weight training makes it the
   * trainable leaf: it shares W's memory, so an optimizer step on it is a step on W.
   */
  public NDArray transposedWeight() {
    return weightT;
  }

  @Override
  public NDArray forward(NDArray x) {
    return DtypeCasts.matMul(x, weightT);
  }
}
