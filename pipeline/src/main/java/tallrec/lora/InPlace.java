package tallrec.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import tallrec.llm.GradMode;

/**
 * Overwrites a tensor's values in the memory torch gave it ({@code dst[:] = src}).
 *
 * <p>Why not DJL's {@code NDArray.set(Buffer)} (or {@code copyTo}, which calls it): on the CPU it
 * makes the tensor <em>borrow</em> the Java direct buffer ({@code set_} over a storage with no
 * deleter), kept alive only by a field of that one Java {@code NDArray} object. Close that object,
 * or reach the tensor through another handle ({@code getGradient()} returns a new one each call),
 * and the buffer is freed at the next GC while torch still reads and accumulates into it: values
 * turn to garbage and the C heap is corrupted ("free(): corrupted unsorted chunks" aborted a test
 * JVM that way). An indexed put copies into the tensor's own storage instead.
 *
 * <p>Runs with torch's grad mode off: the destinations are parameters, their gradients and
 * optimizer state, leaves that autograd would refuse to update in place.
 */
public final class InPlace {

  private static final NDIndex ALL = new NDIndex(":");

  private InPlace() {}

  /** {@code dst[:] = src}, converting to dst's data type; the shapes must be equal. */
  public static void copy(NDArray src, NDArray dst) {
    if (!src.getShape().equals(dst.getShape())) {
      throw new IllegalArgumentException("cannot copy a " + src.getShape() + " tensor into a " + dst.getShape()
          + " one");
    }
    GradMode.off();
    NDArray cast = src.getDataType() == dst.getDataType() ? src : src.toType(dst.getDataType(), false);
    try {
      dst.set(ALL, cast);
    } finally {
      if (cast != src) {
        cast.close();
      }
    }
  }

  /** {@code dst[:] = value}; overwrites inf and NaN too (unlike {@code dst - dst} or {@code dst * 0}). */
  public static void fill(NDArray dst, float value) {
    GradMode.off();
    // DJL's set(index, Number) would leave its scalar in dst's (long-lived) manager: one per call.
    try (NDManager scratch = dst.getManager().newSubManager(); NDArray v = scratch.create(value).toType(dst
        .getDataType(), false)) {
      dst.set(ALL, v);
    }
  }
}
