package tallrec.data;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/** A user's own ratings file: any delimiter, quoted fields, columns named in config. */
public final class CsvRatingsFormat implements RatingsFormat {

  private final CsvLayout layout;
  private final int user;
  private final int item;
  private final int rating;
  private final int ts;
  private final RatingRange range;

  /** Column indices are 0-based; {@code ts} is -1 when the file has no timestamps. */
  public CsvRatingsFormat(CsvLayout layout, int user, int item, int rating, int ts, RatingRange range) {
    this.layout = layout;
    this.user = user;
    this.item = item;
    this.rating = rating;
    this.ts = ts;
    this.range = range;
  }

  @Override
  public RatingRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return RatingRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    if (layout.header() && l.line() == 1) {
      return null;
    }
    if (l.text().isBlank()) {
      return RatingRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    List<String> f = layout.split(l.text());
    if (f == null) {
      return RatingRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "unclosed quote");
    }
    if (f.size() != layout.fieldCount()) {
      return RatingRecord.reject(l, RejectReason.WRONG_FIELD_COUNT,
          "expected " + layout.fieldCount() + " fields, found " + f.size());
    }
    Long time = null;
    if (ts >= 0) {
      String t = f.get(ts).trim();
      time = parseTime(t);
      if (time == null) {
        return RatingRecord.reject(l, RejectReason.BAD_TIMESTAMP,
            "timestamp is neither unix seconds nor ISO-8601: '" + t + "'");
      }
    }
    return range.toRecord(l, f.get(user).trim(), f.get(item).trim(), f.get(rating).trim(), time);
  }

  /** Unix seconds, an ISO-8601 instant, or an ISO date (midnight UTC). */
  static Long parseTime(String t) {
    if (Fields.isInteger(t)) {
      return Long.parseLong(t);
    }
    try {
      return Instant.parse(t).getEpochSecond();
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }
}
