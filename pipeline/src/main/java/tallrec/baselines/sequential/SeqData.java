package tallrec.baselines.sequential;

import java.util.List;

/**
 * Samples encoded against an {@link ItemIndex}: histories as exactly {@code length} rows, shorter
 * ones padded after their end with the user's last item and its label (as the reference code pads),
 * longer ones keeping their most recent items; an empty history is {@code length} times
 * {@link ItemIndex#none()} with label 0.
 */
final class SeqData {

  final int n;
  final int length;
  final String[] sampleIds;
  final int[] hist;          // n * length
  final float[] histLabels;  // n * length
  final int[] target;
  final float[] label;
  final boolean[] valid;

  SeqData(List<SeqSample> samples, ItemIndex index, int length) {
    this.n = samples.size();
    this.length = length;
    sampleIds = new String[n];
    hist = new int[n * length];
    histLabels = new float[n * length];
    target = new int[n];
    label = new float[n];
    valid = new boolean[n];
    for (int i = 0; i < n; i++) {
      SeqSample s = samples.get(i);
      sampleIds[i] = s.sampleId();
      target[i] = index.row(s.target());
      label[i] = s.label();
      valid[i] = s.valid();
      List<String> h = s.history();
      int from = Math.max(0, h.size() - length);
      int m = h.size() - from;
      for (int t = 0; t < length; t++) {
        int src = m == 0 ? -1 : from + Math.min(t, m - 1);
        hist[i * length + t] = src < 0 ? index.none() : index.row(h.get(src));
        histLabels[i * length + t] = src < 0 ? 0f : s.historyLabels().get(src);
      }
    }
  }

  int[] labelsInt(int[] rows) {
    int[] y = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      y[i] = (int) label[rows[i]];
    }
    return y;
  }
}
