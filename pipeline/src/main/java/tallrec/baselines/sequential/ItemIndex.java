package tallrec.baselines.sequential;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Item id → embedding row. Built from every item in the K-shot rows <em>and</em> the evaluation
 * rows (targets and histories), sorted, so the index does not depend on row order: an item the
 * K-shot set never shows still has its own row, randomly initialised and never updated by the
 * prediction loss (only weight decay, and for DROS the robust term, touch it) — the same as an
 * {@code nn.Embedding} over the whole catalogue in the reference code. Row {@link #none()} stands
 * for "no history at all".
 */
public final class ItemIndex {

  private final String[] ids;
  private final Map<String, Integer> rows = new HashMap<>();

  public ItemIndex(Collection<String> items) {
    this.ids = new TreeSet<>(items).toArray(String[]::new);
    for (int i = 0; i < ids.length; i++) {
      rows.put(ids[i], i);
    }
  }

  /** Number of real items (rows 0 .. size()-1). */
  public int size() {
    return ids.length;
  }

  /** The extra input row for an empty history. */
  public int none() {
    return ids.length;
  }

  public int row(String item) {
    Integer r = rows.get(item);
    if (r == null) {
      throw new IllegalArgumentException("Item " + item + " is not in the index of " + ids.length + " items");
    }
    return r;
  }

  public String id(int row) {
    return ids[row];
  }

  public String[] ids() {
    return Arrays.copyOf(ids, ids.length);
  }
}
