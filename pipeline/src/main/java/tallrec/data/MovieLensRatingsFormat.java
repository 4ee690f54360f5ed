package tallrec.data;

import java.util.List;

/** MovieLens-100K {@code u.data}: {@code user \t item \t rating \t unix_ts}, no header. */
public final class MovieLensRatingsFormat implements RatingsFormat {

  private final RatingRange range;

  public MovieLensRatingsFormat(RatingRange range) {
    this.range = range;
  }

  @Override
  public RatingRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return RatingRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    if (l.text().isBlank()) {
      return RatingRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    List<String> f = Fields.split(l.text(), '\t');
    if (f.size() != 4) {
      return RatingRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "expected 4 tab-separated fields, found " + f.size());
    }
    String ts = f.get(3).trim();
    if (!Fields.isInteger(ts) || ts.startsWith("-")) {
      return RatingRecord.reject(l, RejectReason.BAD_TIMESTAMP, "timestamp is not unix seconds: '" + ts + "'");
    }
    return range.toRecord(l, f.get(0).trim(), f.get(1).trim(), f.get(2).trim(), Long.parseLong(ts));
  }
}
