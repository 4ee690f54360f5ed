package tallrec.data;

import java.io.Serializable;

/**
 * The outcome of parsing one ratings line: a rating, or a reject with its reason.
 *
 * @param ts unix seconds, or null when the source has no timestamps (BookCrossing)
 */
public record RatingRecord(
    String file,
    long line,
    String userId,
    String itemId,
    double rating,
    Long ts,
    RejectReason reason,
    String detail,
    String raw)
    implements Serializable {

  public static RatingRecord ok(RawLine l, String user, String item, double rating, Long ts) {
    return new RatingRecord(l.file(), l.line(), user, item, rating, ts, null, null, l.raw());
  }

  public static RatingRecord reject(RawLine l, RejectReason reason, String detail) {
    return new RatingRecord(l.file(), l.line(), null, null, Double.NaN, null, reason, detail, l.raw());
  }

  public boolean rejected() {
    return reason != null;
  }
}
