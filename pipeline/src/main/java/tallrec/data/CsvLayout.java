package tallrec.data;

import java.io.Serializable;
import java.util.List;

/**
 * How to split a generic delimited file and where its columns are. Column indices are resolved
 * once on the driver from the header (see {@link RawSources}), so executors never re-read it.
 */
public record CsvLayout(char delimiter, char quote, boolean header, int fieldCount) implements Serializable {

  /** Splits a data line, or returns null when a quoted field is not closed. */
  List<String> split(String line) {
    return Fields.splitQuoted(line, delimiter, quote);
  }
}
