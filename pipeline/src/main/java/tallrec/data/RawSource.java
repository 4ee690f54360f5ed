package tallrec.data;

import java.io.Serializable;
import java.nio.charset.Charset;

/**
 * A resolved raw source: which files to read, in which charset, with which line formats, and the
 * recommendation domain (movie, book, …) its items belong to.
 */
public record RawSource(
    String name,
    String domain,
    String ratingsPath,
    Charset ratingsCharset,
    RatingsFormat ratingsFormat,
    String itemsPath,
    Charset itemsCharset,
    ItemsFormat itemsFormat)
    implements Serializable {}
