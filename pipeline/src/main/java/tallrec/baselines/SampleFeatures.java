package tallrec.baselines;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.size;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import tallrec.data.Columns;

/**
 * The hand-made features the MLlib baselines learn from: what the prompt shows (the history's
 * likes and their order) plus what the training set says about the target item.
 */
public final class SampleFeatures {

  /** Feature columns, in the order the VectorAssembler reads them. */
  public static final List<String> COLUMNS = List.of(
      "like_ratio",       // liked / history length (0.5 when empty)
      "hist_len",         // history length
      "liked",            // liked items in the history
      "disliked",         // disliked items in the history
      "since_last_like",  // items after the most recent like (= history length when none)
      "last_liked",       // 1 when the most recent history item was liked
      "recent_ratio",     // like ratio of the last 3 history items (0.5 when empty)
      "item_rate",        // smoothed like rate of the target in the training set
      "item_pop");        // log(1 + ratings of the target in the training set)

  // The last three labels; a positive start, because slice(a, -3, 3) is empty when a is shorter.
  private static final String LAST_3 = "slice(history_labels, greatest(size(history_labels) - 2, 1), 3)";

  private SampleFeatures() {}

  /**
   * Adds the feature columns to {@code samples}, with item statistics from {@code stats}.
   *
   * @param isTraining true for the rows {@code stats} was computed from (leave their own label out)
   */
  public static Dataset<Row> of(Dataset<Row> samples, ItemStats stats, double smoothing, boolean isTraining) {
    Dataset<Row> f = samples
        .withColumn("like_ratio", LikeRatio.ratio())
        .withColumn("hist_len", size(col(Columns.HISTORY_LABELS)).cast("double"))
        .withColumn("liked", LikeRatio.liked().cast("double"))
        .withColumn("disliked", col("hist_len").minus(col("liked")))
        .withColumn("since_last_like", expr(
            "CASE WHEN array_position(reverse(history_labels), 1) = 0 THEN size(history_labels)"
                + " ELSE array_position(reverse(history_labels), 1) - 1 END").cast("double"))
        .withColumn("last_liked", expr("coalesce(try_element_at(history_labels, -1), 0)").cast("double"))
        .withColumn("recent_ratio", expr("coalesce(try_divide(aggregate(" + LAST_3 + ", 0, (acc, x) -> acc + x), size("
            + LAST_3 + ")), 0.5D)").cast("double"));
    return stats.join(f, smoothing, isTraining).drop("item_likes", "item_n");
  }
}
