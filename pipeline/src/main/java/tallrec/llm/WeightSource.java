package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Named tensors in Hugging Face LLaMA naming ({@code model.layers.0.self_attn.q_proj.weight}),
 * delivered one at a time as F32 arrays (or in a half precision, see
 * {@link #load(String, long[], NDManager, Precision)}), so a multi-GiB checkpoint never sits in Java memory whole.
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

  /**
   * Loads one tensor in {@code precision}: F32 as {@link #load}, a half precision narrowed from it
   * (with the range check of {@link Precision#narrow}). Sources that hold the tensor in that dtype
   * already override this to skip the round trip.
   */
  default NDArray load(String name, long[] expectedShape, NDManager manager, Precision precision) {
    return precision.narrow(load(name, expectedShape, manager), name, describe());
  }

  @Override
  void close();
}
