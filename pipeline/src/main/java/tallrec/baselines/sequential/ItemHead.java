package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The output layer of the reference models ({@code s_fc = nn.Linear(hidden, item_num)}): the logit
 * of item j after sequence state h is {@code h · W[j] + b[j]}, i.e. a dot product with an output
 * item embedding plus an item bias. With {@link ItemVectors}, the target's fixed vector x_j adds
 * {@code h · P x_j} (P learned): the output embedding of j is then a linear map of [one-hot(j); x_j],
 * which is what lets an item the K-shot set never showed get a non-random score.
 */
final class ItemHead {

  private final NDArray w;      // (N, dh)
  private final NDArray b;      // (N)
  private final NDArray proj;   // (dh, dv) or null
  private final NDArray text;   // (N + 1, dv) constant or null
  private final NDArray textT;  // (dv, N) constant or null

  ItemHead(Params p, int items, int dh, NDArray text) {
    double bound = 1 / Math.sqrt(dh); // nn.Linear's default init
    this.w = p.uniform(bound, items, dh);
    this.b = p.uniform(bound, items);
    this.text = text;
    if (text != null) {
      long dv = text.getShape().get(1);
      this.proj = p.uniform(1 / Math.sqrt(dv), dh, dv);
      this.textT = text.get(new NDIndex("0:{}", items)).transpose().duplicate();
    } else {
      this.proj = null;
      this.textT = null;
    }
  }

  /** (B) logits of each row's own target. */
  NDArray target(NDArray h, NDArray target, NDManager s) {
    NDIndex rows = new NDIndex("{}", target);
    NDArray out = h.mul(own(w.get(rows), s)).sum(new int[] {1}).add(own(b.get(rows), s));
    if (proj != null) {
      out = out.add(h.matMul(proj).mul(own(text.get(rows), s)).sum(new int[] {1}));
    }
    return out;
  }

  /** (B, N) logits of every item (DROS's robust term sums over the catalogue). */
  NDArray all(NDArray h, NDManager s) {
    NDArray out = h.matMul(own(w.transpose(), s)).add(b);
    if (proj != null) {
      out = out.add(h.matMul(proj).matMul(textT));
    }
    return out;
  }

  static NDArray own(NDArray a, NDManager s) {
    a.attach(s);
    return a;
  }
}
