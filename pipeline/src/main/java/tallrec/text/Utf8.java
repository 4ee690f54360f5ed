package tallrec.text;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers shared by the tokenizers that carry raw bytes. */
final class Utf8 {

  private Utf8() {}

  static byte[] encode(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Decodes bytes the way SentencePiece does: each well-formed character as itself, and each byte
   * that does not start a well-formed character as one U+FFFD. (Java's decoder collapses some
   * malformed runs into a single U+FFFD, which would make decode disagree with the reference.)
   */
  static String decodeLenient(byte[] b, int off, int len) {
    StringBuilder out = new StringBuilder(len);
    int i = off;
    int end = off + len;
    while (i < end) {
      int n = validCharLength(b, i, end);
      if (n == 0) {
        out.append('\uFFFD');
        i++;
      } else {
        out.append(new String(b, i, n, StandardCharsets.UTF_8));
        i += n;
      }
    }
    return out.toString();
  }

  static String decodeLenient(byte[] b) {
    return decodeLenient(b, 0, b.length);
  }

  /** Length of the well-formed UTF-8 character at {@code i}, or 0 when it is malformed. */
  static int validCharLength(byte[] b, int i, int end) {
    int c = b[i] & 0xFF;
    if (c < 0x80) {
      return 1;
    }
    int n;
    int cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + n > end) {
      return 0;
    }
    for (int k = 1; k < n; k++) {
      int cc = b[i + k] & 0xFF;
      if ((cc & 0xC0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return 0;
    }
    return n;
  }
}
