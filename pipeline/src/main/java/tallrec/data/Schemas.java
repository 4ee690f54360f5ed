package tallrec.data;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet data contracts between stages (see README, "Data contracts"). Readers check their
 * input against these with {@link #require}, as Spark ML's transformers check theirs.
 */
public final class Schemas {

  private Schemas() {}

  public static final StructType INTERACTIONS = createStructType(new StructField[] {
      createStructField(Columns.USER_ID, StringType, false),
      createStructField(Columns.ITEM_ID, StringType, false),
      createStructField(Columns.RATING, DoubleType, false),
      createStructField(Columns.TS, LongType, true),
      createStructField(Columns.SEQ, LongType, false),
      createStructField(Columns.LABEL, IntegerType, false)});

  public static final StructType ITEMS = createStructType(new StructField[] {
      createStructField(Columns.ITEM_ID, StringType, false),
      createStructField(Columns.TITLE, StringType, false),
      createStructField(Columns.AUTHOR, StringType, true),
      createStructField(Columns.YEAR, IntegerType, true),
      createStructField(Columns.TEXT, StringType, false)});

  public static final StructType REJECTS = createStructType(new StructField[] {
      createStructField(Columns.SOURCE, StringType, false),
      createStructField(Columns.FILE, StringType, false),
      createStructField(Columns.LINE, LongType, false),
      createStructField(Columns.REASON, StringType, false),
      createStructField(Columns.DETAIL, StringType, true),
      createStructField(Columns.RAW, StringType, true)});

  /**
   * One row per sample: ids and labels only. The prompt's texts are the dataset's
   * {@link #ITEM_TEXTS} (readers attach them with {@link ItemTexts#attach}); the instruction and
   * the answer follow from the domain and the label ({@code tallrec.prompt.RecPrompt}).
   */
  public static final StructType SAMPLES = createStructType(new StructField[] {
      createStructField(Columns.SAMPLE_ID, StringType, false),
      createStructField(Columns.DOMAIN, StringType, false),
      createStructField(Columns.USER_ID, StringType, false),
      createStructField(Columns.TARGET_ITEM_ID, StringType, false),
      createStructField(Columns.HISTORY_ITEM_IDS, createArrayType(StringType, false), false),
      createStructField(Columns.HISTORY_LABELS, createArrayType(IntegerType, false), false),
      createStructField(Columns.TARGET_TS, LongType, true),
      createStructField(Columns.LABEL, IntegerType, false),
      createStructField(Columns.SPLIT, StringType, false)});

  /** Each item as the dataset's prompts render it (movie: the title; book: "title" by author). */
  public static final StructType ITEM_TEXTS = createStructType(new StructField[] {
      createStructField(Columns.ITEM_ID, StringType, false),
      createStructField(Columns.TEXT, StringType, false)});

  /**
   * What {@code score} and {@code baselines} write: one row per (sample, model run). {@code score}
   * is the model's P(Yes) or a baseline's score (only its order matters to AUC); the Yes/No
   * logits are null for baselines. {@code train_domain}, {@code k}, {@code seed} name the training
   * the scores came from ({@code k = 0, seed = 0}: no training).
   */
  public static final StructType SCORES = createStructType(new StructField[] {
      createStructField(Columns.SAMPLE_ID, StringType, false),
      createStructField(Columns.DOMAIN, StringType, false),
      createStructField(Columns.SPLIT, StringType, false),
      createStructField(Columns.LABEL, IntegerType, false),
      createStructField(Columns.SCORE, DoubleType, false),
      createStructField(Columns.LOGIT_YES, DoubleType, true),
      createStructField(Columns.LOGIT_NO, DoubleType, true),
      createStructField(Columns.MODEL, StringType, false),
      createStructField(Columns.VARIANT, StringType, false),
      createStructField(Columns.TRAIN_DOMAIN, StringType, false),
      createStructField(Columns.K, IntegerType, false),
      createStructField(Columns.SEED, IntegerType, false)});

  /** What {@code evaluate} writes: one AUC per (model, variant, train domain, test domain, K, seed). */
  public static final StructType METRICS = createStructType(new StructField[] {
      createStructField(Columns.MODEL, StringType, false),
      createStructField(Columns.VARIANT, StringType, false),
      createStructField(Columns.TRAIN_DOMAIN, StringType, false),
      createStructField(Columns.TEST_DOMAIN, StringType, false),
      createStructField(Columns.K, IntegerType, false),
      createStructField(Columns.SEED, IntegerType, false),
      createStructField(Columns.AUC, DoubleType, false),
      createStructField(Columns.N, LongType, false),
      createStructField(Columns.N_POS, LongType, false)});

  /** Fails with the missing column names when {@code actual} lacks any of {@code expected}'s. */
  public static void require(StructType actual, StructType expected, String what) {
    Set<String> have = new HashSet<>(Arrays.asList(actual.fieldNames()));
    List<String> missing = Arrays.stream(expected.fieldNames()).filter(n -> !have.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(what + " lacks columns " + missing + "; found " + Arrays.toString(actual.fieldNames()));
    }
  }
}
