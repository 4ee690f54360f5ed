package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Random weights of the right shapes for any {@link LlamaConfig}: N(0, 0.02) matrices (as HF's
 * initializer) and unit norms. For benchmarks and tests of models the project builds itself.
 */
public final class RandomWeights implements WeightSource {

  private final LlamaConfig config;
  private final long seed;

  public RandomWeights(LlamaConfig config, long seed) {
    this.config = config;
    this.seed = seed;
  }

  @Override
  public String describe() {
    return "random weights " + config;
  }

  @Override
  public boolean has(String name) {
    return !name.equals("lm_head.weight") || !config.tieWordEmbeddings;
  }

  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager) {
    Shape shape = new Shape(expectedShape);
    if (expectedShape.length == 1) {
      return manager.ones(shape, DataType.FLOAT32);
    }
    // Seeded per tensor so a model is reproducible whatever order tensors are loaded in.
    manager.getEngine().setRandomSeed((int) (seed * 31 + name.hashCode()));
    return manager.randomNormal(0f, 0.02f, shape, DataType.FLOAT32);
  }

  /**
   * Half weights are drawn in F16 directly (no F32 draw to narrow: its freed buffers would stay in a
   * CPU process's heap and spoil memory measurements). The values then differ from the F32 model's of
   * the same seed; write the F32 model to safetensors to compare precisions on equal weights.
   */
  @Override
  public NDArray load(String name, long[] expectedShape, NDManager manager, Precision precision) {
    if (precision != Precision.F16) {
      return precision.narrow(load(name, expectedShape, manager), name, describe());
    }
    Shape shape = new Shape(expectedShape);
    if (expectedShape.length == 1) {
      return manager.ones(shape, DataType.FLOAT16);
    }
    manager.getEngine().setRandomSeed((int) (seed * 31 + name.hashCode()));
    return manager.randomNormal(0f, 0.02f, shape, DataType.FLOAT16);
  }

  @Override
  public void close() {}
}
