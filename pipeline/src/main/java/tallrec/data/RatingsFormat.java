package tallrec.data;

import java.io.Serializable;

/** Parses the lines of one kind of ratings file. Runs on executors, so it is serializable. */
public interface RatingsFormat extends Serializable {

  /** A rating or a reject; null for a line to skip without a trace (a header, a blank last line). */
  RatingRecord parse(RawLine line);
}
