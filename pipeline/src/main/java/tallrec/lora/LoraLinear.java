package tallrec.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import tallrec.llm.DenseLinear;
import tallrec.llm.DtypeCasts;
import tallrec.llm.GradMode;
import tallrec.llm.Linear;
import tallrec.llm.LlamaModel;

/**
 * A frozen projection plus a low-rank update: {@code y = x W^T + s * dropout(x) A^T B^T} with
 * A [r, in], B [out, r] (PEFT's shapes) and s = alpha / r.
 *
 * <p>The trainable leaves are kept transposed (A^T [in, r], B^T [r, out]) so a forward never
 * transposes a parameter (a transpose would land in the parameters' manager, and leak there). The
 * activation is always the first operand, so every result belongs to the caller's scope. The scale
 * and the dropout keep-factor are torch-owned 0-d arrays (a Java number on the gradient path
 * corrupts autograd, see the DJL notes).
 */
public final class LoraLinear implements Linear, LlamaModel.Wrapper {

  private final DenseLinear base;
  private final NDArray aT;
  private final NDArray bT;
  private final NDArray scale;
  private final NDArray keep;
  private final NDArray keepTimesScale;
  private final float dropout;
  private final LoraAdapter owner;
  private boolean merged;

  LoraLinear(DenseLinear base, NDArray aT, NDArray bT, double scale, double dropout, LoraAdapter owner) {
    this.base = base;
    this.aT = aT;
    this.bT = bT;
    NDManager m = aT.getManager();
    this.scale = m.full(new Shape(), (float) scale, aT.getDataType());
    this.keep = m.full(new Shape(), (float) (1.0 / (1.0 - dropout)), aT.getDataType());
    this.keepTimesScale = m.full(new Shape(), (float) (scale / (1.0 - dropout)), aT.getDataType());
    this.dropout = (float) dropout;
    this.owner = owner;
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public int inFeatures() {
    return base.inFeatures();
  }

  @Override
  public int outFeatures() {
    return base.outFeatures();
  }

  public DenseLinear base() {
    return base;
  }

  @Override
  public Linear wrapped() {
    return base;
  }

  /** A^T [in, r] (a trainable leaf). */
  public NDArray aT() {
    return aT;
  }

  /** B^T [r, out] (a trainable leaf). */
  public NDArray bT() {
    return bT;
  }

  @Override
  public boolean trains() {
    return base.trains() || (!merged && (GradMode.requiresGrad(aT) || GradMode.requiresGrad(bT)));
  }

  @Override
  public NDArray forward(NDArray x) {
    NDArray y = base.forward(x);
    if (merged) {
      return y;
    }
    DataType own = aT.getDataType();
    if (x.getDataType() != own) {
      // Half base weights: the low-rank branch runs in the adapter's F32 (PEFT casts the input to
      // lora_A's dtype), the sum too, and the result goes back to the base's dtype.
      NDArray sum = DtypeCasts.to(y, own).add(lowRank(DtypeCasts.to(x, own)));
      return DtypeCasts.to(sum, x.getDataType());
    }
    return y.add(lowRank(x));
  }

  /** s * dropout(x) A^T B^T, in x's dtype (the adapter's). */
  private NDArray lowRank(NDArray x) {
    NDArray in = x;
    if (owner.training() && dropout > 0) {
      NDManager m = x.getManager();
      NDArray mask = m.randomUniform(0f, 1f, x.getShape(), x.getDataType()).gte(dropout).toType(x.getDataType(), false);
      if (LlamaModel.referenceOps) {
        in = x.mul(mask).mul(keep);
      } else {
        // The mask carries no gradient: folding 1/(1-p) and alpha/r into it leaves one product with
        // the activation on the gradient path instead of three.
        return x.mul(mask.mul(keepTimesScale)).matMul(aT).matMul(bT);
      }
    }
    return in.matMul(aT).matMul(bT).mul(scale);
  }

  /** s * B A as [out, in], in {@code scope}. */
  NDArray delta(NDManager scope) {
    NDArray d = aT.matMul(bT);
    d.attach(scope);
    NDArray s = d.mul(scale);
    NDArray t = s.transpose();
    t.attach(scope);
    return t;
  }

  /**
   * W += s B A (in place): the forward then costs what the base model's does. With half base
   * weights the F32 delta is rounded into them (as PEFT's merge into an F16 model).
   */
  void merge() {
    if (merged) {
      return;
    }
    try (NDManager scope = aT.getManager().newSubManager()) {
      base.weight().addi(delta(scope));
    }
    merged = true;
  }

  /** W -= s B A: the base weight again, up to rounding. */
  void unmerge() {
    if (!merged) {
      return;
    }
    try (NDManager scope = aT.getManager().newSubManager()) {
      base.weight().subi(delta(scope));
    }
    merged = false;
  }
}
