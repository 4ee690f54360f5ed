package tallrec.baselines.sequential;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Rows of a {@link SeqData} as arrays in a step's scope. */
final class Batch {

  final int size;
  final int length;
  final int[] rows;
  /** (B·L) int64 item rows, flat. */
  final NDArray hist;
  /** (B, L, 1) float labels of the history items. */
  final NDArray histLabels;
  /** (B) int64. */
  final NDArray target;
  /** (B) float. */
  final NDArray label;

  Batch(SeqData d, int[] rows, NDManager s) {
    this.size = rows.length;
    this.length = d.length;
    this.rows = rows;
    long[] h = new long[size * length];
    float[] hl = new float[size * length];
    long[] t = new long[size];
    float[] y = new float[size];
    for (int i = 0; i < size; i++) {
      int r = rows[i];
      for (int j = 0; j < length; j++) {
        h[i * length + j] = d.hist[r * length + j];
        hl[i * length + j] = d.histLabels[r * length + j];
      }
      t[i] = d.target[r];
      y[i] = d.label[r];
    }
    hist = s.create(h);
    histLabels = s.create(hl, new Shape(size, length, 1));
    target = s.create(t);
    label = s.create(y);
  }
}
