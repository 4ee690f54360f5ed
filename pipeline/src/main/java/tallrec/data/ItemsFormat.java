package tallrec.data;

import java.io.Serializable;

/** Parses the lines of one kind of items file. Runs on executors, so it is serializable. */
public interface ItemsFormat extends Serializable {

  /** An item or a reject; null for a line to skip without a trace (a header, a blank last line). */
  ItemRecord parse(RawLine line);
}
