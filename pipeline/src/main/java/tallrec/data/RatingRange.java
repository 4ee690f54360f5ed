package tallrec.data;

import java.io.Serializable;

/**
 * The valid values of a source's ratings and times, and the checks every ratings format applies
 * ({@code tallrec.sources.NAME.rating-min/-max/-fractions}, {@code timestamp-min/-max}).
 *
 * @param fractions whether a rating may carry a fraction ({@code 3.5}); else decimal digits only
 * @param minTimestamp earliest time accepted, unix seconds
 * @param maxTimestamp latest time accepted, unix seconds
 */
public record RatingRange(double min, double max, boolean fractions, long minTimestamp, long maxTimestamp)
    implements Serializable {

  /** 1970-01-01 .. 2100-01-01: what a rating's time can be unless a source says otherwise. */
  public static final long DEFAULT_MIN_TIMESTAMP = 0L;
  public static final long DEFAULT_MAX_TIMESTAMP = 4_102_444_800L;

  /** A scale with fractions allowed and the default time bounds. */
  public RatingRange(double min, double max) {
    this(min, max, true, DEFAULT_MIN_TIMESTAMP, DEFAULT_MAX_TIMESTAMP);
  }

  public RatingRange {
    if (!(min <= max)) {
      throw new IllegalArgumentException("rating-min " + min + " is above rating-max " + max);
    }
    if (minTimestamp > maxTimestamp) {
      throw new IllegalArgumentException("timestamp-min " + minTimestamp + " is above timestamp-max " + maxTimestamp);
    }
  }

  /** Validates the fields of a parsed line into a rating or a reject. */
  RatingRecord toRecord(RawLine l, String user, String item, String rating, Long ts) {
    if (user.isEmpty()) {
      return RatingRecord.reject(l, RejectReason.EMPTY_FIELD, "user id is empty");
    }
    if (item.isEmpty()) {
      return RatingRecord.reject(l, RejectReason.EMPTY_FIELD, "item id is empty");
    }
    Double r = Fields.parseNumber(rating, fractions);
    if (r == null) {
      return RatingRecord.reject(l, RejectReason.BAD_RATING, "rating is not " + (fractions ? "a decimal number"
          : "a whole number in decimal digits") + ": '" + rating + "'");
    }
    if (r < min || r > max) {
      return RatingRecord.reject(l, RejectReason.RATING_OUT_OF_RANGE,
          "rating " + rating + " outside [" + fmt(min) + ", " + fmt(max) + "]");
    }
    if (ts != null && (ts < minTimestamp || ts > maxTimestamp)) {
      return RatingRecord.reject(l, RejectReason.BAD_TIMESTAMP, "timestamp " + ts + " outside [" + minTimestamp
          + ", " + maxTimestamp + "] (unix seconds; the source's timestamp-min / timestamp-max)");
    }
    return RatingRecord.ok(l, user, item, r, ts);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
