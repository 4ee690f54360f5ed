package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * The elementwise steps of a no-autograd LLaMA layer on the CPU, one native pass each
 * ({@code src/main/native/fused_ops.c}, in {@link NativeAttention}'s library), where torch runs a
 * chain of ops that each write a full-size temporary: RMSNorm (six ops), the SwiGLU product
 * SiLU(gate) · up (three) and rotary with the head-major layout the attention reads (a transpose, a
 * product for rotate_half, two multiplies, an add and a contiguous copy). On stories260K's scoring
 * forward those chains were about a sixth of the time.
 *
 * <p>{@link LlamaModel} takes them exactly where it takes the fused attention
 * ({@link LlamaModel#fusedAttention()}: no autograd, the CPU, F32 weights, the library loaded), so
 * training keeps torch's ops and their gradients. Same arithmetic in the same order as the torch
 * sequence; only the sum of squares (another order), exp (within ~1e-7 relative) and multiply-adds
 * the compiler fuses round differently: {@code FusedOpsTest} compares each with torch's ops. All
 * arrays F32 on the CPU.
 */
final class FusedOps {

  private FusedOps() {}

  /** x · rsqrt(mean(x²) + eps) · weight over the last axis of x [..., d]; weight [d]. Result in x's scope. */
  static NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
    requireF32(x, weight);
    Shape shape = x.getShape();
    long d = shape.get(shape.dimension() - 1);
    if (weight.getShape().size() != d) {
      throw new IllegalArgumentException("RMSNorm weight " + weight.getShape() + " does not fit " + shape);
    }
    NDArray out = x.getManager().create(shape, DataType.FLOAT32);
    ByteBuffer xb = NativeAttention.direct(x);
    ByteBuffer wb = NativeAttention.direct(weight);
    ByteBuffer ob = NativeAttention.direct(out);
    NativeAttention.inParallel(shape.size() / d, (from, to) -> rmsNorm(xb, wb, ob, from, to, d, eps));
    return out;
  }

  /** gate · sigmoid(gate) · up, elementwise (the SwiGLU MLP's product); same shapes. Result in gate's scope. */
  static NDArray siluMul(NDArray gate, NDArray up) {
    requireF32(gate, up);
    if (!gate.getShape().equals(up.getShape())) {
      throw new IllegalArgumentException("gate " + gate.getShape() + " and up " + up.getShape() + " differ");
    }
    NDArray out = gate.getManager().create(gate.getShape(), DataType.FLOAT32);
    ByteBuffer gb = NativeAttention.direct(gate);
    ByteBuffer ub = NativeAttention.direct(up);
    ByteBuffer ob = NativeAttention.direct(out);
    long n = gate.getShape().size();
    // Split in whole vectors of 16 so that only the last share has a partial one.
    long vectors = (n + 15) / 16;
    NativeAttention.inParallel(vectors, (from, to) -> siluMul(gb, ub, ob, from * 16, Math.min(n, to * 16)));
    return out;
  }

  /**
   * Rotary on a projection's output x [b, t, heads · hd] with cos and sin [b, 1, t, hd] (HF's
   * rotate-half layout: x·cos + [-x2, x1]·sin), returned head-major [b, heads, t, hd], contiguous, in
   * x's scope: the layout {@link NativeAttention} and the key/value cache take.
   */
  static NDArray ropeHeads(NDArray x, NDArray cos, NDArray sin, int heads, int hd) {
    requireF32(x, cos, sin);
    Shape shape = x.getShape();
    long b = shape.get(0);
    long t = shape.get(1);
    if (shape.dimension() != 3 || shape.get(2) != (long) heads * hd || cos.getShape().size() != b * t * hd
        || sin.getShape().size() != b * t * hd) {
      throw new IllegalArgumentException("rotary of " + shape + " as " + heads + " heads of " + hd + " with cos "
          + cos.getShape() + " and sin " + sin.getShape());
    }
    NDArray out = x.getManager().create(new Shape(b, heads, t, hd), DataType.FLOAT32);
    ByteBuffer xb = NativeAttention.direct(x);
    ByteBuffer cb = NativeAttention.direct(cos);
    ByteBuffer sb = NativeAttention.direct(sin);
    ByteBuffer ob = NativeAttention.direct(out);
    NativeAttention.inParallel(b * t, (from, to) -> ropeHeads(xb, cb, sb, ob, from, to, t, heads, hd));
    return out;
  }

  private static void requireF32(NDArray... arrays) {
    for (NDArray a : arrays) {
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException("fused ops are F32 only, got " + a.getDataType());
      }
    }
  }

  private static native int rmsNorm(ByteBuffer x, ByteBuffer w, ByteBuffer out, long from, long to, long d, float eps);

  private static native int siluMul(ByteBuffer gate, ByteBuffer up, ByteBuffer out, long from, long to);

  private static native int ropeHeads(ByteBuffer x, ByteBuffer cos, ByteBuffer sin, ByteBuffer out, long from,
      long to, long t, long heads, long hd);
}
