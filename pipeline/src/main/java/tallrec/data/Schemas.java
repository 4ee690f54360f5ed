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
      createStructField("user_id", StringType, false),
      createStructField("item_id", StringType, false),
      createStructField("rating", DoubleType, false),
      createStructField("ts", LongType, true),
      createStructField("seq", LongType, false),
      createStructField("label", IntegerType, false)});

  public static final StructType ITEMS = createStructType(new StructField[] {
      createStructField("item_id", StringType, false),
      createStructField("title", StringType, false),
      createStructField("author", StringType, true),
      createStructField("year", IntegerType, true),
      createStructField("text", StringType, false)});

  public static final StructType REJECTS = createStructType(new StructField[] {
      createStructField("source", StringType, false),
      createStructField("file", StringType, false),
      createStructField("line", LongType, false),
      createStructField("reason", StringType, false),
      createStructField("detail", StringType, true),
      createStructField("raw", StringType, true)});

  public static final StructType SAMPLES = createStructType(new StructField[] {
      createStructField("sample_id", StringType, false),
      createStructField("domain", StringType, false),
      createStructField("user_id", StringType, false),
      createStructField("target_item_id", StringType, false),
      createStructField("history_item_ids", createArrayType(StringType, false), false),
      createStructField("history_labels", createArrayType(IntegerType, false), false),
      createStructField("target_ts", LongType, true),
      createStructField("instruction", StringType, false),
      createStructField("input", StringType, false),
      createStructField("output", StringType, false),
      createStructField("label", IntegerType, false),
      createStructField("split", StringType, false),
      // The rendered items, so a prompt can be re-rendered with fewer history items when it does
      // not fit a model's context (the scorer drops the oldest first).
      createStructField("history_texts", createArrayType(StringType, false), false),
      createStructField("target_text", StringType, false)});

  /**
   * What {@code score} and {@code baselines} write: one row per (sample, model run). {@code score}
   * is the model's P(Yes) or a baseline's score (only its order matters to AUC); the Yes/No
   * logits are null for baselines. {@code train_domain}, {@code k}, {@code seed} name the training
   * the scores came from ({@code k = 0, seed = 0}: no training).
   */
  public static final StructType SCORES = createStructType(new StructField[] {
      createStructField("sample_id", StringType, false),
      createStructField("domain", StringType, false),
      createStructField("split", StringType, false),
      createStructField("label", IntegerType, false),
      createStructField("score", DoubleType, false),
      createStructField("logit_yes", DoubleType, true),
      createStructField("logit_no", DoubleType, true),
      createStructField("model", StringType, false),
      createStructField("variant", StringType, false),
      createStructField("train_domain", StringType, false),
      createStructField("k", IntegerType, false),
      createStructField("seed", IntegerType, false)});

  /** What {@code evaluate} writes: one AUC per (model, variant, train domain, test domain, K, seed). */
  public static final StructType METRICS = createStructType(new StructField[] {
      createStructField("model", StringType, false),
      createStructField("variant", StringType, false),
      createStructField("train_domain", StringType, false),
      createStructField("test_domain", StringType, false),
      createStructField("k", IntegerType, false),
      createStructField("seed", IntegerType, false),
      createStructField("auc", DoubleType, false),
      createStructField("n", LongType, false),
      createStructField("n_pos", LongType, false)});

  /** Fails with the missing column names when {@code actual} lacks any of {@code expected}'s. */
  public static void require(StructType actual, StructType expected, String what) {
    Set<String> have = new HashSet<>(Arrays.asList(actual.fieldNames()));
    List<String> missing = Arrays.stream(expected.fieldNames()).filter(n -> !have.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(what + " lacks columns " + missing + "; found " + Arrays.toString(actual.fieldNames()));
    }
  }
}
