package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The line parsers of every source, without Spark: values and exact reject reasons. */
class RatingsFormatsTest {

  private static RawLine line(long n, String text) {
    return line(n, text.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  private static RawLine line(long n, byte[] bytes, Charset cs) {
    return RawLines.decode("in.txt", n, bytes, cs);
  }

  private final MovieLensRatingsFormat ml = new MovieLensRatingsFormat(new RatingRange(1, 5));

  @Test
  void movieLensRatings() {
    RatingRecord r = ml.parse(line(1, "196\t242\t3\t881250949"));
    assertFalse(r.rejected());
    assertEquals("196", r.userId());
    assertEquals("242", r.itemId());
    assertEquals(3.0, r.rating());
    assertEquals(881250949L, r.ts());
    assertEquals(1, r.line());
    assertEquals("in.txt", r.file());
    // CR LF is stripped by the reader, but a stray CR in the last field is tolerated by trim.
    assertEquals(881250949L, ml.parse(line(2, "196\t242\t3\t881250949 ")).ts());
  }

  @Test
  void movieLensRatingsRejects() {
    RatingRecord truncated = ml.parse(line(7, "196\t242\t3"));
    assertEquals(RejectReason.WRONG_FIELD_COUNT, truncated.reason());
    assertEquals("expected 4 tab-separated fields, found 3", truncated.detail());
    assertEquals(7, truncated.line());
    assertEquals("196\t242\t3", truncated.raw());

    RatingRecord high = ml.parse(line(8, "196\t242\t6\t881250949"));
    assertEquals(RejectReason.RATING_OUT_OF_RANGE, high.reason());
    assertEquals("rating 6 outside [1, 5]", high.detail());
    assertEquals("rating 0 outside [1, 5]", ml.parse(line(8, "196\t242\t0\t881250949")).detail());

    RatingRecord nan = ml.parse(line(9, "196\t242\tfive\t881250949"));
    assertEquals(RejectReason.BAD_RATING, nan.reason());
    assertEquals("rating is not a decimal number: 'five'", nan.detail());

    RatingRecord ts = ml.parse(line(10, "196\t242\t3\tyesterday"));
    assertEquals(RejectReason.BAD_TIMESTAMP, ts.reason());
    assertEquals("timestamp is not unix seconds: 'yesterday'", ts.detail());
    assertEquals(RejectReason.BAD_TIMESTAMP, ml.parse(line(10, "196\t242\t3\t-5")).reason());

    RatingRecord noUser = ml.parse(line(11, "\t242\t3\t881250949"));
    assertEquals(RejectReason.EMPTY_FIELD, noUser.reason());
    assertEquals("user id is empty", noUser.detail());
    assertEquals("item id is empty", ml.parse(line(11, "196\t \t3\t881250949")).detail());

    RatingRecord enc = ml.parse(line(12, new byte[] {'1', '\t', (byte) 0xFF, '\t', '3', '\t', '1'}, StandardCharsets.UTF_8));
    assertEquals(RejectReason.BAD_ENCODING, enc.reason());
    assertEquals("bytes are not valid in the declared charset", enc.detail());

    RatingRecord blank = ml.parse(line(13, " \t "));
    assertEquals(RejectReason.BLANK_LINE, blank.reason());
    assertEquals(" \t ", blank.raw());
    assertFalse(RejectReason.BLANK_LINE.malformed());
  }

  /**
   * Only decimal digits are ratings (Java's parser also takes 5f, 4d, 0x1p2, 1e0), a fraction only
   * where the source allows one, ASCII digits only in times, and times within the source's bounds,
   * the same rule for every reader.
   */
  @Test
  void numbersAndTimesAreStrict() {
    MovieLensRatingsFormat whole = new MovieLensRatingsFormat(new RatingRange(1, 5, false, 0, 4_102_444_800L));
    for (String r : new String[] {"5f", "4d", "0x1p2", "1e0", "+3", "3.", ".5", "NaN", "Infinity", "3.5"}) {
      RatingRecord x = whole.parse(line(1, "1\t2\t" + r + "\t881250949"));
      assertEquals(RejectReason.BAD_RATING, x.reason(), r);
      assertEquals("rating is not a whole number in decimal digits: '" + r + "'", x.detail());
    }
    assertEquals(4.0, whole.parse(line(1, "1\t2\t4\t881250949")).rating());
    RatingRecord future = whole.parse(line(2, "1\t2\t4\t999999999999999999"));
    assertEquals(RejectReason.BAD_TIMESTAMP, future.reason());
    assertEquals("timestamp 999999999999999999 outside [0, 4102444800] (unix seconds; the source's timestamp-min /"
        + " timestamp-max)", future.detail());
    // Arabic-Indic digits pass Character.isDigit and Long.parseLong, but no rating file means them.
    assertEquals(RejectReason.BAD_TIMESTAMP, whole.parse(line(3, "1\t2\t4\t\u0661\u0662")).reason());

    CsvRatingsFormat csv = new CsvRatingsFormat(new CsvLayout(',', '"', false, 4), 0, 1, 2, 3,
        new RatingRange(1, 5, true, 0, 4_102_444_800L));
    assertEquals(3.5, csv.parse(line(1, "u,i,3.5,12345")).rating());
    assertEquals(RejectReason.BAD_RATING, csv.parse(line(1, "u,i,5f,12345")).reason());
    RatingRecord negative = csv.parse(line(2, "u,i,4,-5"));
    assertEquals(RejectReason.BAD_TIMESTAMP, negative.reason(), "as the MovieLens reader: times before 1970");
    assertEquals(RejectReason.BAD_TIMESTAMP, csv.parse(line(2, "u,i,4,1969-12-31")).reason());
    CsvRatingsFormat old = new CsvRatingsFormat(new CsvLayout(',', '"', false, 4), 0, 1, 2, 3,
        new RatingRange(1, 5, true, -86_400, 4_102_444_800L));
    assertEquals(-86_400L, old.parse(line(2, "u,i,4,1969-12-31")).ts(), "bounds are the source's to set");
    assertEquals(RejectReason.BLANK_LINE, csv.parse(line(3, "\t\t")).reason());
  }

  @Test
  void movieLensItems() {
    MovieLensItemsFormat f = new MovieLensItemsFormat();
    String flags = "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
    ItemRecord toy = f.parse(line(1, "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)" + flags));
    assertEquals("1", toy.itemId());
    assertEquals("Toy Story (1995)", toy.title());
    assertEquals(1995, toy.year());
    assertNull(toy.author());
    // The year falls back to the release date.
    assertEquals(1996, f.parse(line(2, "2|No Year|01-Jan-1996||u" + flags)).year());
    // ISO-8859-1 titles decode in the declared charset.
    byte[] latin = ("3|Misérables, Les (1995)|01-Jan-1995||u" + flags).getBytes(StandardCharsets.ISO_8859_1);
    assertEquals("Misérables, Les (1995)", f.parse(line(3, latin, StandardCharsets.ISO_8859_1)).title());
    ItemRecord short_ = f.parse(line(4, "4|Short"));
    assertEquals(RejectReason.WRONG_FIELD_COUNT, short_.reason());
    assertEquals("expected 24 '|'-separated fields, found 2", short_.detail());
    assertEquals("title is empty", f.parse(line(5, "5| |01-Jan-1995||u" + flags)).detail());
  }

  @Test
  void bookCrossingRatingsBothVariants() {
    BookCrossingRatingsFormat f = new BookCrossingRatingsFormat(new RatingRange(0, 10), HeaderMode.AUTO, true);
    assertNull(f.parse(line(1, "User-ID;ISBN;Book-Rating")), "header of the re-saved subset");
    RatingRecord subset = f.parse(line(2, "276747;0060517794;9"));
    assertEquals("276747", subset.userId());
    assertEquals("0060517794", subset.itemId());
    assertEquals(9.0, subset.rating());
    assertNull(subset.ts());
    // The original: quoted, no header (line 1 is data), implicit 0.
    RatingRecord original = f.parse(line(1, "\"43842\";\"073943254x\";\"0\""));
    assertFalse(original.rejected());
    assertEquals("43842", original.userId());
    assertEquals("073943254X", original.itemId(), "ISBNs are upper-cased to match the books file");
    assertEquals(0.0, original.rating());

    BookCrossingRatingsFormat explicitOnly = new BookCrossingRatingsFormat(new RatingRange(0, 10), HeaderMode.AUTO, false);
    RatingRecord implicit = explicitOnly.parse(line(2, "\"43842\";\"0739432540\";\"0\""));
    assertEquals(RejectReason.IMPLICIT_RATING, implicit.reason());
    assertEquals("implicit rating 0 dropped (bookcrossing.keep-implicit = false)", implicit.detail());
    assertFalse(explicitOnly.parse(line(3, "43842;0739432540;7")).rejected());

    assertEquals("rating 11 outside [0, 10]", f.parse(line(3, "1;0739432540;11")).detail());
    assertEquals("expected 3 ';'-separated fields, found 2", f.parse(line(3, "1;0739432540")).detail());
    assertEquals("unclosed quote", f.parse(line(3, "\"1\";\"0739432540\";\"5")).detail());
  }

  @Test
  void csvRatingsWithIsoDatesAndQuotedFields() {
    CsvLayout layout = new CsvLayout(',', '"', true, 4);
    CsvRatingsFormat f = new CsvRatingsFormat(layout, 0, 1, 2, 3, new RatingRange(1, 5));
    assertNull(f.parse(line(1, "user,item,rating,when")), "the header");
    RatingRecord r = f.parse(line(2, "\"u,1\",\"i \"\"2\"\"\",4,2020-01-02"));
    assertEquals("u,1", r.userId());
    assertEquals("i \"2\"", r.itemId());
    assertEquals(4.0, r.rating());
    assertEquals(1577923200L, r.ts());
    assertEquals(1577923200L + 3600, f.parse(line(3, "u,i,4,2020-01-02T01:00:00Z")).ts());
    assertEquals(12345L, f.parse(line(3, "u,i,4,12345")).ts());
    RatingRecord badTs = f.parse(line(4, "u,i,4,02/01/2020"));
    assertEquals(RejectReason.BAD_TIMESTAMP, badTs.reason());
    assertEquals("timestamp is neither unix seconds nor ISO-8601: '02/01/2020'", badTs.detail());
    assertEquals("expected 4 fields, found 5", f.parse(line(5, "u,i,4,5,6")).detail());
    assertEquals("unclosed quote", f.parse(line(6, "u,\"i,4,5")).detail());
    // No time column.
    CsvRatingsFormat noTs = new CsvRatingsFormat(new CsvLayout(';', '"', false, 3), 2, 0, 1, -1, new RatingRange(1, 10));
    RatingRecord n = noTs.parse(line(1, "i9;10;u7"));
    assertEquals("u7", n.userId());
    assertEquals("i9", n.itemId());
    assertEquals(10.0, n.rating());
    assertNull(n.ts());
  }
}
