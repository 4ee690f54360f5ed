package tallrec.data;

import java.io.Serializable;

/**
 * One physical line of a raw input file, decoded with the source's charset.
 *
 * @param file the file it came from
 * @param line 1-based line number in that file
 * @param text the decoded line without its terminator (CR LF or LF), or null when the bytes are
 *     not valid in the declared charset
 * @param raw the bytes as ISO-8859-1 (lossless), kept for the rejects output
 */
public record RawLine(String file, long line, String text, String raw) implements Serializable {

  public boolean badEncoding() {
    return text == null;
  }
}
