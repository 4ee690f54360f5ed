package tallrec.data;

import java.io.Serializable;

/** The valid rating scale of a source, and the checks every ratings format applies. */
public record RatingRange(double min, double max) implements Serializable {

  /** Validates the fields of a parsed line into a rating or a reject. */
  RatingRecord toRecord(RawLine l, String user, String item, String rating, Long ts) {
    if (user.isEmpty()) {
      return RatingRecord.reject(l, RejectReason.EMPTY_FIELD, "user id is empty");
    }
    if (item.isEmpty()) {
      return RatingRecord.reject(l, RejectReason.EMPTY_FIELD, "item id is empty");
    }
    Double r = Fields.parseNumber(rating);
    if (r == null) {
      return RatingRecord.reject(l, RejectReason.BAD_RATING, "rating is not a number: '" + rating + "'");
    }
    if (r < min || r > max) {
      return RatingRecord.reject(l, RejectReason.RATING_OUT_OF_RANGE,
          "rating " + rating + " outside [" + fmt(min) + ", " + fmt(max) + "]");
    }
    return RatingRecord.ok(l, user, item, r, ts);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
