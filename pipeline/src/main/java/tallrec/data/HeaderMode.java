package tallrec.data;

import java.util.Locale;

/** Whether the first line of a file is a header: always, never, or detected from its content. */
public enum HeaderMode {
  TRUE,
  FALSE,
  AUTO;

  public static HeaderMode parse(String s) {
    return valueOf(s.trim().toUpperCase(Locale.ROOT));
  }

  /** Decides for line 1, given whether its content looks like a header. */
  boolean isHeader(boolean looksLikeHeader) {
    return this == TRUE || (this == AUTO && looksLikeHeader);
  }
}
