package tallrec.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import tallrec.llm.GradMode;
import tallrec.lora.InPlace;

/**
 * PyTorch's {@code torch.optim.AdamW} (not DJL's, which adds eps before bias correction and decays
 * by 0.01 unless told otherwise): decoupled decay {@code p *= 1 - lr*wd}, then
 * {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
 *
 * <p>Runs outside any gradient collector (torch's grad mode is off there), so in-place updates of
 * the leaves are allowed. Temporaries go to a per-step sub-manager (an op's result lands in its
 * first operand's manager, which for m, v and p is long-lived).
 */
public final class AdamW implements AutoCloseable {

  public final double beta1;
  public final double beta2;
  public final double eps;
  public final double weightDecay;
  private final List<NDArray> params;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final NDManager manager;
  private int t;

  public AdamW(List<NDArray> params, NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
    this.params = params;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.manager = parent.newSubManager();
    for (NDArray p : params) {
      m.add(manager.zeros(p.getShape(), p.getDataType()));
      v.add(manager.zeros(p.getShape(), p.getDataType()));
    }
  }

  /** Updates taken so far. */
  public int steps() {
    return t;
  }

  public List<NDArray> firstMoments() {
    return m;
  }

  public List<NDArray> secondMoments() {
    return v;
  }

  /** For resuming: the step count restored with the moments. */
  public void setSteps(int steps) {
    this.t = steps;
  }

  /**
   * Global L2 norm of the current gradients (PyTorch's clip_grad_norm_ total norm).
   */
  public double gradNorm() {
    double sq = 0;
    try (NDManager s = manager.newSubManager()) {
      for (NDArray p : params) {
        NDArray g = p.getGradient();
        g.attach(s);
        NDArray q = g.square().sum();
        sq += q.toType(DataType.FLOAT64, false).getDouble();
      }
    }
    return Math.sqrt(sq);
  }

  /**
   * One update with learning rate {@code lr}; gradients are first multiplied by {@code gradScale}
   * (clipping), and zeroed after.
   */
  public void step(double lr, double gradScale) {
    GradMode.off();
    t++;
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2 = 1 - Math.pow(beta2, t);
    double stepSize = lr / bc1;
    double bc2Sqrt = Math.sqrt(bc2);
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i);
      try (NDManager s = manager.newSubManager()) {
        NDArray g = p.getGradient();
        g.attach(s);
        if (gradScale != 1.0) {
          g.muli(gradScale);
        }
        if (weightDecay != 0) {
          p.muli(1 - lr * weightDecay);
        }
        NDArray mi = m.get(i);
        NDArray vi = v.get(i);
        mi.muli(beta1).addi(own(g.mul(1 - beta1), s));
        vi.muli(beta2).addi(own(own(g.square(), s).muli(1 - beta2), s));
        NDArray denom = own(vi.sqrt(), s).divi(bc2Sqrt).addi(eps);
        NDArray update = own(mi.div(denom), s).muli(stepSize);
        p.subi(update);
        g.subi(g);
      }
    }
  }

  /**
   * Zeroes the gradients without updating (e.g. before a step redone after a half-precision
   * overflow: g - g would leave the inf/NaN there, so they are overwritten).
   */
  public void zeroGradients() {
    for (NDArray p : params) {
      try (NDArray g = p.getGradient()) {
        InPlace.fill(g, 0f);
      }
    }
  }

  private static NDArray own(NDArray a, NDManager s) {
    a.attach(s);
    return a;
  }

  public void close() {
    manager.close();
  }
}
