package tallrec.data;

import java.util.List;

/**
 * BookCrossing ratings, {@code User-ID;ISBN;Book-Rating}, in both forms seen in the wild: the
 * original ({@code "276725";"034545104X";"0"}, CR LF, no header) and re-saved subsets (unquoted,
 * header). Rating 0 is BookCrossing's implicit interaction; whether it is kept is a setting.
 */
public final class BookCrossingRatingsFormat implements RatingsFormat {

  private final RatingRange range;
  private final HeaderMode header;
  private final boolean keepImplicit;

  public BookCrossingRatingsFormat(RatingRange range, HeaderMode header, boolean keepImplicit) {
    this.range = range;
    this.header = header;
    this.keepImplicit = keepImplicit;
  }

  @Override
  public RatingRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return RatingRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    String text = l.text();
    if (text.isBlank()) {
      return RatingRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    List<String> f = text.startsWith("\"") ? Fields.splitQuoted(text, ';', '"') : Fields.split(text, ';');
    if (f == null) {
      return RatingRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "unclosed quote");
    }
    if (l.line() == 1 && header.isHeader(f.size() == 3 && Fields.parseNumber(Fields.unquote(f.get(2))) == null)) {
      return null;
    }
    if (f.size() != 3) {
      return RatingRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "expected 3 ';'-separated fields, found " + f.size());
    }
    String isbn = BookCrossingBooksFormat.normalizeIsbn(Fields.unquote(f.get(1)));
    RatingRecord r = range.toRecord(l, Fields.unquote(f.get(0)), isbn, Fields.unquote(f.get(2)), null);
    if (!r.rejected() && r.rating() == 0.0 && !keepImplicit) {
      return RatingRecord.reject(l, RejectReason.IMPLICIT_RATING, "implicit rating 0 dropped (bookcrossing.keep-implicit = false)");
    }
    return r;
  }

}
