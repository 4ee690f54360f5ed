package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import tallrec.llm.GradMode;

/**
 * {@code torch.optim.Adam} with {@code weight_decay} as the reference baselines use it: coupled L2,
 * {@code g += wd * p}, then {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g²},
 * {@code p -= (lr / (1-b1^t)) m / (sqrt(v) / sqrt(1-b2^t) + eps)}. Every parameter (all embedding
 * rows included) decays every step, as with PyTorch's dense embedding gradients. Runs outside the
 * gradient collector; temporaries go to a per-step sub-manager; gradients are zeroed after.
 */
final class Adam {

  private final List<NDArray> params;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final NDManager manager;
  private final double lr;
  private final double weightDecay;
  private final double beta1 = 0.9;
  private final double beta2 = 0.999;
  private final double eps = 1e-8;
  private int t;

  Adam(List<NDArray> params, NDManager parent, double lr, double weightDecay) {
    this.params = params;
    this.lr = lr;
    this.weightDecay = weightDecay;
    this.manager = parent.newSubManager();
    for (NDArray p : params) {
      m.add(manager.zeros(p.getShape(), p.getDataType()));
      v.add(manager.zeros(p.getShape(), p.getDataType()));
    }
  }

  void step() {
    GradMode.off();
    t++;
    double stepSize = lr / (1 - Math.pow(beta1, t));
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i);
      try (NDManager s = manager.newSubManager()) {
        NDArray g = own(p.getGradient(), s);
        if (weightDecay != 0) {
          g.addi(own(p.mul(weightDecay), s));
        }
        NDArray mi = m.get(i);
        NDArray vi = v.get(i);
        mi.muli(beta1).addi(own(g.mul(1 - beta1), s));
        vi.muli(beta2).addi(own(own(g.square(), s).muli(1 - beta2), s));
        NDArray denom = own(vi.sqrt(), s).divi(bc2Sqrt).addi(eps);
        p.subi(own(mi.div(denom), s).muli(stepSize));
        NDArray grad = own(p.getGradient(), s);
        grad.subi(grad);
      }
    }
  }

  private static NDArray own(NDArray a, NDManager s) {
    a.attach(s);
    return a;
  }
}
