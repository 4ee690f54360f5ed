package tallrec.llm;

import ai.djl.ndarray.NDArray;

/**
 * A frozen projection {@code y = x W^T (+ b)}; keeps W^T as a view made once, so forward never
 * transposes. The bias is there for the architectures that have one (Qwen2's q/k/v, Llama's
 * {@code attention_bias}/{@code mlp_bias}); LLaMA's own projections have none.
 */
public final class DenseLinear implements Linear {

  private final String name;
  private final NDArray weight;
  private final NDArray weightT;
  /** [out], or null. */
  private final NDArray bias;

  /** {@code weight} is [out, in] as stored in checkpoints. */
  public DenseLinear(String name, NDArray weight) {
    this(name, weight, null);
  }

  /** {@code weight} [out, in] and {@code bias} [out] (or null) as stored in checkpoints. */
  public DenseLinear(String name, NDArray weight, NDArray bias) {
    this.name = name;
    this.weight = weight;
    this.bias = bias;
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

  /** The [out] bias, or null when the projection has none. */
  public NDArray bias() {
    return bias;
  }

  /**
   * W^T [in, out], the view every forward multiplies by. Full-weight training makes it the
   * trainable leaf: it shares W's memory, so an optimizer step on it is a step on W.
   */
  public NDArray transposedWeight() {
    return weightT;
  }

  @Override
  public boolean trains() {
    return GradMode.requiresGrad(weightT) || GradMode.requiresGrad(weight)
        || (bias != null && GradMode.requiresGrad(bias));
  }

  @Override
  public NDArray forward(NDArray x) {
    NDArray y = DtypeCasts.matMul(x, weightT);
    return bias == null ? y : y.add(bias);
  }
}
