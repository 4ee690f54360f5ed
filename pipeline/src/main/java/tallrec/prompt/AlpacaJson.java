package tallrec.prompt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import tallrec.io.Fs;

/**
 * Reads an Alpaca-format JSON array ({@code [{"instruction", "input", "output"}, …]}): Stanford
 * Alpaca data and TALLRec's reference train/valid/test files. Streamed, so a large file never
 * sits in memory as one tree; the rows themselves are returned (these files hold thousands).
 */
public final class AlpacaJson {

  /** One element, with its position in the file and the id {@code <file name>-<index>}. */
  public record Entry(String id, int index, String instruction, String input, String output) {

    /** 1 for a "Yes…" answer, 0 for "No…", -1 for anything else (general instructions). */
    public int label() {
      String t = output.trim();
      return t.startsWith("Yes") ? 1 : t.startsWith("No") ? 0 : -1;
    }
  }

  private AlpacaJson() {}

  /** {@code input} may be absent (Alpaca's no-input form); {@code instruction} and {@code output} may not. */
  public static List<Entry> read(Path file, Configuration conf) {
    Fs.requireNonEmptyFile(file, conf, "Alpaca JSON file");
    String base = file.getName().replaceFirst("\\.json$", "");
    List<Entry> out = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = Fs.of(file, conf).open(file); JsonParser p = json.getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IllegalArgumentException(file + ": expected a JSON array of {instruction, input, output}");
      }
      int i = 0;
      while (p.nextToken() == JsonToken.START_OBJECT) {
        JsonNode o = json.readTree(p);
        if (!o.hasNonNull("instruction") || !o.hasNonNull("output")) {
          throw new IllegalArgumentException(file + ": element " + i + " needs 'instruction' and 'output'");
        }
        out.add(new Entry(base + "-" + i, i, o.get("instruction").asText(),
            o.hasNonNull("input") ? o.get("input").asText() : "", o.get("output").asText()));
        i++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
    return out;
  }
}
