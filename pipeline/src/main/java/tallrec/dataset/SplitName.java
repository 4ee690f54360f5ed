package tallrec.dataset;

import java.util.Locale;

/** The three splits of a samples dataset, in their canonical order. */
public enum SplitName {
  TRAIN,
  VALID,
  TEST;

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
