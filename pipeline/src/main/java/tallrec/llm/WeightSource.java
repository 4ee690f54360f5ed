package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Named tensors in Hugging Face LLaMA naming ({@code model.layers.0.self_attn.q_proj.weight}),
 * delivered one at a time as F32 arrays, so a multi-GiB checkpoint never sits in Java memory whole.
 */
public interface WeightSource extends AutoCloseable {

  /** Where the weights come from, for messages. */
  String describe();

  boolean has(String name);

  /**
   * Loads one tensor as a FLOAT32 array owned by {@code manager}, in freshly allocated native
   * memory (never a view of a mapped file: an in-place op on such a view crashes the JVM).
   *
   * @throws IllegalArgumentException naming the tensor and file when it is missing or its shape
   *     differs from {@code expectedShape}
   */
  NDArray load(String name, long[] expectedShape, NDManager manager);

  @Override
  void close();
}
