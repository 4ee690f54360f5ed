package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;

/**
 * Caser (Tang and Wang 2018) as the reference's {@code Caser}: the L × d embedding matrix goes
 * through horizontal convolutions (F filters of each height h, spanning all d columns, ReLU, max over
 * positions) and vertical convolutions (L × 1, ReLU); both are concatenated, dropped out and fed to
 * {@link ItemHead}. A height-h convolution is a matmul over the h stacked rows of each window.
 * Conv weights: Xavier-normal, biases 0.1, as the reference.
 */
final class Caser extends SeqModel {

  private final List<Integer> heights;
  private final List<NDArray> hw = new ArrayList<>();
  private final List<NDArray> hb = new ArrayList<>();
  private final NDArray vw;  // (L, nv)
  private final NDArray vb;  // (nv)
  private final int nv;

  Caser(Params p, SeqSettings s, ItemIndex index) {
    super(p, s, index, null, idWidth(s), headDim(s));
    this.heights = s.caserFilterSizes();
    int f = s.caserHorizontalFilters();
    for (int h : heights) {
      long fanIn = (long) h * inputDim;
      hw.add(p.normal(Math.sqrt(2.0 / (fanIn + f * fanIn)), fanIn, f));
      hb.add(p.constant(0.1f, f));
    }
    this.nv = s.caserVerticalFilters();
    int l = s.historyLength();
    vw = p.normal(Math.sqrt(2.0 / (l + (long) nv * l)), l, nv);
    vb = p.constant(0.1f, nv);
  }

  private static int headDim(SeqSettings s) {
    int width = s.hidden(); // the ID embedding (+ label) width
    return s.caserHorizontalFilters() * s.caserFilterSizes().size() + width * s.caserVerticalFilters();
  }

  @Override
  NDArray encode(Batch b, NDManager s, Dropout drop) {
    NDArray e = input(b, s);  // (B, L, d)
    int l = b.length;
    List<NDArray> parts = new ArrayList<>();
    for (int k = 0; k < heights.size(); k++) {
      int h = heights.get(k);
      NDList rows = new NDList();
      for (int i = 0; i < h; i++) {
        rows.add(e.get(new NDIndex(":, {}:{}", i, i + l - h + 1)));
      }
      NDArray windows = h == 1 ? rows.get(0) : NDArrays.concat(rows, 2);  // (B, L-h+1, h·d)
      NDArray conv = Activation.relu(windows.matMul(hw.get(k)).add(hb.get(k)));
      parts.add(conv.max(new int[] {1}));  // (B, F)
    }
    NDArray v = Activation.relu(e.transpose(0, 2, 1).matMul(vw).add(vb));  // (B, d, nv)
    parts.add(v.reshape(b.size, -1));
    return drop.apply(NDArrays.concat(new NDList(parts), 1), s);
  }
}
