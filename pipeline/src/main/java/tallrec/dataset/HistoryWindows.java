package tallrec.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Builds history windows with Spark window functions: each interaction becomes a candidate target
 * whose history is the user's previous N interactions (with titles and like labels), computed per
 * user partition in one shuffle, never by collecting a user's ratings on the driver.
 *
 * <p>Output columns: {@code user_id, pos, n_user, first_seq, target_item_id, target_title,
 * target_author, target_ts, target_seq, label, history} where {@code history} is an array of
 * {@code struct<item_id, title, author, label>}, oldest first.
 */
public final class HistoryWindows {

  private HistoryWindows() {}

  /** Interactions with their item's title and author, and the domain's like label. */
  public static Dataset<Row> enrich(Dataset<Row> interactions, Dataset<Row> items, DomainSpec domain) {
    Dataset<Row> it = items.select(col("item_id").as("_iid"), col("title"), col("author"));
    return interactions.join(it, interactions.col("item_id").equalTo(it.col("_iid")), "inner")
        .drop("_iid")
        .withColumn("label", when(col("rating").gt(domain.likeThreshold()), 1).otherwise(0));
  }

  /** Windows in time order (ties in file order): MovieLens and any timestamped source. */
  public static Dataset<Row> chronological(Dataset<Row> enriched, int historyLength) {
    return windows(enriched, Window.partitionBy("user_id").orderBy(col("ts"), col("seq")), historyLength);
  }

  /**
   * Windows over a seeded shuffle of each user's items (BookCrossing has no timestamps). The
   * shuffle is a hash of (seed, user, item), so it does not depend on partitioning or file order.
   */
  public static Dataset<Row> shuffled(Dataset<Row> enriched, long seed, int historyLength) {
    Column key = xxhash64(lit(seed), col("user_id"), col("item_id"));
    return windows(enriched.withColumn("_shuffle", key),
        Window.partitionBy("user_id").orderBy(col("_shuffle"), col("seq")), historyLength)
        .drop("_shuffle");
  }

  private static Dataset<Row> windows(Dataset<Row> enriched, WindowSpec order, int historyLength) {
    WindowSpec user = Window.partitionBy("user_id");
    Column entry = struct(col("item_id"), col("title"), col("author"), col("label"));
    return enriched
        .withColumn("pos", row_number().over(order).minus(1))
        .withColumn("n_user", count(lit(1)).over(user))
        .withColumn("first_seq", min(col("seq")).over(user))
        .withColumn("history", collect_list(entry).over(order.rowsBetween(-historyLength, -1)))
        .select(col("user_id"), col("pos"), col("n_user"), col("first_seq"),
            col("item_id").as("target_item_id"), col("title").as("target_title"),
            col("author").as("target_author"), col("ts").as("target_ts"), col("seq").as("target_seq"),
            col("label"), col("history"));
  }
}
