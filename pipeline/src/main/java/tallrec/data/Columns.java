package tallrec.data;

/**
 * The column names of the Parquet contracts in {@link Schemas}, once (as Spark ML's {@code HasLabelCol}
 * names its column once): every stage reads and writes these columns through these constants, so a
 * renamed or misspelt column is a compile error, not an empty join. Columns a stage only uses
 * internally (ranks, offsets) stay local to it.
 */
public final class Columns {

  private Columns() {}

  // Interactions (and, for user_id and item_id, every table keyed by them).
  public static final String USER_ID = "user_id";
  public static final String ITEM_ID = "item_id";
  public static final String RATING = "rating";
  public static final String TS = "ts";
  public static final String SEQ = "seq";
  public static final String LABEL = "label";

  // Items.
  public static final String TITLE = "title";
  public static final String AUTHOR = "author";
  public static final String YEAR = "year";
  public static final String TEXT = "text";

  // Rejects.
  public static final String SOURCE = "source";
  public static final String FILE = "file";
  public static final String LINE = "line";
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  public static final String RAW = "raw";

  // Samples (label as in interactions).
  public static final String SAMPLE_ID = "sample_id";
  public static final String DOMAIN = "domain";
  public static final String TARGET_ITEM_ID = "target_item_id";
  public static final String HISTORY_ITEM_IDS = "history_item_ids";
  public static final String HISTORY_LABELS = "history_labels";
  public static final String TARGET_TS = "target_ts";
  public static final String INSTRUCTION = "instruction";
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";
  public static final String SPLIT = "split";
  public static final String HISTORY_TEXTS = "history_texts";
  public static final String TARGET_TEXT = "target_text";

  // Scores (sample_id, domain, split, label as in samples).
  public static final String SCORE = "score";
  public static final String LOGIT_YES = "logit_yes";
  public static final String LOGIT_NO = "logit_no";
  public static final String MODEL = "model";
  public static final String VARIANT = "variant";
  public static final String TRAIN_DOMAIN = "train_domain";
  public static final String K = "k";
  public static final String SEED = "seed";

  // Metrics (model, variant, train_domain, k, seed as in scores).
  public static final String TEST_DOMAIN = "test_domain";
  public static final String AUC = "auc";
  public static final String N = "n";
  public static final String N_POS = "n_pos";
}
