package tallrec.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Field splitting and value checks shared by the raw formats. */
final class Fields {

  private Fields() {}

  /** Splits on a single character, keeping empty fields (unlike String.split). */
  static List<String> split(String line, char delimiter) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == delimiter) {
        out.add(line.substring(start, i));
        start = i + 1;
      }
    }
    out.add(line.substring(start));
    return out;
  }

  /**
   * RFC 4180 splitting: fields may be quoted, a doubled quote inside a quoted field is a quote.
   * Returns null when a quoted field is not closed on this line.
   */
  static List<String> splitQuoted(String line, char delimiter, char quote) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inQuotes = false;
    boolean wasQuoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (inQuotes) {
        if (c == quote) {
          if (i + 1 < line.length() && line.charAt(i + 1) == quote) {
            cur.append(quote);
            i++;
          } else {
            inQuotes = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == quote && cur.isEmpty() && !wasQuoted) {
        inQuotes = true;
        wasQuoted = true;
      } else if (c == delimiter) {
        out.add(cur.toString());
        cur.setLength(0);
        wasQuoted = false;
      } else {
        cur.append(c);
      }
    }
    if (inQuotes) {
      return null;
    }
    out.add(cur.toString());
    return out;
  }

  /** Removes one pair of surrounding double quotes. */
  static String unquote(String s) {
    String t = s.trim();
    if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') {
      return t.substring(1, t.length() - 1);
    }
    return t;
  }

  static boolean isInteger(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return false;
    }
    int i = s.charAt(0) == '-' ? 1 : 0;
    if (i == s.length()) {
      return false;
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') { // ASCII only: Character.isDigit (and Long.parseLong) take other scripts' digits
        return false;
      }
    }
    return true;
  }

  /** Decimal digits, an optional minus sign and (where allowed) a fraction: what rating files hold. */
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

  /**
   * Parses a rating written in decimal digits, or returns null: not Java's wider syntax, whose
   * {@code 5f}, {@code 4d}, {@code 0x1p2} or {@code 1e0} no rating file means.
   *
   * @param fractions whether a fraction ({@code 3.5}) is allowed
   */
  static Double parseNumber(String s, boolean fractions) {
    String t = s.trim();
    if (t.length() > 40 || !DECIMAL.matcher(t).matches() || (!fractions && t.indexOf('.') >= 0)) {
      return null;
    }
    return Double.parseDouble(t);
  }

  /** {@link #parseNumber(String, boolean)} with fractions allowed. */
  static Double parseNumber(String s) {
    return parseNumber(s, true);
  }

  /** The standard HTML entities that BookCrossing's scraped titles carry ({@code &amp;} etc.). */
  static String unescapeHtml(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    return s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
