package tallrec.data;

/**
 * Why a raw row was not used. Every rejected row lands in {@code rejects/} with one of these
 * codes, the file, the line number and the raw text, so nothing is silently dropped.
 *
 * <p>{@link #malformed()} rows count against {@code ingest.max-malformed-fraction}; the others
 * are normal in real catalogues (BookCrossing rates many ISBNs it has no book record for).
 */
public enum RejectReason {
  WRONG_FIELD_COUNT("wrong_field_count", true),
  BAD_ENCODING("bad_encoding", true),
  EMPTY_FIELD("empty_field", true),
  BAD_RATING("bad_rating", true),
  RATING_OUT_OF_RANGE("rating_out_of_range", true),
  BAD_TIMESTAMP("bad_timestamp", true),
  UNKNOWN_ITEM("unknown_item", false),
  DUPLICATE_PAIR("duplicate_pair", false),
  DUPLICATE_ITEM("duplicate_item", false),
  IMPLICIT_RATING("implicit_rating", false),
  /** An empty or whitespace-only line: recorded (and counted) so that no line is dropped unseen. */
  BLANK_LINE("blank_line", false);

  private final String code;
  private final boolean malformed;

  RejectReason(String code, boolean malformed) {
    this.code = code;
    this.malformed = malformed;
  }

  public String code() {
    return code;
  }

  public boolean malformed() {
    return malformed;
  }

  public static RejectReason ofCode(String code) {
    for (RejectReason r : values()) {
      if (r.code.equals(code)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown reject reason: " + code);
  }
}
