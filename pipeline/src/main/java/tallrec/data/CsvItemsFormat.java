package tallrec.data;

import java.util.List;

/** A user's own items file: id and title columns, optional author and year. */
public final class CsvItemsFormat implements ItemsFormat {

  private final CsvLayout layout;
  private final int id;
  private final int title;
  private final int author;
  private final int year;

  /** Column indices are 0-based; {@code author} and {@code year} are -1 when absent. */
  public CsvItemsFormat(CsvLayout layout, int id, int title, int author, int year) {
    this.layout = layout;
    this.id = id;
    this.title = title;
    this.author = author;
    this.year = year;
  }

  @Override
  public ItemRecord parse(RawLine l) {
    if (l.badEncoding()) {
      return ItemRecord.reject(l, RejectReason.BAD_ENCODING, "bytes are not valid in the declared charset");
    }
    if (layout.header() && l.line() == 1) {
      return null;
    }
    if (l.text().isBlank()) {
      return ItemRecord.reject(l, RejectReason.BLANK_LINE, "blank line");
    }
    List<String> f = layout.split(l.text());
    if (f == null) {
      return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT, "unclosed quote");
    }
    if (f.size() != layout.fieldCount()) {
      return ItemRecord.reject(l, RejectReason.WRONG_FIELD_COUNT,
          "expected " + layout.fieldCount() + " fields, found " + f.size());
    }
    String itemId = f.get(id).trim();
    String t = f.get(title).trim();
    if (itemId.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "item id is empty");
    }
    if (t.isEmpty()) {
      return ItemRecord.reject(l, RejectReason.EMPTY_FIELD, "title is empty");
    }
    String a = author >= 0 ? f.get(author).trim() : "";
    Integer y = null;
    if (year >= 0 && Fields.isInteger(f.get(year).trim())) {
      y = Integer.parseInt(f.get(year).trim());
    }
    return ItemRecord.ok(l, itemId, t, a.isEmpty() ? null : a, y, false);
  }
}
