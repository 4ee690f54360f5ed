package tallrec.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Keys and values of the tokens seen so far, per layer ([batch, kvHeads, seen, headDim], after
 * rotary), plus which of those positions were real tokens and the next position per row. Owns
 * its arrays; close it when generation ends.
 */
public final class KvCache implements AutoCloseable {

  final NDManager manager;
  final NDArray[] keys;
  final NDArray[] values;
  /** [batch][seen] real-token flags of cached positions. */
  boolean[][] keyValid;
  /** Per row: the rotary position the next real token gets. */
  final int[] nextPosition;
  int seen;

  public KvCache(NDManager parent, int layers, int batch) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
    this.keyValid = new boolean[batch][0];
    this.nextPosition = new int[batch];
  }

  /**
   * A new cache holding this one's (one-row) keys and values once per row of a {@code rows}-row
   * batch, as if each row had run the same tokens: a shared prompt prefix. The copies are the new
   * cache's own, since extending a cache replaces (and frees) its arrays.
   */
  public KvCache repeatRows(int rows) {
    if (keyValid.length != 1) {
      throw new IllegalStateException("only a one-row cache can be repeated, this one has " + keyValid.length);
    }
    KvCache c = new KvCache(manager.getParentManager(), keys.length, rows);
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] != null) {
        c.keys[l] = keys[l].repeat(0, rows);
        c.keys[l].attach(c.manager);
        c.values[l] = values[l].repeat(0, rows);
        c.values[l].attach(c.manager);
      }
    }
    for (int r = 0; r < rows; r++) {
      c.keyValid[r] = keyValid[0].clone();
      c.nextPosition[r] = nextPosition[0];
    }
    c.seen = seen;
    return c;
  }

  void append(TokenBatch b) {
    for (int r = 0; r < b.batch; r++) {
      boolean[] row = Arrays.copyOf(keyValid[r], seen + b.length);
      for (int t = 0; t < b.length; t++) {
        row[seen + t] = b.valid[r * b.length + t];
      }
      keyValid[r] = row;
      nextPosition[r] += b.lengths[r];
    }
    seen += b.length;
  }

  @Override
  public void close() {
    manager.close();
  }
}
