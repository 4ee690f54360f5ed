package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Dtype casts that keep the autograd chain. DJL 0.36's {@code NDArray.toType} runs torch's cast
 * under a no-grad guard, so a cast on the gradient path silently drops every gradient that should
 * flow through it (see shared/notes/djl-pitfalls.md). Two ordinary differentiable ops do the same
 * conversion instead:
 * <ul>
 *   <li>widening (F16/BF16 → F32): a product with a one-element tensor of the wider type — torch's
 *       type promotion makes the result wide, and MulBackward casts the gradient back;</li>
 *   <li>narrowing (F32 → F16/BF16): an in-place add into a zero tensor of the narrow type —
 *       {@code add_} casts to its destination, and AddBackward casts the gradient back.</li>
 * </ul>
 * Both are exact conversions (×1 and 0 + x with one rounding). Outside autograd (grad mode off:
 * scoring, generation, validation) the plain cast is used. Results belong to x's manager.
 */
public final class DtypeCasts {

  private DtypeCasts() {}

  /** {@code x} as {@code type}; x itself when it already is. */
  public static NDArray to(NDArray x, DataType type) {
    DataType from = x.getDataType();
    if (from == type) {
      return x;
    }
    if (!GradMode.on()) {
      return x.toType(type, false);
    }
    if (width(type) > width(from)) {
      return x.mul(x.getManager().ones(new Shape(1), type));
    }
    NDArray z = x.getManager().zeros(x.getShape(), type);
    z.addi(x);
    return z;
  }

  private static int width(DataType t) {
    switch (t) {
      case FLOAT16:
      case BFLOAT16:
        return 2;
      case FLOAT32:
        return 4;
      case FLOAT64:
        return 8;
      default:
        throw new IllegalArgumentException("not a floating type: " + t);
    }
  }

  /**
   * a · b with a half dtype as a GPU computes it: half operands, F32 accumulation, the product
   * rounded to half. On a GPU (and whenever autograd records, so that a training step holds what it
   * holds on a GPU) that is the engine's own half matmul. On the CPU without autograd (scoring,
   * validation, generation) libtorch's half GEMM runs 10 to 600 times slower than its F32 GEMM, so
   * the operands are widened (exactly) to F32, multiplied there and the product narrowed: the same
   * arithmetic up to the order of the F32 additions. The widened copies live only for the call.
   */
  public static NDArray matMul(NDArray a, NDArray b) {
    if (!isHalf(a.getDataType()) || a.getDevice().isGpu() || GradMode.on()) {
      return a.matMul(b);
    }
    try (NDArray a32 = a.toType(DataType.FLOAT32, false); NDArray b32 = b.toType(DataType.FLOAT32, false);
        NDArray c32 = a32.matMul(b32)) {
      return c32.toType(a.getDataType(), false);
    }
  }

  /** Whether {@code t} is a half type (F16 or BF16). */
  public static boolean isHalf(DataType t) {
    return t == DataType.FLOAT16 || t == DataType.BFLOAT16;
  }
}
