package tallrec.data;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MovieLens-100K {@code u.item}: {@code id|title|release date|video date|IMDb URL|19 genre flags},
 * ISO-8859-1. The year comes from the title's trailing {@code (1995)}, else the release date.
 */
public final class MovieLensItemsFormat implements ItemsFormat {

  static final int FIELDS = 24;
  private static final Pattern TITLE_YEAR = Pattern.compile("\\((\\d{4})\\)\\s*$");
  private static final Pattern DATE_YEAR = Pattern.compile("(\\d{4})\\s*$");

  @Override
  public ItemRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return ItemRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    if (l.text().isBlank()) {
      return ItemRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    List<String> f = Fields.split(l.text(), '|');
    if (f.size() != FIELDS) {
      return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT,
          "expected " + FIELDS + " '|'-separated fields, found " + f.size());
    }
    String id = f.get(0).trim();
    String title = f.get(1).trim();
    if (id.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "item id is empty");
    }
    if (title.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "title is empty");
    }
    return ItemRecord.ok(l, id, title, null, year(title, f.get(2)), false);
  }

  static Integer year(String title, String releaseDate) {
    Matcher m = TITLE_YEAR.matcher(title);
    if (m.find()) {
      return Integer.parseInt(m.group(1));
    }
    m = DATE_YEAR.matcher(releaseDate);
    return m.find() ? Integer.parseInt(m.group(1)) : null;
  }
}
