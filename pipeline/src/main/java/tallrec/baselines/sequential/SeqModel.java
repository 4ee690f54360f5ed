package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A sequence model over a fixed-length history: item ID embeddings (N(0, 0.01²), as the reference),
 * optionally the history labels and fixed item vectors concatenated to them, an encoder that turns
 * the sequence into a state h, and the {@link ItemHead} logit of the target.
 *
 * <p>Memory: an op's result belongs to its first operand's manager, so every result whose first
 * operand is a parameter is attached to the step scope ({@link ItemHead#own}); activations come
 * first otherwise.
 */
abstract class SeqModel {

  final Params p;
  final ItemHead head;
  final SeqSettings s;
  final int items;
  private final NDArray itemEmb;  // (N + 1, de)
  private final NDArray text;     // (N + 1, dv) constant, or null
  /** Width of one history row fed to the encoder. */
  final int inputDim;

  /**
   * @param embDim the ID embedding width before labels / vectors are concatenated
   * @param headDim width of the encoder's state h
   */
  SeqModel(Params p, SeqSettings s, ItemIndex index, ItemVectors vectors, int embDim, int headDim) {
    this.p = p;
    this.s = s;
    this.items = index.size();
    this.itemEmb = p.normal(0.01, items + 1, embDim);
    this.text = vectors == null ? null : textTable(p.manager, index, vectors);
    this.inputDim = embDim + (s.historyLabels() ? 1 : 0) + (vectors == null ? 0 : vectors.dim());
    this.head = new ItemHead(p, items, headDim, text);
  }

  /** The ID embedding width that, with the label column, makes the model's width d (the reference's d-1 + 1). */
  static int idWidth(SeqSettings s) {
    return s.historyLabels() ? s.hidden() - 1 : s.hidden();
  }

  private static NDArray textTable(NDManager m, ItemIndex index, ItemVectors vectors) {
    int dv = vectors.dim();
    float[] t = new float[(index.size() + 1) * dv];
    for (int i = 0; i < index.size(); i++) {
      float[] v = vectors.vector(index.id(i));
      if (v.length != dv) {
        throw new IllegalArgumentException("Item vector of " + index.id(i) + " has " + v.length + " floats; expected " + dv);
      }
      System.arraycopy(v, 0, t, i * dv, dv);
    }
    return m.create(t, new Shape(index.size() + 1, dv));
  }

  /** (B, L, inputDim): the history rows as the encoder reads them. */
  NDArray input(Batch b, NDManager s) {
    NDIndex rows = new NDIndex("{}", b.hist);
    NDArray e = ItemHead.own(itemEmb.get(rows), s).reshape(b.size, b.length, -1);
    List<NDArray> parts = new ArrayList<>(List.of(e));
    if (this.s.historyLabels()) {
      parts.add(b.histLabels);
    }
    if (text != null) {
      parts.add(ItemHead.own(text.get(rows), s).reshape(b.size, b.length, -1));
    }
    return parts.size() == 1 ? e : NDArrays.concat(new NDList(parts), 2);
  }

  /** (B, headDim) sequence state. */
  abstract NDArray encode(Batch b, NDManager s, Dropout drop);

  /** (B) logits of the targets. */
  NDArray logits(Batch b, NDManager s, Dropout drop) {
    return head.target(encode(b, s, drop), b.target, s);
  }

  List<NDArray> parameters() {
    return p.all();
  }
}
