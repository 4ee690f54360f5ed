package tallrec.text;

import java.util.Arrays;

/** A growable int array, so encoding does not box every id. */
final class IntList {

  private int[] a;
  private int n;

  IntList(int capacity) {
    a = new int[Math.max(capacity, 4)];
  }

  void add(int v) {
    if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
    }
    a[n++] = v;
  }

  int size() {
    return n;
  }

  int get(int i) {
    return a[i];
  }

  void clear() {
    n = 0;
  }

  int[] toArray() {
    return Arrays.copyOf(a, n);
  }
}
