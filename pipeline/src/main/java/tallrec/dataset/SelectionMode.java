package tallrec.dataset;

import java.util.Locale;

/**
 * How samples are selected and split.
 *
 * <ul>
 *   <li>{@code tallrec}: reproduces the paper's datasets exactly, for comparability.
 *   <li>{@code temporal}: every eligible window, split by the target's time, so no test
 *       interaction precedes a training one (the production default).
 * </ul>
 */
public enum SelectionMode {
  TALLREC,
  TEMPORAL;

  public static SelectionMode parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("expected tallrec or temporal, got '" + s + "'");
    }
  }
}
