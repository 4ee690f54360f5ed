package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;

/**
 * SASRec (Kang and McAuley 2018): item embeddings + learned positional embeddings, dropout, then
 * blocks of causal self-attention (queries layer-normalised, keys/values not, residual on the
 * normalised queries — as SASRec's code and the reference's module) and a point-wise feed-forward
 * (ReLU, residual), a final layer norm, and the state at the last position. Linear layers get
 * PyTorch's U(±1/√fan_in) init, positional embeddings N(0, 0.01²) like the items.
 */
final class SasRec extends SeqModel {

  private record Block(NDArray ln1g, NDArray ln1b, NDArray wq, NDArray bq, NDArray wk, NDArray bk, NDArray wv,
      NDArray bv, NDArray ln2g, NDArray ln2b, NDArray w1, NDArray b1, NDArray w2, NDArray b2) {}

  private final NDArray pos;      // (L, d)
  private final List<Block> blocks = new ArrayList<>();
  private final NDArray lnFg;
  private final NDArray lnFb;
  private final NDArray causal;   // (L, L) additive mask, constant
  private final NDArray scale;    // 1/sqrt(head dim), torch-owned
  private final int d;
  private final int heads;

  SasRec(Params p, SeqSettings s, ItemIndex index) {
    super(p, s, index, null, idWidth(s), s.hidden());
    this.d = s.hidden();
    this.heads = s.sasrecHeads();
    int l = s.historyLength();
    pos = p.normal(0.01, l, d);
    double bound = 1 / Math.sqrt(d);
    for (int i = 0; i < s.sasrecBlocks(); i++) {
      blocks.add(new Block(p.constant(1f, d), p.constant(0f, d),
          p.uniform(bound, d, d), p.uniform(bound, d), p.uniform(bound, d, d), p.uniform(bound, d),
          p.uniform(bound, d, d), p.uniform(bound, d), p.constant(1f, d), p.constant(0f, d),
          p.uniform(bound, d, d), p.uniform(bound, d), p.uniform(bound, d, d), p.uniform(bound, d)));
    }
    lnFg = p.constant(1f, d);
    lnFb = p.constant(0f, d);
    float[] mask = new float[l * l];
    for (int i = 0; i < l; i++) {
      for (int j = i + 1; j < l; j++) {
        mask[i * l + j] = -1e9f;
      }
    }
    causal = p.manager.create(mask, new Shape(l, l));
    scale = p.scalar(1 / Math.sqrt((double) d / heads));
  }

  private NDArray norm(NDArray x, NDArray g, NDArray b) {
    return x.getNDArrayInternal().layerNorm(x, new Shape(d), g, b, 1e-5f).get(0);
  }

  @Override
  NDArray encode(Batch b, NDManager s, Dropout drop) {
    int n = b.size;
    int l = b.length;
    int hd = d / heads;
    NDArray x = drop.apply(input(b, s).add(pos), s);
    for (Block k : blocks) {
      NDArray q = norm(x, k.ln1g, k.ln1b);
      NDArray qh = q.matMul(k.wq).add(k.bq).reshape(n, l, heads, hd).transpose(0, 2, 1, 3);
      NDArray kh = x.matMul(k.wk).add(k.bk).reshape(n, l, heads, hd).transpose(0, 2, 3, 1);
      NDArray vh = x.matMul(k.wv).add(k.bv).reshape(n, l, heads, hd).transpose(0, 2, 1, 3);
      NDArray att = drop.apply(qh.matMul(kh).mul(scale).add(causal).softmax(-1), s);
      NDArray a = att.matMul(vh).transpose(0, 2, 1, 3).reshape(n, l, d).add(q);
      NDArray y = norm(a, k.ln2g, k.ln2b);
      NDArray f = drop.apply(Activation.relu(y.matMul(k.w1).add(k.b1)).matMul(k.w2).add(k.b2), s);
      x = f.add(y);
    }
    return norm(x, lnFg, lnFb).get(new NDIndex(":, {}", l - 1));
  }
}
