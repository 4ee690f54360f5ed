package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * GRU4Rec (Hidasi et al. 2016) as the reference's {@code GRU}: item embeddings → GRU (PyTorch's
 * fused {@code torch.gru}, its gate layout and U(±1/√d) init) → the last layer's final hidden state
 * → {@link ItemHead}. Optionally concatenates fixed {@link ItemVectors} to every input row.
 */
final class Gru4Rec extends SeqModel {

  private final NDList gru = new NDList();
  private final int layers;

  Gru4Rec(Params p, SeqSettings s, ItemIndex index, ItemVectors vectors) {
    super(p, s, index, vectors, idWidth(s), s.hidden());
    this.layers = s.gruLayers();
    int h = s.hidden();
    double bound = 1 / Math.sqrt(h);
    for (int l = 0; l < layers; l++) {
      int in = l == 0 ? inputDim : h;
      gru.add(p.uniform(bound, 3L * h, in));
      gru.add(p.uniform(bound, 3L * h, h));
      gru.add(p.uniform(bound, 3L * h));
      gru.add(p.uniform(bound, 3L * h));
    }
  }

  @Override
  NDArray encode(Batch b, NDManager s, Dropout drop) {
    NDArray x = input(b, s);
    NDArray h0 = s.zeros(new Shape(layers, b.size, this.s.hidden()));
    NDList out = x.getNDArrayInternal().gru(x, h0, gru, true, layers, 0.0, drop != Dropout.OFF, false, true);
    return out.get(1).get(new NDIndex("{}", layers - 1));
  }
}
