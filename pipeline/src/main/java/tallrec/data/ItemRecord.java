package tallrec.data;

import java.io.Serializable;

/**
 * The outcome of parsing one items line: an item, or a reject with its reason.
 *
 * @param recovered true when the line's field structure was repaired (e.g. a {@code ;} inside a
 *     BookCrossing title); counted and reported, not rejected
 */
public record ItemRecord(
    String file,
    long line,
    String itemId,
    String title,
    String author,
    Integer year,
    boolean recovered,
    RejectReason reason,
    String detail,
    String raw)
    implements Serializable {

  public static ItemRecord ok(RawLine l, String id, String title, String author, Integer year, boolean recovered) {
    return new ItemRecord(l.file(), l.line(), id, title, author, year, recovered, null, null, l.raw());
  }

  public static ItemRecord reject(RawLine l, RejectReason reason, String detail) {
    return new ItemRecord(l.file(), l.line(), null, null, null, null, false, reason, detail, l.raw());
  }

  public boolean rejected() {
    return reason != null;
  }
}
