package tallrec.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * BookCrossing books: {@code ISBN;Title;Author;Year;Publisher;URL-S;URL-M;URL-L}, ISO-8859-1.
 *
 * <p>The original file quotes every field; re-saved copies strip the quotes, and then a {@code ;}
 * inside a title or publisher (almost always from the HTML entity {@code &amp;}) breaks the field
 * count. Such rows are recovered where the structure allows — first by re-joining a quoted span
 * that was split, then by anchoring on what cannot move: ISBN first, three image URLs last, and a
 * numeric year between the author and the publisher. A row whose split stays ambiguous is
 * rejected with its line, never guessed.
 */
public final class BookCrossingBooksFormat implements ItemsFormat {

  static final int FIELDS = 8;
  private final HeaderMode header;

  public BookCrossingBooksFormat(HeaderMode header) {
    this.header = header;
  }

  @Override
  public ItemRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return ItemRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    String text = l.text();
    if (text.isBlank()) {
      return ItemRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    boolean quotedLine = text.startsWith("\"") && text.endsWith("\"");
    List<String> f = quotedLine ? Fields.splitQuoted(text, ';', '"') : Fields.split(text, ';');
    if (l.line() == 1 && header.isHeader(looksLikeHeader(f))) {
      return null;
    }
    if (f == null) {
      return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "unclosed quote");
    }
    boolean recovered = false;
    if (f.size() > FIELDS && !quotedLine) {
      List<String> merged = mergeQuotedSpans(f);
      recovered = merged.size() != f.size();
      f = merged;
    }
    String title;
    String author;
    String year;
    if (f.size() == FIELDS) {
      title = f.get(1);
      author = f.get(2);
      year = f.get(3);
    } else if (f.size() > FIELDS && looksLikeUrl(f.get(f.size() - 1))) {
      List<String> middle = f.subList(1, f.size() - 3);
      int anchor = uniqueYearAnchor(middle);
      if (anchor < 0) {
        return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT,
            "found " + f.size() + " ';'-separated fields and cannot tell which ';' belong to the title or publisher");
      }
      title = String.join(";", middle.subList(0, anchor - 1));
      author = middle.get(anchor - 1);
      year = middle.get(anchor);
      recovered = true;
    } else {
      return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT,
          "expected " + FIELDS + " ';'-separated fields, found " + f.size());
    }
    String isbn = normalizeIsbn(Fields.unquote(f.get(0)));
    title = Fields.unescapeHtml(Fields.unquote(title)).trim();
    author = Fields.unescapeHtml(Fields.unquote(author)).trim();
    if (isbn.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "ISBN is empty");
    }
    if (title.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "title is empty");
    }
    String y = Fields.unquote(year);
    // BookCrossing uses 0 for an unknown year.
    Integer parsedYear = Fields.isInteger(y) && Integer.parseInt(y) > 0 ? Integer.parseInt(y) : null;
    return ItemRecord.ok(l, isbn, title, author.isEmpty() ? null : author, parsedYear, recovered);
  }

  /** ISBNs are matched case-insensitively: ratings and books disagree on {@code x} vs {@code X}. */
  static String normalizeIsbn(String isbn) {
    return isbn.trim().toUpperCase(Locale.ROOT);
  }

  private static boolean looksLikeHeader(List<String> f) {
    if (f == null || f.isEmpty()) {
      return false;
    }
    if (Fields.unquote(f.get(0)).equalsIgnoreCase("ISBN")) {
      return true;
    }
    // A re-saved copy replaced the header by column indices: 0;1;2;...;7
    for (int i = 0; i < f.size(); i++) {
      if (!f.get(i).trim().equals(Integer.toString(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean looksLikeUrl(String s) {
    String t = Fields.unquote(s).toLowerCase(Locale.ROOT);
    return t.startsWith("http://") || t.startsWith("https://") || t.isEmpty();
  }

  /** Re-joins fields of a span that opened with a quote and was split at a {@code ;} inside it. */
  static List<String> mergeQuotedSpans(List<String> f) {
    List<String> out = new ArrayList<>();
    StringBuilder open = null;
    for (String s : f) {
      if (open != null) {
        open.append(';').append(s);
        if (s.endsWith("\"")) {
          out.add(open.toString());
          open = null;
        }
      } else if (s.startsWith("\"") && (s.length() == 1 || !s.endsWith("\""))) {
        open = new StringBuilder(s);
      } else {
        out.add(s);
      }
    }
    if (open != null) {
      return f; // never closed: leave the split as it was and let the anchors decide
    }
    return out;
  }

  /**
   * The index in {@code middle} (title…, author, year, publisher…) of the only field that can be
   * the year, or -1 when none or several can.
   */
  static int uniqueYearAnchor(List<String> middle) {
    int found = -1;
    for (int j = 2; j <= middle.size() - 2; j++) {
      String y = Fields.unquote(middle.get(j));
      if (Fields.isInteger(y) && y.length() <= 4 && !y.startsWith("-")) {
        if (found >= 0) {
          return -1;
        }
        found = j;
      }
    }
    return found;
  }
}
