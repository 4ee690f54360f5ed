package tallrec.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Field splitting and value checks, without Spark. */
class FieldsTest {

  @Test
  void splitKeepsEmptyFields() {
    assertEquals(List.of("a", "", "b", ""), Fields.split("a;;b;", ';'));
    assertEquals(List.of(""), Fields.split("", ';'));
    assertEquals(List.of("1", "2", "3", "4"), Fields.split("1\t2\t3\t4", '\t'));
  }

  @Test
  void splitQuotedFollowsRfc4180() {
    assertEquals(List.of("a", "b;c", "d"), Fields.splitQuoted("a;\"b;c\";d", ';', '"'));
    assertEquals(List.of("say \"hi\"", "x"), Fields.splitQuoted("\"say \"\"hi\"\"\",x", ',', '"'));
    assertEquals(List.of("", "", ""), Fields.splitQuoted(",,", ',', '"'));
    assertEquals(List.of("276725", "034545104X", "0"), Fields.splitQuoted("\"276725\";\"034545104X\";\"0\"", ';', '"'));
    // A quote inside an unquoted field is literal.
    assertEquals(List.of("ab\"c", "d"), Fields.splitQuoted("ab\"c,d", ',', '"'));
    // An empty quoted field.
    assertEquals(List.of("", "x"), Fields.splitQuoted("\"\",x", ',', '"'));
  }

  @Test
  void splitQuotedReturnsNullForAnUnclosedQuote() {
    assertNull(Fields.splitQuoted("1,\"unclosed,3", ',', '"'));
    assertNull(Fields.splitQuoted("\"", ',', '"'));
  }

  @Test
  void unquoteRemovesOnePairAndTrims() {
    assertEquals("abc", Fields.unquote(" \"abc\" "));
    assertEquals("\"abc\"", Fields.unquote("\"\"abc\"\""));
    assertEquals("\"abc", Fields.unquote("\"abc"));
    assertEquals("", Fields.unquote("\"\""));
    assertEquals("\"", Fields.unquote("\""));
  }

  @Test
  void isIntegerAcceptsOnlyPlainIntegers() {
    assertTrue(Fields.isInteger("0"));
    assertTrue(Fields.isInteger("-12"));
    assertTrue(Fields.isInteger("881250949"));
    assertFalse(Fields.isInteger(""));
    assertFalse(Fields.isInteger("-"));
    assertFalse(Fields.isInteger("1.5"));
    assertFalse(Fields.isInteger("12a"));
    assertFalse(Fields.isInteger(" 1"));
    assertFalse(Fields.isInteger("1234567890123456789"), "more than 18 digits could overflow a long");
  }

  @Test
  void parseNumberRejectsNonFiniteAndGarbage() {
    assertEquals(4.0, Fields.parseNumber("4"));
    assertEquals(3.5, Fields.parseNumber(" 3.5 "));
    assertNull(Fields.parseNumber("four"));
    assertNull(Fields.parseNumber(""));
    assertNull(Fields.parseNumber("NaN"));
    assertNull(Fields.parseNumber("Infinity"));
  }

  @Test
  void unescapeHtmlDecodesTheEntitiesOnce() {
    assertEquals("Angels & Demons", Fields.unescapeHtml("Angels &amp; Demons"));
    assertEquals("\"Q\" <a> 'b' 'c'", Fields.unescapeHtml("&quot;Q&quot; &lt;a&gt; &#39;b&#39; &apos;c&apos;"));
    // Decoding is a single pass: an escaped entity stays an entity.
    assertEquals("&quot;", Fields.unescapeHtml("&amp;quot;"));
    assertEquals("no entities", Fields.unescapeHtml("no entities"));
  }
}
