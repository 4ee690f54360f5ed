package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tallrec.testing.SharedData;

/** The BookCrossing books reader, line by line without Spark, on hand-made and real lines. */
class BookCrossingBooksFormatTest {

  static final String URLS = ";http://images.amazon.com/images/P/X.01.THUMBZZZ.jpg"
      + ";http://images.amazon.com/images/P/X.01.MZZZZZZZ.jpg;http://images.amazon.com/images/P/X.01.LZZZZZZZ.jpg";

  private final BookCrossingBooksFormat format = new BookCrossingBooksFormat(HeaderMode.AUTO);

  private ItemRecord parse(long line, String text) {
    return format.parse(RawLines.decode("BX-Books.csv", line, text.getBytes(StandardCharsets.ISO_8859_1),
        StandardCharsets.ISO_8859_1));
  }

  @Test
  void plainRow() {
    ItemRecord r = parse(2, "0425115801;Lightning;Dean R. Koontz;1996;Berkley Publishing Group" + URLS);
    assertFalse(r.rejected());
    assertEquals("0425115801", r.itemId());
    assertEquals("Lightning", r.title());
    assertEquals("Dean R. Koontz", r.author());
    assertEquals(1996, r.year());
    assertFalse(r.recovered());
  }

  @Test
  void headersAreSkipped() {
    assertNull(parse(1, "0;1;2;3;4;5;6;7"), "the re-saved header of column indices");
    assertNull(parse(1, "\"ISBN\";\"Book-Title\";\"Book-Author\";\"Year-Of-Publication\";\"Publisher\";\"Image-URL-S\";\"Image-URL-M\";\"Image-URL-L\""));
    assertNull(parse(1, "ISBN;Book-Title;Book-Author;Year-Of-Publication;Publisher;Image-URL-S;Image-URL-M;Image-URL-L"));
    // Not a header on line 2.
    assertTrue(parse(2, "0;1;2;3;4;5;6;7").title().equals("1"));
    // header = false: line 1 is data.
    ItemRecord r = new BookCrossingBooksFormat(HeaderMode.FALSE).parse(
        RawLines.decode("f", 1, "0425115801;Lightning;Dean R. Koontz;1996;Berkley;u;u;u".getBytes(StandardCharsets.ISO_8859_1),
            StandardCharsets.ISO_8859_1));
    assertEquals("Lightning", r.title());
  }

  @Test
  void quotedTitleWithSemicolonIsRecovered() {
    ItemRecord r = parse(5, "0743486226;\"Angels &amp; Demons\";Dan Brown;2003;Atria" + URLS);
    assertFalse(r.rejected());
    assertEquals("Angels & Demons", r.title());
    assertEquals("Dan Brown", r.author());
    assertEquals(2003, r.year());
    assertTrue(r.recovered());
  }

  @Test
  void quotedPublisherWithSemicolonIsRecovered() {
    ItemRecord r = parse(5, "0684845768;COAST ROAD : A NOVEL;Barbara Delinsky;1998;\"Simon &amp; Schuster\"" + URLS);
    assertEquals("COAST ROAD : A NOVEL", r.title());
    assertEquals("Barbara Delinsky", r.author());
    assertEquals(1998, r.year());
    assertTrue(r.recovered());
  }

  @Test
  void unquotedSemicolonIsRecoveredByTheYearAnchor() {
    ItemRecord r = parse(7, "0000000001;Tom &amp; Jerry;Some Author;1999;Pub &amp; Sons" + URLS);
    assertFalse(r.rejected(), String.valueOf(r.detail()));
    assertEquals("Tom & Jerry", r.title());
    assertEquals("Some Author", r.author());
    assertEquals(1999, r.year());
    assertTrue(r.recovered());
  }

  @Test
  void ambiguousRowIsRejectedWithItsLine() {
    // A numeric title part before the author is no year candidate: still recovered.
    ItemRecord numeric = parse(8, "0000000002;1984 &amp; 2001;Author;1999;Pub" + URLS);
    assertEquals("1984 & 2001", numeric.title());
    assertEquals("Author", numeric.author());
    assertEquals(1999, numeric.year());
    // Two numeric fields where the year could be (a numeric author): no safe split.
    ItemRecord r = parse(9, "0000000002;Numbers &amp; Words;42;1999;Pub" + URLS);
    assertTrue(r.rejected());
    assertEquals(RejectReason.WRONG_FIELD_COUNT, r.reason());
    assertEquals(9, r.line());
    assertEquals("BX-Books.csv", r.file());
    assertEquals("found 9 ';'-separated fields and cannot tell which ';' belong to the title or publisher", r.detail());
    assertNotNull(r.raw());
  }

  @Test
  void otherBadRows() {
    ItemRecord few = parse(3, "0000000003;Title;Author;1999");
    assertEquals(RejectReason.WRONG_FIELD_COUNT, few.reason());
    assertEquals("expected 8 ';'-separated fields, found 4", few.detail());
    ItemRecord noTitle = parse(3, "0000000003;;Author;1999;Pub" + URLS);
    assertEquals(RejectReason.EMPTY_FIELD, noTitle.reason());
    assertEquals("title is empty", noTitle.detail());
    ItemRecord noIsbn = parse(3, ";T;Author;1999;Pub" + URLS);
    assertEquals(RejectReason.EMPTY_FIELD, noIsbn.reason());
    assertEquals(RejectReason.BLANK_LINE, parse(4, "   ").reason(), "a blank line is recorded");
    assertEquals("   ", parse(4, "   ").raw());
    // Unknown year 0 and a lower-case x in the ISBN.
    ItemRecord y0 = parse(3, "000000000x;T;A;0;Pub" + URLS);
    assertNull(y0.year());
    assertEquals("000000000X", y0.itemId());
  }

  @Test
  void badEncodingIsRejected() {
    // UTF-8 declared, ISO-8859-1 bytes given: not decodable.
    RawLine l = RawLines.decode("f", 3, "0000000003;Caf\u00e9;A;1999;P;u;u;u".getBytes(StandardCharsets.ISO_8859_1),
        StandardCharsets.UTF_8);
    ItemRecord r = format.parse(l);
    assertEquals(RejectReason.BAD_ENCODING, r.reason());
    assertEquals("bytes are not valid in the declared charset", r.detail());
  }

  /**
   * All 15,780 data lines of the real file: every one is an item or a reject with its line (none
   * dropped), and the 594 rows with 9–10 fields are all recovered.
   */
  @Test
  void realBooksSubsetIsFullyAccountedFor() throws Exception {
    Path file = SharedData.require("data/bookcrossing/BX-Books-subset.csv");
    byte[] bytes = Files.readAllBytes(file);
    List<byte[]> lines = splitLines(bytes);
    assertEquals(15_781, lines.size());
    int ok = 0;
    int skipped = 0;
    int recovered = 0;
    Map<RejectReason, Integer> rejects = new HashMap<>();
    Map<String, ItemRecord> byIsbn = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      ItemRecord r = format.parse(RawLines.decode(file.toString(), i + 1, lines.get(i), StandardCharsets.ISO_8859_1));
      if (r == null) {
        skipped++;
        continue;
      }
      assertEquals(i + 1, r.line());
      if (r.rejected()) {
        rejects.merge(r.reason(), 1, Integer::sum);
      } else {
        ok++;
        if (r.recovered()) {
          recovered++;
        }
        byIsbn.putIfAbsent(r.itemId(), r);
      }
    }
    assertEquals(1, skipped, "only the header line is skipped");
    assertEquals(15_780, ok + rejects.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(594, recovered, "every row with 9-10 fields is recovered");
    assertEquals(Map.of(), rejects);

    ItemRecord angels = byIsbn.get("0743486226");
    assertEquals("Angels & Demons", angels.title());
    assertEquals("Dan Brown", angels.author());
    assertEquals(2003, angels.year());
    ItemRecord pitt = byIsbn.get("034544003X");
    assertEquals("Southampton Row (Charlotte & Thomas Pitt Novels (Hardcover))", pitt.title());
    assertEquals("Anne Perry", pitt.author());
    ItemRecord coast = byIsbn.get("0684845768");
    assertEquals("COAST ROAD : A NOVEL", coast.title());
    assertEquals("Barbara Delinsky", coast.author());
    assertEquals(1998, coast.year());
    assertEquals("Lightning", byIsbn.get("0425115801").title());
    // No title keeps an undecoded entity or a stray quote from a split.
    List<String> dirty = new ArrayList<>();
    byIsbn.values().forEach(r -> {
      if (r.title().contains("&amp;") || r.title().startsWith("\"") && !r.title().endsWith("\"")) {
        dirty.add(r.line() + ": " + r.title());
      }
    });
    assertEquals(List.of(), dirty);
  }

  static List<byte[]> splitLines(byte[] bytes) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        if (i == bytes.length && start == i) {
          break;
        }
        int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
        byte[] line = new byte[end - start];
        System.arraycopy(bytes, start, line, 0, end - start);
        out.add(line);
        start = i + 1;
      }
    }
    return out;
  }
}
