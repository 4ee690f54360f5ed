package tallrec.baselines.sequential;

import java.util.function.Function;

/**
 * A fixed (not trained) vector per item, e.g. a sentence embedding of the item's text, that
 * GRU4Rec and DROS concatenate to the learned ID embedding of every history item and use, through a
 * learned projection, for the target item (see {@link ItemHead}). Must be deterministic: the same
 * item always gives the same vector of {@link #dim()} floats.
 */
public interface ItemVectors {

  int dim();

  /** The item's vector ({@link #dim()} floats); never null (return zeros for an item without text). */
  float[] vector(String itemId);

  static ItemVectors of(int dim, Function<String, float[]> f) {
    return new ItemVectors() {
      @Override
      public int dim() {
        return dim;
      }

      @Override
      public float[] vector(String itemId) {
        float[] v = f.apply(itemId);
        if (v == null || v.length != dim) {
          throw new IllegalArgumentException("Item vector of " + itemId + " has "
              + (v == null ? "no" : String.valueOf(v.length)) + " floats; expected " + dim);
        }
        return v;
      }
    };
  }
}
