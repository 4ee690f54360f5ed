package tallrec.prompt;

import java.io.Serializable;

/**
 * How an item appears in a prompt: {@code "Title"} for movies, {@code "Title" written by Author}
 * for books (TALLRec's rendering). The author part is left out when unknown.
 */
public enum ItemRenderer implements Serializable {
  TITLE,
  TITLE_AUTHOR;

  public String render(String title, String author) {
    String quoted = "\"" + title + "\"";
    if (this == TITLE_AUTHOR && author != null && !author.isEmpty()) {
      return quoted + " written by " + author;
    }
    return quoted;
  }

  public static ItemRenderer forDomain(String domain) {
    return "book".equals(domain) ? TITLE_AUTHOR : TITLE;
  }
}
